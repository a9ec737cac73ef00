/**
 * A synchronized record start follows rigmap's injected clock: the instant, the
 * round trips that measure each node's offset and the read-back waits are all
 * on a FakeClock set months away from the wall clock, so one Date.now() left in
 * the path would put the target, the offsets or the waits visibly off. The
 * nodes are real HTTP servers (127.61.1.0/24) whose camera model (src/sim) runs
 * on the same fake clock, one of them 500 ms fast.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncRecordStart } from '../../src/topology/commands/sync-start.ts';
import type { Device } from '../../src/topology/model.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { CameraModel, runCommand } from '../../src/sim/device-model.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const START = Date.parse('2026-06-01T12:00:00Z');
const clock = new FakeClock(START);
/** Requests the nodes are answering now: time moves on only when none is in flight. */
let inFlight = 0;
const servers: Server[] = [];
const devices: Device[] = [];
const cams: CameraModel[] = [];

async function startNode(id: string, ip: string, skewMs: number): Promise<void> {
  const cam = new CameraModel(id, cams.length, START);
  cam.clockSkewMs = skewMs;
  cams.push(cam);
  const server = createServer((req, res) => {
    inFlight++;
    res.on('close', () => void inFlight--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      cam.step(clock.now());
      const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'GET' && req.url === '/api/v1/status') return send(200, cam.status(clock.now()));
      if (req.method === 'POST' && req.url === '/api/v1/commands') {
        const out = runCommand(cam, JSON.parse(Buffer.concat(chunks).toString('utf8')), clock.now());
        return send(out.status, out.body);
      }
      send(404, { error: { code: 'not_found', message: 'no such route' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  servers.push(server);
  const now = new Date(START).toISOString();
  devices.push({
    id, name: id, role: 'camera', model: null, notes: '', tags: [], expected: true, tailscaleNodeId: null, probeIntervalMs: null, position: null,
    addresses: [{ network: 'lan', ip, hostname: null, source: 'manual', lastSeen: null }],
    services: [{ name: 'camera-node', protocol: 'http', port: (server.address() as AddressInfo).port, path: '/api/v1' }],
    createdAt: now, updatedAt: now,
  });
}

/** Settle `work`, moving the fake clock on (in 10 ms steps) only while it waits on a timer with no request in flight. */
async function onFakeTime<T>(work: Promise<T>): Promise<T> {
  let done = false;
  const out = work.finally(() => void (done = true));
  for (let i = 0; i < 100_000 && !done; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (inFlight === 0 && clock.pending > 0) clock.advance(10);
  }
  return out;
}

beforeAll(async () => {
  await startNode('cam-a', '127.61.1.1', 0);
  await startNode('cam-b', '127.61.1.2', 500);
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('synchronized start on the injected clock', () => {
  it('starts both nodes at the instant of the fake clock, measures the fast one 500 ms off, verifies both', async () => {
    const report = await onFakeTime(syncRecordStart({
      devices, selection: { role: 'camera' }, at: '+2s', scope: parseProbeScope('127.61.1.0/24'), timeoutMs: 2000, concurrency: 4, clock,
    }));
    const sync = report.sync!;
    expect(sync.target).toBe(new Date(START + 2000).toISOString());
    expect(report.sentAt).toBe(new Date(START).toISOString());
    expect(report.ok).toBe(2);
    const b = sync.nodes.find((n) => n.deviceId === 'cam-b')!;
    // Round trips take no fake time, so the offset is exact and the instant sent is cam-b's own clock's.
    expect(b.offsetMs).toBe(500);
    expect(b.at).toBe(new Date(START + 2500).toISOString());
    for (const n of sync.nodes) expect(n, n.deviceId).toMatchObject({ verified: true, errorMs: 0, since: sync.target, why: null });
    // Ground truth: each camera model began recording at the target of the fake clock.
    for (const cam of cams) expect(cam.recordingSince).toBe(START + 2000);
    // The read-back waited on the fake clock for the instant (+250 ms) and ended inside its 2 s window.
    expect(clock.now()).toBeGreaterThanOrEqual(START + 2250);
    expect(clock.now()).toBeLessThan(START + 2000 + 2000);
    expect(clock.pending).toBe(0);
  });
});
