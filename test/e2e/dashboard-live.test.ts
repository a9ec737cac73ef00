/**
 * The live stream across a dropped connection: headless Chromium reaches the
 * dashboard through a TCP relay on loopback, the relay cuts every connection,
 * EventSource reconnects by itself with Last-Event-ID and the server replays
 * what was missed, so the page does not refetch the topology or the alerts;
 * when the server cannot replay (`event: resync`), the page does refetch.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HARNESS_TAILNET, launchBrowser, openDashboard, startDashboard, type Dashboard } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
let relay: { server: Server; port: number; sockets: Set<Socket>; lastId: () => number; forgeResumeId: (id: number | null) => void };

/** A plain TCP relay to the dashboard whose connections the test can cut. */
async function startRelay(target: number): Promise<typeof relay> {
  const sockets = new Set<Socket>();
  let lastId = 0;
  let forged: number | null = null;
  const server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    // The highest SSE event id the server sent to the page (how far it can resume from).
    let tail = '';
    upstream.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('latin1')).slice(-4096);
      for (const m of tail.matchAll(/^id: (\d+)$/gm)) lastId = Math.max(lastId, Number(m[1]));
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    // Optionally resume from an id the server never sent (as after a server restart).
    client.on('data', (chunk: Buffer) => {
      upstream.write(forged === null ? chunk : Buffer.from(chunk.toString('latin1').replace(/^last-event-id: *\d+\r$/gim, `Last-Event-ID: ${forged}\r`), 'latin1'));
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets, lastId: () => lastId, forgeResumeId: (id) => (forged = id) };
}

beforeAll(async () => {
  [dash, browser] = await Promise.all([startDashboard({ nodes: 1, sim: { lanCidr: '127.33.34.0/24', tailnetCidr: '127.133.34.0/24' }, config: { tailnetCidrs: `127.133.34.0/24,${HARNESS_TAILNET}` } }), launchBrowser()]);
  relay = await startRelay(dash.server.port);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const s of relay?.sockets ?? []) s.destroy();
  await new Promise((r) => (relay ? relay.server.close(r) : r(undefined)));
  await dash?.close();
});

describe('live stream reconnect', () => {
  it('a resumed stream gets the missed events replayed and nothing is refetched', async () => {
    const { page, errors } = await openDashboard(browser, `http://127.0.0.1:${relay.port}/`, undefined, dash.authHeaders);
    const refetches: string[] = [];
    const streams: Request[] = [];
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (path === '/api/topology' || path === '/api/reach' || path === '/api/alerts') refetches.push(path);
      if (path === '/api/events') streams.push(req);
    });
    await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent === 'live', undefined, { timeout: 10_000, polling: 50 });
    // Events the page applies without a refetch (path and device state), so it has an id to resume from.
    await dash.rig!.applyFault(dash.rig!.nodes[0]!.id, { mode: 'lan-down' });
    for (let i = 0; i < 200 && relay.lastId() === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(relay.lastId()).toBeGreaterThan(0);

    for (const s of relay.sockets) s.destroy();
    await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent !== 'live', undefined, { timeout: 10_000, polling: 20 });
    await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent === 'live', undefined, { timeout: 15_000, polling: 50 });
    expect(streams.length).toBeGreaterThanOrEqual(1);
    expect(Number((await streams.at(-1)!.allHeaders())['last-event-id'])).toBeGreaterThan(0);
    // Past the page's reload debounce (150 ms) by a wide margin: a refetch would have started.
    await page.waitForTimeout(1500);
    expect(refetches).toEqual([]);
    expect(errors.filter((e) => !e.includes('/api/events'))).toEqual([]);
    await page.close();
  });

  it('a resume the server cannot replay (resync) makes the page reload the map and the alerts', async () => {
    const { page, errors } = await openDashboard(browser, `http://127.0.0.1:${relay.port}/`, undefined, dash.authHeaders);
    const refetches: string[] = [];
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname;
      if (path === '/api/topology' || path === '/api/alerts') refetches.push(path);
    });
    await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent === 'live', undefined, { timeout: 10_000, polling: 50 });
    const before = relay.lastId();
    await dash.rig!.applyFault(dash.rig!.nodes[0]!.id, { mode: 'ok' });
    for (let i = 0; i < 200 && relay.lastId() === before; i++) await new Promise((r) => setTimeout(r, 50));
    expect(relay.lastId()).toBeGreaterThan(before);

    relay.forgeResumeId(1_000_000_000);
    try {
      for (const s of relay.sockets) s.destroy();
      await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent !== 'live', undefined, { timeout: 10_000, polling: 20 });
      await page.waitForFunction(() => document.querySelector('#live-badge')?.textContent === 'live', undefined, { timeout: 15_000, polling: 50 });
      for (let i = 0; i < 200 && refetches.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      relay.forgeResumeId(null);
    }
    expect(refetches.sort()).toEqual(['/api/alerts', '/api/topology']);
    expect(errors.filter((e) => !e.includes('/api/events'))).toEqual([]);
    await page.close();
  });
});
