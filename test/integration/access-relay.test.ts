/**
 * The reach relay: a node's status, snapshot and SSE stream through rigmap, over
 * the path that answers; and every trick refused before anything is contacted
 * (unregistered devices and services, `..`, encoded slashes, absolute URLs,
 * other ports, redirects off the device, oversized answers, out-of-scope addresses).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const SPY_IP = '127.0.6.200';
let sim: SimRig;
let t: TestRig;
let spy: Server;
let other: Server;
const spySeen: string[] = [];
const otherSeen: string[] = [];

const listen = (s: Server, host: string) => new Promise<number>((resolve) => s.listen(0, host, () => resolve((s.address() as AddressInfo).port)));

beforeAll(async () => {
  sim = await startSimRig({ nodes: 2, extras: false, port: 0, lanCidr: '127.0.6.0/24', tailnetCidr: '127.106.0.0/16', heartbeatMs: 200 });
  t = makeTestRig();
  importInventory({ ctx: t.ctx, input: sim.manifest() });
  // A node whose web service records what it is asked, and another service on the same host it must never reach.
  other = createServer((req, res) => { otherSeen.push(req.url ?? ''); res.end('other'); });
  const otherPort = await listen(other, SPY_IP);
  spy = createServer((req, res) => {
    spySeen.push(req.url ?? '');
    const url = req.url ?? '';
    if (url.startsWith('/web/redir-off')) return void res.writeHead(302, { location: `http://${SPY_IP}:${otherPort}/steal` }).end();
    if (url.startsWith('/web/redir-same')) return void res.writeHead(302, { location: '/web/landing?x=1' }).end();
    if (url.startsWith('/web/etag')) return void (req.headers['if-none-match'] === '"v1"' ? res.writeHead(304, { etag: '"v1"' }).end() : res.writeHead(200, { 'content-type': 'text/plain', etag: '"v1"' }).end('fresh'));
    if (url.startsWith('/web/empty')) return void res.writeHead(204).end();
    if (url.startsWith('/web/big')) return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(17 * 1024 * 1024) }).end(Buffer.alloc(17 * 1024 * 1024));
    res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'evil=1' }).end(`<p>page ${url}</p>`);
  });
  const spyPort = await listen(spy, SPY_IP);
  createDevice({ ctx: t.ctx, input: { id: 'spy', role: 'monitor', addresses: [{ network: 'lan', ip: SPY_IP }], services: [{ name: 'web', protocol: 'http', port: spyPort, path: '/web' }, { name: 'ssh', protocol: 'tcp', port: 22 }] } });
  createDevice({ ctx: t.ctx, input: { id: 'far', role: 'camera', addresses: [{ network: 'lan', ip: '10.9.9.9' }], services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }] } });
}, 30_000);

afterAll(async () => {
  await sim?.close();
  spy?.close();
  other?.close();
  t?.close();
});

const get = (path: string, init?: RequestInit) => t.app.request(path, init);

describe('reach relay', () => {
  it('relays a node\'s status and snapshot from its registered camera-node service', async () => {
    const status = await get('/reach/cam-01/camera-node/status');
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ id: 'cam-01' });
    expect(status.headers.get('x-rigmap-path')).toMatch(/^lan 127\.0\.6\./);
    expect(status.headers.get('content-security-policy')).toMatch(/^sandbox/);
    const snap = await get('/reach/cam-01/camera-node/snapshot.jpg');
    expect(snap.headers.get('content-type')).toBe('image/jpeg');
    const bytes = new Uint8Array(await snap.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);
  });

  it('streams a node\'s SSE through, heartbeats and all', async () => {
    const res = await get('/reach/cam-02/camera-node/events');
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    for (let i = 0; i < 200 && !/event: heartbeat/.test(text); i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    await reader.cancel();
    expect(text).toMatch(/event: hello/);
    expect(text).toMatch(/event: status/);
    expect(text).toMatch(/event: heartbeat/);
  });

  it('falls back to the Tailscale path when the LAN path refuses', async () => {
    await sim.applyFault('cam-02', { mode: 'lan-down' });
    try {
      const res = await get('/reach/cam-02/camera-node/status');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-rigmap-path')).toMatch(/^tailscale 127\.106\./);
    } finally {
      await sim.applyFault('cam-02', { mode: 'ok' });
    }
  });

  it('passes a page on but never its cookies', async () => {
    const res = await get('/reach/spy/web/hello?x=1');
    expect(await res.text()).toBe('<p>page /web/hello?x=1</p>');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('passes a node\'s 304 and 204 on without a body, letting the node connection go', async () => {
    const fresh = await get('/reach/spy/web/etag');
    expect(fresh.status).toBe(200);
    expect(await fresh.text()).toBe('fresh');
    const cached = await get('/reach/spy/web/etag', { headers: { 'if-none-match': '"v1"' } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe('"v1"');
    expect(cached.body).toBeNull();
    const empty = await get('/reach/spy/web/empty');
    expect(empty.status).toBe(204);
    expect(empty.body).toBeNull();
    // No connection to the node is left behind (polled: closing is asynchronous).
    const connections = () => new Promise<number>((resolve) => spy.getConnections((_e, n) => resolve(n)));
    for (let i = 0; i < 100 && (await connections()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await connections()).toBe(0);
  });

  it('refuses unregistered devices and services, and services it cannot speak', async () => {
    expect((await get('/reach/nobody/camera-node/status')).status).toBe(404);
    expect((await get('/reach/spy/admin/x')).status).toBe(404);
    expect((await get('/reach/spy/ssh/x')).status).toBe(404);
  });

  it('refuses path tricks, absolute URLs and other ports without contacting anyone', async () => {
    const before = spySeen.length;
    const otherPort = (other.address() as AddressInfo).port;
    const tricks = [
      '/reach/spy/web/..%2F..%2Fsteal',
      '/reach/spy/web/%2e%2e%2fsteal',
      '/reach/spy/web/a%2F..%2F..%2Fsteal',
      '/reach/spy/web/a%5C..%5Csteal',
      '/reach/spy/web/%252e%252e/steal',
      `/reach/spy/web/http:%2F%2F${SPY_IP}:${otherPort}%2Fsteal`,
      `/reach/spy/web/http://${SPY_IP}:${otherPort}/steal`,
      `/reach/spy/web//${SPY_IP}:${otherPort}/steal`,
      `/reach/spy/web:${otherPort}/steal`,
      `/reach/spy/${otherPort}/steal`,
    ];
    for (const path of tricks) {
      const res = await get(path);
      expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
    }
    // Dot segments a client sends raw are resolved before routing: they can only land on another rigmap path.
    expect((await get('/reach/spy/web/../../api/devices')).status).not.toBe(200);
    expect(spySeen.slice(before)).toEqual([]);
    expect(otherSeen).toEqual([]);
  });

  it('does not follow a redirect off the device, and rewrites one that stays on it', async () => {
    const off = await get('/reach/spy/web/redir-off');
    expect(off.status).toBe(502);
    expect((await off.json()).error.message).toMatch(/redirected.*not followed/);
    expect(otherSeen).toEqual([]);
    const same = await get('/reach/spy/web/redir-same');
    expect(same.status).toBe(302);
    expect(same.headers.get('location')).toBe('/reach/spy/web/landing?x=1');
  });

  it('caps the answer size and never contacts an address outside the probe scope', async () => {
    const big = await get('/reach/spy/web/big');
    expect(big.status).toBe(502);
    expect((await big.json()).error.message).toMatch(/limit/);
    const far = await get('/reach/far/camera-node/status');
    expect(far.status).toBe(403);
    expect((await far.json()).error.message).toMatch(/probe scope/);
  });
});
