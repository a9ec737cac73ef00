/**
 * The live preview relay (GET /api/devices/:id/preview.mjpeg) on a real HTTP
 * server: frames of a simulated camera that really move; ten viewers of one
 * node share ONE node connection, closed when the last leaves; the stream cap;
 * and a viewer that never reads costs bounded memory while the node pushes
 * big frames fast for 30 s. Addresses: LAN 127.34.2.0/24, tailnet 127.134.2.0/24.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import jpeg from 'jpeg-js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createPreviewHub } from '../../src/server/preview.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import type { PreviewHub } from '../../src/topology/preview/hub.ts';
import { eventually } from '../helpers/eventually.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { frameReader, readFrames } from './mjpeg-reader.ts';

const HOST = '127.34.2.250';
const NODE_IP = '127.34.2.200';
const CAP = 11;
const BIG_FRAME = 200 * 1024;
let sim: SimRig;
let t: TestRig;
let hub: PreviewHub;
let server: ServerType;
let node: Server;
let base = '';
/** Preview requests the fake node got, and how many of them are still open. */
const nodeSeen = { opened: 0, open: 0 };

/** A camera node whose preview pushes 200 KiB frames at 25 fps: 5 MB/s for whoever is listening. */
function fakeNode(res: ServerResponse): void {
  nodeSeen.opened++;
  nodeSeen.open++;
  res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=fake' });
  const frame = Buffer.alloc(BIG_FRAME, 7);
  frame[0] = 0xff;
  frame[1] = 0xd8;
  const timer = setInterval(() => {
    if (res.writableLength < 4 * BIG_FRAME) res.write(Buffer.concat([Buffer.from(`--fake\r\nContent-Type: image/jpeg\r\nContent-Length: ${BIG_FRAME}\r\n\r\n`), frame, Buffer.from('\r\n')]));
  }, 40);
  res.on('close', () => {
    clearInterval(timer);
    nodeSeen.open--;
  });
}

beforeAll(async () => {
  sim = await startSimRig({ nodes: 1, extras: false, port: 0, lanCidr: '127.34.2.0/24', tailnetCidr: '127.134.2.0/24', heartbeatMs: 250 });
  node = createServer((req, res) => (req.url?.startsWith('/api/v1/preview.mjpeg') ? fakeNode(res) : res.writeHead(404).end()));
  const nodePort = await new Promise<number>((resolve) => node.listen(0, NODE_IP, () => resolve((node.address() as AddressInfo).port)));
  t = makeTestRig();
  importInventory({ ctx: t.ctx, input: sim.manifest() });
  createDevice({ ctx: t.ctx, input: { id: 'fast', role: 'camera', addresses: [{ network: 'lan', ip: NODE_IP }], services: [{ name: 'camera-node', protocol: 'http', port: nodePort, path: '/api/v1' }] } });
  const config = loadConfig({ db: t.store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', previewMaxStreams: CAP, previewMaxStreamsPerCaller: CAP, tailnetCidrs: '127.134.2.0/24' }, {});
  // Stalled viewers are dropped after HUB_STALL_MS (preview-hostile.test.ts); here one must stay 30 s to show its memory stays bounded.
  hub = createPreviewHub({ db: t.store.db, bus: t.bus, config, logger: pino({ level: 'warn' }) }, { stallMs: 120_000 });
  const app = buildApp({ db: t.store.db, bus: t.bus, config, previewHub: hub });
  const port = await new Promise<number>((resolve) => { server = serve({ fetch: app.fetch, hostname: HOST, port: 0 }, (info) => resolve(info.port)); });
  base = `http://${HOST}:${port}`;
}, 30_000);

afterAll(async () => {
  hub?.closeAll();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
  node?.closeAllConnections();
  node?.close();
  await sim?.close();
  t?.close();
});

describe('live preview relay', () => {
  it('relays moving frames of a simulated camera', async () => {
    const res = await fetch(`${base}/api/devices/cam-01/preview.mjpeg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('multipart/x-mixed-replace; boundary=rigmap-preview');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const frames = await readFrames(res, { count: 5, timeoutMs: 15_000 });
    expect(frames.length).toBe(5);
    const a = jpeg.decode(frames[0]!, { useTArray: true });
    const b = jpeg.decode(frames[4]!, { useTArray: true });
    expect(a.width).toBe(480);
    expect(Buffer.compare(Buffer.from(a.data), Buffer.from(b.data))).not.toBe(0);
    await eventually('the node connection closed after the only viewer left', () => hub.stats().upstreams === 0);
  });

  it('refuses devices it cannot relay a preview for, with a message', async () => {
    const missing = await fetch(`${base}/api/devices/nope/preview.mjpeg`);
    expect(missing.status).toBe(404);
    const bad = await fetch(`${base}/api/devices/cam-01/preview.mjpeg?fps=lots`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/fps/);
  });

  it("refuses a device registered at rigmap's own address and port (the relay never calls rigmap itself)", async () => {
    const port = Number(new URL(base).port);
    createDevice({ ctx: t.ctx, input: { id: 'selfie', role: 'camera', addresses: [{ network: 'lan', ip: HOST }], services: [{ name: 'camera-node', protocol: 'http', port, path: '/api/v1' }] } });
    for (const path of ['preview.mjpeg', 'preview.jpg']) {
      const res = await fetch(`${base}/api/devices/selfie/${path}`);
      expect(res.status, path).toBe(403);
      expect((await res.json()).error.message, path).toMatch(/rigmap's own address/);
    }
  });

  it('serves ten viewers of one node over one node connection, closed when the last leaves; caps streams', async () => {
    const openedBefore = nodeSeen.opened;
    const viewers = await Promise.all(Array.from({ length: 10 }, () => fetch(`${base}/api/devices/fast/preview.mjpeg?fps=5`)));
    const readers = viewers.map(frameReader);
    const got = await Promise.all(readers.map((r) => r.take(2, 15_000)));
    for (const frames of got) expect(frames.length).toBe(2);
    expect(nodeSeen.opened - openedBefore).toBe(1);
    expect(nodeSeen.open).toBe(1);
    expect(hub.stats()).toMatchObject({ upstreams: 1, viewers: 10 });
    // One more fits under the cap of 11; the twelfth is refused.
    const eleventh = await fetch(`${base}/api/devices/cam-01/preview.mjpeg`);
    expect(eleventh.status).toBe(200);
    const twelfth = await fetch(`${base}/api/devices/fast/preview.mjpeg`);
    expect(twelfth.status).toBe(503);
    expect((await twelfth.json()).error.message).toMatch(/--preview-max-streams/);
    await eleventh.body?.cancel();
    for (const r of readers.slice(0, 9)) await r.close();
    await eventually('nine viewers gone', () => hub.stats().viewers === 1);
    expect(nodeSeen.open).toBe(1);
    await readers[9]!.close();
    await eventually('the node connection closed with the last viewer', () => nodeSeen.open === 0 && hub.stats().upstreams === 0);
  }, 40_000);

  it('serves single frames from the same node connection as the streams, for grids that poll', async () => {
    const openedBefore = nodeSeen.opened;
    const stream = frameReader(await fetch(`${base}/api/devices/fast/preview.mjpeg`));
    expect((await stream.take(1, 15_000)).length).toBe(1);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}/api/devices/fast/preview.jpg`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(BIG_FRAME);
      expect([body[0], body[1]]).toEqual([0xff, 0xd8]);
    }
    expect(nodeSeen.opened - openedBefore).toBe(1);
    const sim = await fetch(`${base}/api/devices/cam-01/preview.jpg`);
    expect(jpeg.decode(Buffer.from(await sim.arrayBuffer()), { useTArray: true }).width).toBe(480);
    await stream.close();
    // Polls stop: the node connections close a few seconds later (POLL_KEEP_MS).
    await eventually('node connections closed after the polls stopped', () => nodeSeen.open === 0 && hub.stats().upstreams === 0, 20_000);
  }, 40_000);

  it('keeps a viewer that never reads to bounded memory over 30 s', async () => {
    const url = new URL(base);
    const socket: Socket = connect({ host: url.hostname, port: Number(url.port) });
    await new Promise((resolve) => socket.once('connect', resolve));
    let received = 0;
    socket.once('data', (chunk: Buffer) => {
      received += chunk.length;
      // Read the answer's first bytes, then never again.
      socket.pause();
    });
    socket.write(`GET /api/devices/fast/preview.mjpeg HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    await eventually('the viewer is attached', () => hub.stats().viewers === 1 && received > 0);
    // Steady state first (buffers, JIT, the fake node's own churn), then 30 s of a viewer reading nothing.
    await new Promise((r) => setTimeout(r, 3000));
    const openedAt = nodeSeen.opened;
    const rssBefore = process.memoryUsage().rss;
    let maxBuffered = 0;
    let maxRss = rssBefore;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      maxBuffered = Math.max(maxBuffered, hub.stats().bufferedBytes);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    // The node kept pushing (about 150 MB over 30 s) over the same connection while the viewer read nothing.
    expect(hub.stats().viewers).toBe(1);
    expect(nodeSeen.opened).toBe(openedAt);
    expect(maxBuffered).toBeLessThanOrEqual(BIG_FRAME + 200);
    expect(maxRss - rssBefore).toBeLessThan(20 * 1024 * 1024);
    socket.destroy();
    await eventually('the node connection closed when the viewer left', () => nodeSeen.open === 0 && hub.stats().upstreams === 0);
  }, 60_000);
});
