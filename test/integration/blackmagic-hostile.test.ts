/**
 * Every byte from a camera is hostile: a fake Blackmagic camera that sends an
 * oversized WebSocket message, garbled events, a redirect, an oversized body.
 * Each is capped and reported in words, and the path is marked down.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { loadConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

type Mode = 'bigws' | 'garbledws' | 'redirect' | 'bigbody';
const CAMERAS: Array<{ id: string; ip: string; mode: Mode }> = [
  { id: 'bm-bigws', ip: '127.37.3.10', mode: 'bigws' },
  { id: 'bm-garbled', ip: '127.37.3.11', mode: 'garbledws' },
  { id: 'bm-redirect', ip: '127.37.3.12', mode: 'redirect' },
  { id: 'bm-bigbody', ip: '127.37.3.13', mode: 'bigbody' },
];
const servers: Server[] = [];
let server: RunningServer;
let cleanup: () => void;
/** Flipped by the tests: until then every fake camera behaves. */
const hostile = new Set<Mode>();

const PRODUCT = JSON.stringify({ deviceName: 'Fake', productName: 'Blackmagic Fake', softwareVersion: '1.0' });
const ANSWERS: Record<string, string> = {
  '/control/api/v1/transports/0/record': '{"recording":false}',
  '/control/api/v1/media/workingset': '{"size":1,"workingset":[{"deviceName":"sd1","activeDisk":true,"remainingRecordTime":600,"totalSpace":1000,"remainingSpace":500}]}',
  '/control/api/v1/camera/power': '{"source":"AC","batteries":[]}',
  '/control/api/v1/transports/0/timecode': '{"display":"01:00:00:00"}',
};

function fakeCamera(ip: string, mode: Mode): Promise<number> {
  const wss = new WebSocketServer({ noServer: true });
  const http = createServer((req, res) => {
    if (req.url === '/control/api/v1/system/product' && hostile.has(mode) && mode === 'redirect') {
      return void res.writeHead(302, { location: 'http://127.37.3.99/control/api/v1/system/product' }).end();
    }
    if (req.url === '/control/api/v1/system/product' && hostile.has(mode) && mode === 'bigbody') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`{"deviceName":"${'x'.repeat(300 * 1024)}"}`);
    }
    const body = req.url === '/control/api/v1/system/product' ? PRODUCT : ANSWERS[req.url ?? ''];
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    ws.send(JSON.stringify({ type: 'event', data: { action: 'websocketOpened' } }));
    const timer = setInterval(() => {
      if (!hostile.has(mode)) return;
      if (mode === 'bigws') ws.send(JSON.stringify({ type: 'event', data: { action: 'propertyValueChanged', property: '/system/product', value: { deviceName: 'y'.repeat(70 * 1024) } } }));
      if (mode === 'garbledws') ws.send('<html>captive portal</html>');
    }, 100);
    ws.on('close', () => clearInterval(timer));
  }));
  servers.push(http);
  return new Promise((resolve) => http.listen(0, ip, () => resolve((http.address() as { port: number }).port)));
}

const health = async (id: string) => (await (await fetch(`${server.url}/api/devices/${id}/health`)).json()) as DeviceHealth & { transitions: Array<{ to: string; reason: string }> };

beforeAll(async () => {
  const ports = await Promise.all(CAMERAS.map((c) => fakeCamera(c.ip, c.mode)));
  const tmp = makeTempDir('rigmap-bmd-hostile-');
  cleanup = tmp.cleanup;
  server = await startServer(loadConfig({ db: `${tmp.dir}/rigmap.db`, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', probeIntervalMs: 300, tailscaleSync: 'off', tailnetCidrs: '127.137.3.0/24' }, {}));
  const devices = CAMERAS.map((c, i) => ({ id: c.id, role: 'camera', addresses: [{ network: 'lan', ip: c.ip }], services: [{ name: 'blackmagic', protocol: 'http', port: ports[i] }] }));
  const res = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1, devices, links: [] }) });
  expect(res.status).toBe(200);
  await eventually('every fake camera up', async () => {
    for (const c of CAMERAS) if ((await health(c.id)).state !== 'up') return false;
    return true;
  }, 30_000);
}, 40_000);
afterAll(async () => {
  await server?.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  cleanup?.();
});

const downWith = (id: string, pattern: RegExp) =>
  eventually(`${id} down with ${pattern}`, async () => {
    const d = await health(id);
    // The polls still answer, so the path may come back up between two bad messages: the transition is the evidence.
    return d.transitions.some((t) => t.to === 'down' && pattern.test(t.reason)) ? d : null;
  });

describe('hostile Blackmagic cameras', () => {
  it('a service named blackmagic with no path is probed at /control/api/v1 and read', async () => {
    const d = await eventually('bm-bigws status', async () => {
      const x = await health('bm-bigws');
      return x.status ? x : null;
    });
    expect(d, JSON.stringify(d)).toMatchObject({ protocol: 'blackmagic', status: { product: { productName: 'Blackmagic Fake' }, battery: { charging: true, source: 'AC', percent: null } }, runway: { storageMinutes: 10, batteryMinutes: null } });
  });

  it('a WebSocket message over 64 KB closes the socket and marks the path down', async () => {
    hostile.add('bigws');
    await downWith('bm-bigws', /larger than 64 KB|message too large/);
  });

  it('a garbled WebSocket message (not JSON) marks the path down', async () => {
    hostile.add('garbledws');
    await downWith('bm-garbled', /garbled message on the event WebSocket/);
  });

  it('a redirect is not followed: the poll fails with the status the camera gave', async () => {
    hostile.add('redirect');
    await downWith('bm-redirect', /HTTP 302 from \/control\/api\/v1\/system\/product/);
  });

  it('an answer larger than the body cap is unreadable, not buffered', async () => {
    hostile.add('bigbody');
    await downWith('bm-bigbody', /unreadable answer from \/control\/api\/v1\/system\/product/);
  });
});
