/**
 * Contract v1.1 heartbeat rate, simulator and probe: `GET /api/v1/events?heartbeatMs=`
 * is clamped by the node (never faster than it supports, never slower than its
 * own rate), announced in `hello`, and the stream then beats at that rate alone;
 * the probe asks for its configured rate and its adaptive detector judges a
 * hung stream silent. Addresses: 127.38.5.0/24 (LAN), 127.138.5.0/24 (tailnet).
 */
import http from 'node:http';
import https from 'node:https';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { loadConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/main.ts';
import { SIM_MIN_HEARTBEAT_MS } from '../../src/sim/stream-beats.ts';
import { CameraNodeRunner } from '../../src/topology/probes/camera-node.ts';
import type { ProbeFailure } from '../../src/topology/probes/path-machine.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { makeTempDir } from '../helpers/app.ts';
import { openSse, poll } from './sim-sse-client.ts';

let sim: SimRig;
beforeAll(async () => {
  sim = await startSimRig({ nodes: 2, lanCidr: '127.38.5.0/24', tailnetCidr: '127.138.5.0/24', heartbeatMs: 1000, extras: false, idPrefix: 'beat' });
}, 20_000);
afterAll(async () => sim?.close());

const eventsUrl = (query: string) => {
  const n = sim.nodes[0]!;
  return `http://${n.lanIp}:${n.port}/api/v1/events${query}`;
};

async function helloOf(query: string): Promise<number> {
  const c = await openSse(eventsUrl(query));
  try {
    const [hello] = await c.waitFor((e) => e.some((x) => x.event === 'hello'));
    return (JSON.parse(hello!.data) as { heartbeatMs: number }).heartbeatMs;
  } finally {
    c.close();
  }
}

describe('v1.1 heartbeat rate in the simulator', () => {
  it('clamps the asked rate and announces it in hello', async () => {
    expect(await helloOf('')).toBe(1000);
    expect(await helloOf('?heartbeatMs=250')).toBe(250);
    expect(await helloOf('?heartbeatMs=10')).toBe(SIM_MIN_HEARTBEAT_MS);
    expect(await helloOf('?heartbeatMs=5000')).toBe(1000); // never slower than the node's own rate
    for (const junk of ['abc', '-5', '1e3', '99999999999999', '']) expect(await helloOf(`?heartbeatMs=${junk}`), junk).toBe(1000);
  });

  it('beats the stream at the asked rate only (no extra beats from the shared tick)', async () => {
    const c = await openSse(eventsUrl('?heartbeatMs=200'));
    try {
      const at: number[] = [];
      let seen = 0;
      await poll(() => {
        const beats = c.events.filter((e) => e.event === 'heartbeat');
        for (; seen < beats.length; seen++) at.push(Date.now());
        return beats.length >= 12 ? true : null;
      }, 15_000);
      const seqs = c.events.filter((e) => e.event === 'heartbeat').map((e) => (JSON.parse(e.data) as { seq: number }).seq);
      // One sequence for the stream's own beats, no gaps and no interleaved beats of the node's 1 s tick.
      expect(seqs.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    } finally {
      c.close();
    }
  });
});

describe('the probe asks for its rate', () => {
  it('gets the faster heartbeat, and judges a hung stream silent', async () => {
    const node = sim.nodes[1]!;
    const target: ProbeTarget = {
      key: `${node.id}|camera-node|lan`, deviceId: node.id, network: 'lan', address: node.lanIp, service: 'camera-node', port: node.port,
      kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 60_000, inScope: true,
    };
    const failures: ProbeFailure[] = [];
    const beats: number[] = [];
    const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: false }), new https.Agent({ keepAlive: true }), new https.Agent({ keepAlive: false })] as const;
    const runner = new CameraNodeRunner({
      target, limit: pLimit(4), pollAgent: agents[0], streamAgent: agents[1], tlsPollAgent: agents[2], tlsStreamAgent: agents[3],
      timeoutMs: 3000, heartbeatFactor: 2.5, heartbeatMs: 200,
      sink: { ok: () => undefined, fail: (f) => failures.push(f), status: () => undefined, heartbeat: (at) => beats.push(at) },
    });
    runner.start(0);
    try {
      // 20 beats at 200 ms arrive long before 20 s; at the node's own 1 s they would not fill 5 s.
      const t0 = Date.now();
      await poll(() => (beats.length >= 20 ? true : null), 30_000);
      const span = beats[19]! - beats[0]!;
      expect(span, `20 beats took ${Date.now() - t0} ms`).toBeLessThan(19 * 1000 * 0.5);
      expect(failures).toEqual([]);
      sim.setFault(node.id, { mode: 'hang' });
      const silent = await poll(() => failures.find((f) => f.category === 'heartbeat_silent'), 30_000);
      expect(silent.reason).toMatch(/heartbeat silent for \d+\.\d s/);
    } finally {
      sim.setFault(node.id, { mode: 'ok' });
      runner.stop();
      for (const a of agents) a.destroy();
    }
  });
});

describe('a v1 node that does not take the parameter', () => {
  it('is asked once, then streamed from without it, with no failure reported', async () => {
    // Routes by the exact URL, as a strict v1 node might: the v1.1 query gets a 404.
    const urls: string[] = [];
    const server = http.createServer((req, res) => {
      urls.push(req.url ?? '');
      // Its status answers like any v1 node's: the runner's first poll comes at a random moment of its
      // interval (jitter), and a 404 there would be a poll failure, not the parameter's.
      if (req.url === '/api/v1/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ state: 'idle', battery: { level: 0.9, charging: false }, thermal: 'nominal', storage: { freeBytes: 1e11, totalBytes: 2e11 }, uptimeSec: 1, time: new Date().toISOString() }));
      if (req.url !== '/api/v1/events') return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no"}}');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: hello\ndata: ${JSON.stringify({ id: 'strict', api: 1, heartbeatMs: 100 })}\n\n`);
      let seq = 0;
      const timer = setInterval(() => res.write(`event: heartbeat\ndata: {"seq":${++seq}}\n\n`), 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => server.listen(0, '127.38.5.200', r));
    const port = (server.address() as { port: number }).port;
    const failures: ProbeFailure[] = [];
    let beats = 0;
    const agents = [new http.Agent({ keepAlive: true, maxSockets: 1 }), new http.Agent({ keepAlive: false }), new https.Agent({ keepAlive: true }), new https.Agent({ keepAlive: false })] as const;
    const runner = new CameraNodeRunner({
      target: { key: 'strict|camera-node|lan', deviceId: 'strict', network: 'lan', address: '127.38.5.200', service: 'camera-node', port, kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 60_000, inScope: true },
      limit: pLimit(4), pollAgent: agents[0], streamAgent: agents[1], tlsPollAgent: agents[2], tlsStreamAgent: agents[3],
      timeoutMs: 3000, heartbeatFactor: 2.5, heartbeatMs: 50,
      sink: { ok: () => undefined, fail: (f) => failures.push(f), status: () => undefined, heartbeat: () => beats++ },
    });
    runner.start(0);
    try {
      await poll(() => (beats >= 5 ? true : null), 20_000);
      const streams = urls.filter((u) => u.startsWith('/api/v1/events'));
      expect(streams.slice(0, 2)).toEqual(['/api/v1/events?heartbeatMs=50', '/api/v1/events']);
      expect(streams.slice(1).every((u) => u === '/api/v1/events')).toBe(true); // never asked again
      // The 404 to the parameter is not a lost path.
      expect(failures.filter((f) => f.category === 'http_error')).toEqual([]);
    } finally {
      runner.stop();
      for (const a of agents) a.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('per device', () => {
  it('a device\'s heartbeatMs (PATCH) overrides the global --heartbeat-ms on its streams', async () => {
    const urls: string[] = [];
    const node = http.createServer((req, res) => {
      urls.push(req.url ?? '');
      if (!req.url?.startsWith('/api/v1/events')) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: hello\ndata: ${JSON.stringify({ id: 'cam-x', api: 1, heartbeatMs: 100 })}\n\n`);
      const timer = setInterval(() => res.write('event: heartbeat\ndata: {"seq":1}\n\n'), 100);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((r) => node.listen(0, '127.38.5.201', r));
    const port = (node.address() as { port: number }).port;
    const tmp = makeTempDir('rigmap-fleet-hb-');
    const server = await startServer(loadConfig({
      db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', tailscaleSync: 'off', bonjour: false,
      mdnsInterface: '127.0.0.1', neverSeenAfterSec: 0, heartbeatMs: 0, probeIntervalMs: 60_000,
    }, {}));
    try {
      const send = (method: string, path: string, body: unknown) => fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const added = await send('POST', '/api/devices', { id: 'cam-x', role: 'camera', addresses: [{ network: 'lan', ip: '127.38.5.201' }], services: [{ name: 'camera-node', protocol: 'http', port, path: '/api/v1' }] });
      expect(added.status).toBe(201);
      await poll(() => (urls.includes('/api/v1/events') ? true : null), 20_000); // global 0: nothing asked
      expect((await send('PATCH', '/api/devices/cam-x', { heartbeatMs: 20 })).status).toBe(400);
      const patched = await send('PATCH', '/api/devices/cam-x', { heartbeatMs: 150 });
      expect(((await patched.json()) as { heartbeatMs?: number }).heartbeatMs).toBe(150);
      await poll(() => (urls.includes('/api/v1/events?heartbeatMs=150') ? true : null), 20_000);
      const cleared = await send('PATCH', '/api/devices/cam-x', { heartbeatMs: null });
      expect(((await cleared.json()) as { heartbeatMs?: number }).heartbeatMs).toBeUndefined();
    } finally {
      await server.close();
      node.closeAllConnections();
      await new Promise<void>((r) => node.close(() => r()));
      tmp.cleanup();
    }
  });
});
