/**
 * Who a request is, on a real server: `tailscale serve` headers are believed
 * only with --trust-tailscale-serve on and only from loopback; otherwise they
 * are ignored (a forged login from this machine or a same-host proxy gets
 * nothing) and tailscaled whois says who the peer is.
 * Addresses: 127.32.1.0/24 (client source addresses).
 */
import { createServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { makeTempDir } from '../helpers/app.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(extra: Record<string, unknown>): Promise<RunningServer> {
  const { dir, cleanup } = makeTempDir('rigmap-access-id-');
  const server = await startServer(loadConfig({ db: join(dir, 'r.db'), port: 0, logLevel: 'silent', probes: 'off', bonjour: 'off', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', tailscaleSync: 'off', ...extra }, {}));
  cleanups.push(cleanup, () => server.close());
  return server;
}

/** A request from a chosen loopback source address, with exactly these headers. */
function from(source: string, url: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, localAddress: source }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A tailscaled Local API on a unix socket that answers whois from a table (IP → login). */
async function fakeWhois(dir: string, table: Record<string, string>): Promise<string> {
  const socketPath = join(dir, 'tailscaled.sock');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://local-tailscaled.sock');
    const ip = (url.searchParams.get('addr') ?? '').replace(/:\d+$/, '');
    const login = url.pathname === '/localapi/v0/whois' ? table[ip] : undefined;
    res.writeHead(login ? 200 : 404, { 'content-type': 'application/json' });
    res.end(login ? JSON.stringify({ Node: { ID: 1, Name: 'laptop.example.ts.net.' }, UserProfile: { ID: 7, LoginName: login, DisplayName: login } }) : '{}');
  });
  await new Promise<void>((ok) => server.listen(socketPath, ok));
  cleanups.push(() => new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); }));
  return socketPath;
}

const ALICE = { 'Tailscale-User-Login': 'alice@example.com', 'Tailscale-User-Name': 'Alice' };
const SOURCES = ['127.0.0.1', '127.32.1.5'];

describe('forged tailscale serve headers', () => {
  it('are ignored on a 0.0.0.0 server by default: from 127.0.0.1 and another 127.x alike, no admin, no change', async () => {
    const server = await serve({ host: '0.0.0.0', tailscaleRoles: 'alice@example.com=admin' });
    const base = `http://127.0.0.1:${server.port}`;
    for (const source of SOURCES) {
      expect((await from(source, `${base}/api/users`, { headers: ALICE })).status, source).toBe(401);
      const me = await from(source, `${base}/api/auth/me`, { headers: ALICE });
      expect(me.json, source).toMatchObject({ auth: 'on', user: null, csrf: null });
      const add = await from(source, `${base}/api/devices`, { method: 'POST', headers: { ...ALICE, 'content-type': 'application/json', 'x-rigmap-csrf': 'x' }, body: '{"id":"cam-a","role":"camera"}' });
      expect(add.status, source).toBe(401);
    }
  });

  it('on a loopback server in auto mode, a request carrying them is neither open admin nor their login', async () => {
    const server = await serve({ host: '127.0.0.1', tailscaleRoles: 'alice@example.com=admin' });
    expect((await from('127.0.0.1', `${server.url}/api/users`)).status).toBe(200); // this machine, open
    const me = await from('127.0.0.1', `${server.url}/api/auth/me`, { headers: ALICE });
    expect(me.json).toMatchObject({ auth: 'on', user: null });
    expect((await from('127.0.0.1', `${server.url}/api/users`, { headers: ALICE })).status).toBe(401);
  });

  it('are believed with --trust-tailscale-serve on (tailscale serve connects from loopback)', async () => {
    const server = await serve({ host: '0.0.0.0', tailscaleRoles: 'alice@example.com=admin', trustTailscaleServe: 'on' });
    const base = `http://127.0.0.1:${server.port}`;
    const me = await from('127.0.0.1', `${base}/api/auth/me`, { headers: ALICE });
    expect(me.json).toMatchObject({ user: { login: 'alice@example.com', role: 'admin', via: 'tailscale' } });
    const add = await from('127.0.0.1', `${base}/api/devices`, { method: 'POST', headers: { ...ALICE, 'content-type': 'application/json', 'x-rigmap-csrf': me.json.csrf }, body: '{"id":"cam-a","role":"camera"}' });
    expect(add.status).toBe(201);
    expect(() => loadConfig({ trustTailscaleServe: 'maybe' }, {})).toThrow(/--trust-tailscale-serve/);
  });
});

describe('whois', () => {
  it('identifies the peer by tailscaled whois, never by the headers it sent', async () => {
    const { dir, cleanup } = makeTempDir('rigmap-access-whois-');
    cleanups.push(cleanup);
    const socket = await fakeWhois(dir, { '127.32.1.7': 'alice@example.com' });
    const server = await serve({ host: '0.0.0.0', tailscaleRoles: 'alice@example.com=admin,bob@example.com=viewer', tailscaleSocket: socket });
    const base = `http://127.0.0.1:${server.port}`;
    const bob = { 'Tailscale-User-Login': 'bob@example.com' };
    const alice = await from('127.32.1.7', `${base}/api/auth/me`, { headers: bob });
    expect(alice.json).toMatchObject({ user: { login: 'alice@example.com', role: 'admin', via: 'tailscale' } });
    expect((await from('127.32.1.7', `${base}/api/users`, { headers: bob })).status).toBe(200);
    // whois knows nobody at .8: the alice headers it sends count for nothing.
    expect((await from('127.32.1.8', `${base}/api/users`, { headers: ALICE })).status).toBe(401);
  });
});
