/**
 * The reach relay under hostile conditions, on a real HTTP server: never a way
 * back into rigmap itself; error answers with the security headers; a viewer
 * that never reads a fast stream costs bounded memory (back-pressure reaches
 * the node); SSE capped by bytes and time; a body cut after the 200 ends as an
 * error, not as a complete answer. Addresses: 127.32.3.0/24.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { RelayLimits } from '../../src/topology/relay/relay.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb } from '../../src/topology/store/db.ts';
import type { Ctx } from '../../src/topology/context.ts';
import { makeTempDir } from '../helpers/app.ts';

const NODE_IP = '127.32.3.2';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

interface Rig { ctx: Ctx; base: string; port: number; viewer: Record<string, string> }

/** rigmap (real node server) on `host`, with `extra` config and relay limits. */
async function rigmap(host: string, extra: Record<string, unknown> = {}, relayLimits: Partial<RelayLimits> = {}): Promise<Rig> {
  const { dir, cleanup } = makeTempDir('rigmap-access-relay-');
  const store = openDb(join(dir, 'r.db'));
  const bus = new EventBus();
  const config = loadConfig({ db: store.path, host, port: 0, auth: 'on', logLevel: 'silent', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', ...extra }, {});
  const app = buildApp({ db: store.db, bus, config, relayLimits });
  const server: ServerType = await new Promise((ok) => { const s = serve({ fetch: app.fetch, hostname: host, port: 0 }, () => ok(s)); });
  const port = (server.address() as AddressInfo).port;
  cleanups.push(cleanup, () => store.close(), () => new Promise<void>((ok) => { server.close(() => ok()); (server as { closeAllConnections?: () => void }).closeAllConnections?.(); }));
  const ctx: Ctx = { db: store.db, bus, actor: 'test' };
  const viewer = { authorization: `Bearer ${createToken({ ctx, input: { name: 'v', role: 'viewer' } }).secret}` };
  return { ctx, base: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`, port, viewer };
}

/** A node on NODE_IP answering every request with `handler`; registered as device `id` (service web). */
async function node(rig: Rig, id: string, handler: (res: ServerResponse) => void): Promise<void> {
  const server: Server = createServer((req, res) => { req.resume(); handler(res); });
  await new Promise<void>((ok) => server.listen(0, NODE_IP, ok));
  cleanups.push(() => new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); }));
  createDevice({ ctx: rig.ctx, input: { id, role: 'monitor', addresses: [{ network: 'lan', ip: NODE_IP }], services: [{ name: 'web', protocol: 'http', port: (server.address() as AddressInfo).port }] } });
}

/** Read a whole answer body: 'complete' with its size, or 'error' when the connection was cut. */
async function readAll(res: Response): Promise<{ end: 'complete' | 'error'; bytes: number }> {
  const reader = res.body!.getReader();
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { end: 'complete', bytes };
      bytes += value.byteLength;
    }
  } catch {
    return { end: 'error', bytes };
  }
}

describe('relay targets', () => {
  it("refuses rigmap's own address and port: a 0.0.0.0 server reached by any 127.x, and its own --host", async () => {
    const wild = await rigmap('0.0.0.0');
    for (const [id, ip] of [['self-a', '127.0.0.1'], ['self-b', '127.32.3.9']] as const) {
      createDevice({ ctx: wild.ctx, input: { id, role: 'server', addresses: [{ network: 'lan', ip }], services: [{ name: 'api', protocol: 'http', port: wild.port }] } });
      const res = await fetch(`${wild.base}/reach/${id}/api/api/users`, { headers: wild.viewer });
      expect(res.status, id).toBe(403);
      expect((await res.json()).error.message, id).toMatch(/rigmap's own address/);
    }
    // Open to this machine, a tailscale serve viewer would have read the admin-only user list as "local" through the relay.
    const own = await rigmap('127.32.3.1', { auth: 'auto', trustTailscaleServe: 'on', tailscaleRoles: 'vic@example.com=viewer' });
    createDevice({ ctx: own.ctx, input: { id: 'self-c', role: 'server', addresses: [{ network: 'lan', ip: '127.32.3.1' }], services: [{ name: 'api', protocol: 'http', port: own.port }] } });
    const vic = { 'Tailscale-User-Login': 'vic@example.com' };
    expect((await fetch(`${own.base}/api/users`, { headers: vic })).status).toBe(403);
    const res = await fetch(`${own.base}/reach/self-c/api/api/users`, { headers: vic });
    expect(res.status).toBe(403);
    expect(await res.text()).not.toContain('"users"');
  });

  it('answers relay errors with the same security headers as every other answer', async () => {
    const rig = await rigmap('127.32.3.3');
    for (const path of ['/reach/nobody/web/x', '/reach/nobody/web/..%2f..%2fetc']) {
      const res = await fetch(`${rig.base}${path}`, { headers: rig.viewer });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });
});

describe('relay streams', () => {
  it('a viewer that never reads a 10 MB/s stream holds the node back: bytes in flight stay bounded', async () => {
    const rig = await rigmap('127.32.3.4');
    let sent = 0;
    let stopped = false;
    cleanups.push(() => { stopped = true; });
    const chunk = Buffer.alloc(64 * 1024, 'x');
    await node(rig, 'fire', (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // 10 MB/s: 1 MB of budget every 100 ms, written as fast as the socket takes it.
      let budget = 0;
      let blocked = false;
      const pump = () => {
        while (budget > 0 && !blocked && !stopped && !res.destroyed) {
          budget -= chunk.length;
          sent += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once('drain', () => { blocked = false; pump(); });
          }
        }
      };
      const tick = setInterval(() => {
        if (stopped || res.destroyed) return clearInterval(tick);
        budget = Math.min(budget + 1024 * 1024, 2 * 1024 * 1024);
        pump();
      }, 100);
      res.on('close', () => clearInterval(tick));
    });
    const socket = connect({ host: '127.32.3.4', port: rig.port });
    cleanups.push(() => socket.destroy());
    await new Promise<void>((ok) => socket.once('connect', ok));
    socket.write(`GET /reach/fire/web/ HTTP/1.1\r\nhost: 127.32.3.4\r\nauthorization: ${rig.viewer.authorization}\r\n\r\n`);
    socket.pause(); // never read
    // Once kernel socket buffers and the relay's 256 KiB are full, the node is held: what it sent levels off.
    // Unbounded, the relay kept taking ~10 MB/s (≈ 30 MB more in the second window).
    await new Promise((r) => setTimeout(r, 3000));
    const first = sent;
    await new Promise((r) => setTimeout(r, 3000));
    const figures = `node sent ${first} bytes by 3 s, ${sent} by 6 s`;
    expect(first, figures).toBeGreaterThan(256 * 1024);
    expect(sent - first, figures).toBeLessThan(8 * 1024 * 1024);
    expect(sent, figures).toBeLessThan(40 * 1024 * 1024);
    expect((await fetch(`${rig.base}/healthz`)).status).toBe(200);
  }, 20_000);

  it('cuts an SSE stream past its byte cap as an error, and ends it cleanly at its time cap', async () => {
    const rig = await rigmap('127.32.3.5', {}, { streamMaxBytes: 1024 * 1024, streamMaxMs: 1500 });
    await node(rig, 'flood', (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const line = `data: ${'y'.repeat(8 * 1024)}\n\n`;
      let n = 0;
      const tick = setInterval(() => (n++ > 400 || res.destroyed ? clearInterval(tick) : res.write(line)), 5);
    });
    const flood = await readAll(await fetch(`${rig.base}/reach/flood/web/`, { headers: rig.viewer }));
    expect(flood.end).toBe('error');
    expect(flood.bytes).toBeLessThanOrEqual(1024 * 1024);
    await node(rig, 'calm', (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write('event: heartbeat\ndata: {}\n\n')), 100);
    });
    const calm = await readAll(await fetch(`${rig.base}/reach/calm/web/`, { headers: rig.viewer }));
    expect(calm).toMatchObject({ end: 'complete' });
    expect(calm.bytes).toBeGreaterThan(0);
  }, 20_000);

  it('a body cut after the 200 (node gone mid-answer, or past the time limit) ends as an error', async () => {
    const rig = await rigmap('127.32.3.6', {}, { totalMs: 1500 });
    await node(rig, 'gone', (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(Buffer.alloc(50_000));
      setTimeout(() => res.socket?.destroy(), 100);
    });
    const gone = await fetch(`${rig.base}/reach/gone/web/`, { headers: rig.viewer });
    expect(gone.status).toBe(200);
    expect((await readAll(gone)).end).toBe('error');
    await node(rig, 'slow', (res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const tick = setInterval(() => (res.destroyed ? clearInterval(tick) : res.write(Buffer.alloc(1000))), 100);
    });
    const slow = await fetch(`${rig.base}/reach/slow/web/`, { headers: rig.viewer });
    expect(slow.status).toBe(200);
    expect((await readAll(slow)).end).toBe('error');
  }, 20_000);
});
