/** The dashboard's server side: static bundle serving, the missing-bundle page, viewer reach over real sockets. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { startServer } from '../../src/server/main.ts';
import { staticRoutes } from '../../src/server/static.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe('static dashboard', () => {
  it('serves index.html and assets, leaves other paths alone, and explains a missing bundle', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const app = new Hono().route('/', staticRoutes({ dir: join(dir, 'web') }));
    app.get('/metrics', (c) => c.text('metrics here'));
    const missing = await app.request('/');
    expect(missing.status).toBe(503);
    expect(await missing.text()).toMatch(/npm run build/);
    mkdirSync(join(dir, 'web/assets'), { recursive: true });
    writeFileSync(join(dir, 'web/index.html'), '<!doctype html><title>rigmap</title>');
    writeFileSync(join(dir, 'web/assets/app-1.js'), 'console.log(1)');
    const index = await app.request('/');
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<title>rigmap</title>');
    const asset = await app.request('/assets/app-1.js');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toMatch(/immutable/);
    expect(await (await app.request('/metrics')).text()).toBe('metrics here');
    expect((await app.request('/api/topology')).status).toBe(404);
  });
});

describe('viewer reach over real sockets', () => {
  it('gives a viewer dialling a tailnet address Tailscale links and one on 127.0.x LAN links', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const db = join(dir, 'r.db');
    // Listening on 0.0.0.0 (auth auto) every request signs in, from this machine too: an admin API token.
    const store = openDb(db);
    const token = createToken({ ctx: { db: store.db, bus: new EventBus(), actor: 'test' }, input: { name: 'reach', role: 'admin' } }).secret;
    store.close();
    const server = await startServer(loadConfig({ db, port: 0, host: '0.0.0.0', logLevel: 'silent', tailnetCidrs: '127.133.16.0/24', probeCidrs: '127.0.0.0/8' }, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' }));
    cleanups.push(() => server.close());
    const base = (h: string) => `http://${h}:${server.port}`;
    const bearer = { authorization: `Bearer ${token}` };
    expect((await fetch(`${base('127.0.0.1')}/api/reach`)).status).toBe(401);
    expect((await fetch(`${base('127.133.16.77')}/api/reach`)).status).toBe(401);
    const created = await fetch(`${base('127.0.0.1')}/api/devices`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...bearer },
      body: JSON.stringify({ id: 'cam-a', role: 'camera', addresses: [{ network: 'lan', ip: '127.33.16.1' }, { network: 'tailscale', ip: '127.133.16.9' }], services: [{ name: 'camera-node', protocol: 'http', port: 9 }] }),
    });
    expect(created.status).toBe(201);
    const lan = await (await fetch(`${base('127.0.0.1')}/api/reach`, { headers: bearer })).json();
    const ts = await (await fetch(`${base('127.133.16.77')}/api/reach`, { headers: bearer })).json();
    expect(lan.viewer.network).toBe('lan');
    expect(lan.devices['cam-a'].preferred.baseUrl).toBe('http://127.33.16.1:9');
    expect(ts.viewer).toEqual({ network: 'tailscale', address: '127.133.16.77' });
    expect(ts.devices['cam-a'].preferred.baseUrl).toBe('http://127.133.16.9:9');
    expect((await (await fetch(`${base('127.0.0.1')}/api/viewer`, { headers: bearer })).json()).network).toBe('lan');
  });
});
