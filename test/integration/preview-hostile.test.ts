/**
 * Hostile viewers and nodes against the live preview relay (issue 25, items 3,
 * 4 and 7), on real HTTP servers with the hub on a fake clock:
 * - one client opening many stalled streams cannot take every slot (per-caller
 *   cap), is dropped once it stops reading, and preview.jpg is never refused;
 * - a node flooding tiny frames has only 2× the asked rate parsed;
 * - a node stream that breaks after the 200 (no boundary, oversized frame,
 *   endless part headers, a text/html part) ends the viewer's answer as an
 *   error, and is logged once per device and cause.
 * Addresses: 127.56.3.0/24 (rigmap .250, nodes .200, callers .10-.19).
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createPreviewHub } from '../../src/server/preview.ts';
import { createDevice } from '../../src/topology/devices.ts';
import type { PreviewHub } from '../../src/topology/preview/hub.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const HOST = '127.56.3.250';
const NODE_IP = '127.56.3.200';
const FRAME = 256 * 1024;
const STALL_MS = 3000;
let t: TestRig;
let hub: PreviewHub;
let clock: FakeClock;
let server: ServerType;
let node: Server;
let base = '';
let port = 0;
const warnings: { deviceId?: string; error?: string; msg?: string }[] = [];
/** Tiny frames the flooding node managed to write. */
let floodWritten = 0;

const jpegOf = (size: number) => {
  const b = Buffer.alloc(size, 7);
  b[0] = 0xff;
  b[1] = 0xd8;
  return b;
};
const part = (jpeg: Buffer, type = 'image/jpeg') => Buffer.concat([Buffer.from(`--fake\r\nContent-Type: ${type}\r\nContent-Length: ${jpeg.length}\r\n\r\n`), jpeg, Buffer.from('\r\n')]);

/** The fake node: /m/<mode>/preview.mjpeg. Bad modes send a good head, then break the stream a moment later. */
function serveNode(mode: string, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'multipart/x-mixed-replace; boundary=fake' });
  const timers: NodeJS.Timeout[] = [];
  res.on('close', () => timers.forEach(clearInterval));
  const later = (fn: () => void) => timers.push(setTimeout(fn, 300));
  if (mode === 'big') {
    const frame = part(jpegOf(FRAME));
    timers.push(setInterval(() => { if (res.writableLength < 4 * FRAME) res.write(frame); }, 40));
  } else if (mode === 'flood') {
    const tiny = part(jpegOf(4));
    const pump = () => {
      while (res.write(tiny)) floodWritten++;
      floodWritten++;
      res.once('drain', pump);
    };
    pump();
  } else if (mode === 'noboundary') later(() => res.write(Buffer.alloc(8192, 0x41)));
  else if (mode === 'oversized') later(() => res.write('--fake\r\nContent-Type: image/jpeg\r\nContent-Length: 52428800\r\n\r\n\xff\xd8'));
  else if (mode === 'endlessheaders') later(() => { res.write('--fake\r\nContent-Type: image/jpeg\r\n'); timers.push(setInterval(() => res.write('X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'), 5)); });
  else if (mode === 'htmlpart') later(() => res.write(part(Buffer.from('<html><script>alert(1)</script></html>'), 'text/html')));
}

beforeAll(async () => {
  node = createServer((req, res) => {
    const m = /^\/m\/([a-z]+)\/preview\.mjpeg/.exec(req.url ?? '');
    if (m) serveNode(m[1]!, res);
    else res.writeHead(404).end();
  });
  const nodePort = await new Promise<number>((resolve) => node.listen(0, NODE_IP, () => resolve((node.address() as AddressInfo).port)));
  t = makeTestRig();
  for (const mode of ['big', 'flood', 'noboundary', 'oversized', 'endlessheaders', 'htmlpart']) {
    createDevice({ ctx: t.ctx, input: { id: mode, role: 'camera', addresses: [{ network: 'lan', ip: NODE_IP }], services: [{ name: 'camera-node', protocol: 'http', port: nodePort, path: `/m/${mode}` }] } });
  }
  const config = loadConfig({ db: t.store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', previewMaxStreams: 6, previewMaxStreamsPerCaller: 3 }, {});
  const sink = new Writable({ write(chunk, _enc, done) { for (const line of String(chunk).split('\n').filter(Boolean)) warnings.push(JSON.parse(line)); done(); } });
  clock = new FakeClock(Date.now());
  hub = createPreviewHub({ db: t.store.db, bus: t.bus, config, logger: pino({ level: 'warn' }, sink) }, { clock, stallMs: STALL_MS });
  const app = buildApp({ db: t.store.db, bus: t.bus, config, previewHub: hub });
  port = await new Promise<number>((resolve) => { server = serve({ fetch: app.fetch, hostname: HOST, port: 0 }, (info) => resolve(info.port)); });
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
  t?.close();
});

/** A viewer from `from` that reads the answer's head and then nothing: its status and socket. */
async function stalledViewer(from: string, path: string): Promise<{ status: number; socket: Socket; closed: Promise<void> }> {
  const socket = connect({ host: HOST, port, localAddress: from });
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const head = await new Promise<string>((resolve) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      resolve(chunk.toString('latin1'));
    });
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${HOST}:${port}\r\n\r\n`);
  });
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), socket, closed };
}

/** GET from `from`, the answer's head (body left to the caller). */
function getFrom(from: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: HOST, port, path, localAddress: from, agent: false }, resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Read an answer to its end: 'end' when it ended cleanly, 'error' when it was cut. */
function outcomeOf(res: IncomingMessage): Promise<'end' | 'error'> {
  return new Promise((resolve) => {
    res.on('data', () => undefined);
    res.on('end', () => resolve('end'));
    res.on('error', () => resolve('error'));
    res.on('aborted', () => resolve('error'));
    res.on('close', () => resolve(res.complete ? 'end' : 'error'));
  });
}

describe('live preview relay against hostile viewers', () => {
  it('caps streams per caller, drops stalled viewers, and never refuses preview.jpg', async () => {
    const attacker = '127.56.3.10';
    const stalled = [];
    for (let i = 0; i < 3; i++) stalled.push(await stalledViewer(attacker, '/api/devices/big/preview.mjpeg'));
    expect(stalled.map((s) => s.status)).toEqual([200, 200, 200]);
    // The fourth stream of the same caller is refused; the caller's cap, not everyone's.
    const fourth = await getFrom(attacker, '/api/devices/big/preview.mjpeg');
    expect(fourth.statusCode).toBe(503);
    fourth.resume();
    // Others still get streams, up to the total cap (6).
    const reader = await getFrom('127.56.3.11', '/api/devices/big/preview.mjpeg');
    expect(reader.statusCode).toBe(200);
    let readerBytes = 0;
    reader.on('data', (c: Buffer) => { readerBytes += c.length; });
    const extra = [await getFrom('127.56.3.12', '/api/devices/big/preview.mjpeg'), await getFrom('127.56.3.12', '/api/devices/big/preview.mjpeg')];
    for (const r of extra) { expect(r.statusCode).toBe(200); r.resume(); }
    const over = await getFrom('127.56.3.13', '/api/devices/big/preview.mjpeg');
    expect(over.statusCode).toBe(503);
    over.resume();
    // The board's single-frame poll is never refused for want of stream slots.
    const jpg = await getFrom('127.56.3.13', '/api/devices/big/preview.jpg');
    expect(jpg.statusCode).toBe(200);
    jpg.resume();
    for (const r of extra) r.destroy();
    await eventually('the extra viewers left', () => hub.stats().viewers === 3 + 1 + 1);
    // The hub's clock moves on a tenth of a second per frame the reader gets: the stalled
    // viewers' sockets fill up, then their waiting frames stay untaken for STALL_MS.
    for (let step = 0; step < 400 && hub.stats().stalledDropped < 3; step++) {
      const before = readerBytes;
      clock.advance(100);
      await eventually('the reader got more frames', () => readerBytes > before + FRAME / 2, 15_000, 5);
    }
    expect(hub.stats().stalledDropped).toBe(3);
    // Their connections were cut: reading again, each finds its end behind the data it left.
    for (const s of stalled) s.socket.resume();
    await Promise.all(stalled.map((s) => s.closed));
    // The reader was never taken for stalled, and the attacker's slots are free again.
    expect(reader.destroyed).toBe(false);
    const again = await getFrom(attacker, '/api/devices/big/preview.mjpeg');
    expect(again.statusCode).toBe(200);
    again.destroy();
    reader.destroy();
    // Polls stop: the poller leaves after POLL_KEEP_MS of the hub's clock.
    clock.advance(10_000);
    await eventually('every stream left', () => hub.stats().viewers === 0 && hub.stats().upstreams === 0);
  }, 60_000);

  it('parses at most 2x the asked frame rate from a node flooding tiny frames', async () => {
    const before = hub.stats();
    const res = await getFrom('127.56.3.14', '/api/devices/flood/preview.mjpeg');
    expect(res.statusCode).toBe(200);
    res.resume();
    await eventually('the node has pushed thousands of tiny frames', () => floodWritten > 5000);
    // The hub's clock stands still: only the burst of 2 x 10 fps is parsed, whatever the node sends.
    const parsed = () => hub.stats().framesParsed - before.framesParsed;
    expect(parsed()).toBeGreaterThan(0);
    expect(parsed()).toBeLessThanOrEqual(20);
    // One more second: at most 20 more.
    clock.advance(1000);
    await eventually('more frames were parsed after a second', () => parsed() > 1 || hub.stats().framesSkipped > before.framesSkipped);
    await new Promise((r) => setTimeout(r, 200));
    expect(parsed()).toBeLessThanOrEqual(40);
    expect(floodWritten).toBeGreaterThan(40 * 100);
    res.destroy();
    await eventually('the flood stream closed', () => hub.stats().upstreams <= 1);
  }, 30_000);

  for (const mode of ['noboundary', 'oversized', 'endlessheaders', 'htmlpart']) {
    it(`ends the viewer's answer as an error when the node's stream breaks (${mode}), logged once`, async () => {
      for (let round = 0; round < 2; round++) {
        const res = await getFrom('127.56.3.15', `/api/devices/${mode}/preview.mjpeg`);
        expect(res.statusCode).toBe(200);
        expect(await outcomeOf(res)).toBe('error');
        await eventually('the node connection closed', () => !hub.stats().upstreams || true);
      }
      await eventually('the failure was logged', () => warnings.some((w) => w.deviceId === mode));
      const mine = warnings.filter((w) => w.deviceId === mode);
      expect(mine.length).toBe(1);
      expect(mine[0]!.error).toMatch(/live preview is broken/);
    }, 30_000);
  }
});
