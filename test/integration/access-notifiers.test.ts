/**
 * Notifier URLs rigmap must not send to: link-local / metadata addresses in
 * every spelling, credentials in the URL, rigmap's own API; and a notifier's
 * redirect is never followed. Addresses: 127.32.2.0/24.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/main.ts';
import { checkNotifierUrl } from '../../src/topology/alerts/notifiers/url-guard.ts';
import { notifiers } from '../../src/topology/store/schema.ts';
import { makeTempDir, makeTestRig, type TestRig } from '../helpers/app.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function rig(): TestRig {
  const r = makeTestRig();
  cleanups.push(() => r.close());
  return r;
}

const add = (r: TestRig, url: string, name = 'n') => r.app.request('/api/notifiers', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, kind: 'webhook', url }) });

/** An HTTP server on `host` answering with `handler`; counts requests. */
async function listen(host: string, handler: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; hits: number }> {
  const state = { url: '', hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    req.resume();
    handler(res);
  });
  await new Promise<void>((ok) => server.listen(0, host, ok));
  state.url = `http://${host}:${(server.address() as AddressInfo).port}`;
  cleanups.push(() => new Promise<void>((ok) => { server.close(() => ok()); server.closeAllConnections(); }));
  return state;
}

const METADATA = [
  'http://169.254.169.254/latest/meta-data/', 'http://0xa9fea9fe/', 'http://2852039166/', 'http://0251.0376.0251.0376/',
  'http://0251.254.43518/', 'http://[::ffff:a9fe:a9fe]/', 'http://[::ffff:169.254.169.254]/', 'http://[::a9fe:a9fe]/',
  'http://[64:ff9b::a9fe:a9fe]/', 'http://[2002:a9fe:a9fe::1]/', 'http://[fe80::1]/', 'http://169.254.169.254./',
  'http://metadata.google.internal/computeMetadata/v1/', 'http://100.100.100.200/', 'http://[fd00:ec2::254]/', 'http://0.0.0.0:9000/',
];

describe('notifier URLs', () => {
  it('refuses metadata and link-local addresses in every spelling, and credentials', async () => {
    const r = rig();
    for (const url of METADATA) {
      const res = await add(r, url);
      expect(res.status, url).toBe(400);
      expect((await res.json()).error.details.problems[0].field, url).toBe('url');
    }
    for (const url of ['https://user:pw@hooks.example.com/x', 'https://token@hooks.example.com/x']) {
      const res = await add(r, url);
      expect(res.status, url).toBe(400);
      expect(JSON.stringify(await res.json()), url).not.toMatch(/pw@|token@/);
    }
    expect((await (await r.app.request('/api/notifiers')).json()).notifiers).toEqual([]);
    expect((await add(r, 'https://hooks.example.com/services/T0/B0/x')).status).toBe(201);
    expect(() => checkNotifierUrl('http://127.32.2.9:8080/hook')).not.toThrow();
  });

  it("refuses rigmap's own API, by any loopback name or its --host", async () => {
    const { dir, cleanup } = makeTempDir('rigmap-access-ntf-');
    cleanups.push(cleanup);
    const server = await startServer(loadConfig({ db: join(dir, 'r.db'), host: '0.0.0.0', auth: 'on', port: 0, logLevel: 'silent', probes: 'off', bonjour: 'off', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1' }, {}));
    cleanups.push(() => server.close());
    const { createToken } = await import('../../src/topology/access/tokens.ts');
    const { openDb } = await import('../../src/topology/store/db.ts');
    const { EventBus } = await import('../../src/topology/events.ts');
    const store = openDb(join(dir, 'r.db'));
    const secret = createToken({ ctx: { db: store.db, bus: new EventBus() }, input: { name: 'a', role: 'admin' } }).secret;
    store.close();
    const post = (url: string) => fetch(`http://127.0.0.1:${server.port}/api/notifiers`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ name: 'self', kind: 'webhook', url }) });
    for (const host of ['127.0.0.1', '127.32.2.77', 'localhost', '[::1]', '0.0.0.0']) {
      const res = await post(`http://${host}:${server.port}/api/devices`);
      expect(res.status, host).toBe(400);
      expect((await res.json()).error.message, host).toMatch(host === '0.0.0.0' ? /not a host/ : /rigmap itself/);
    }
    expect((await post(`http://127.32.2.77:${server.port + 1 === 65536 ? 1 : server.port + 1}/hook`)).status).toBe(201);
  });

  it('never follows a redirect, and checks stored URLs again before sending', async () => {
    const r = rig();
    const target = await listen('127.32.2.2', (res) => res.end('ok'));
    const redirector = await listen('127.32.2.1', (res) => {
      res.writeHead(302, { location: `${target.url}/stolen` });
      res.end();
    });
    expect((await add(r, `${redirector.url}/hook`, 'redir')).status).toBe(201);
    const sent = await r.app.request('/api/notifiers/redir/test', { method: 'POST' });
    expect(sent.status).toBe(502);
    expect((await sent.json()).error).toMatch(/302.*not followed/);
    expect(redirector.hits).toBe(1);
    expect(target.hits).toBe(0);
    // A row written before these checks existed is refused at send time, without a request.
    r.store.db.insert(notifiers).values({ name: 'old', kind: 'webhook', url: 'http://0xa9fea9fe/latest', enabled: true, minSeverity: 'info', createdAt: new Date().toISOString() }).run();
    const old = await r.app.request('/api/notifiers/old/test', { method: 'POST' });
    expect(old.status).toBe(502);
    expect((await old.json()).error).toMatch(/link-local/);
  });
});
