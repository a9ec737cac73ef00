/**
 * The dashboard's Discovered inbox, Tailscale import and Export menu, end to
 * end: headless Chromium against a real server with a simulated rig imported,
 * a second simulated rig on its own range (127.33.6.0/24) to be found by a scan,
 * a tarpit on 127.33.8.0/22 (so a scan to cancel is certainly still running),
 * and a fake Tailscale API on 127.0.0.1. The probe scope stays 127.0.0.0/8, so
 * the imported 100.x addresses are never contacted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { type FakeApi, type FakeLocalApi, startFakeApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';
import { HARNESS_TAILNET, LAN_VIEW_HOST, launchBrowser, openDashboard, SCREENSHOT_DIR, startDashboard, type Dashboard, type WatchedPage, until } from './harness.ts';

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));

let dash: Dashboard;
let browser: Browser;
let fakeTs: FakeApi;
let fakeLocal: FakeLocalApi;
const sockDir = mkdtempSync(join(tmpdir(), 'rigmap-e2e-ts-'));
let scanRig: SimRig;
let tarpit: Tarpit;
let open: WatchedPage[] = [];
const savedKey = process.env.RIGMAP_TAILSCALE_API_KEY;

async function view(hash = ''): Promise<WatchedPage> {
  const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/${hash}`);
  open.push(w);
  return w;
}

/** Poll `fn` in the page until it returns true (bounded). A function, not a string: the CSP forbids eval. */

/**
 * Every address of a range accepts TCP on one port and never answers: each host
 * of a scan costs the full /info timeout (1.5 s), so a scan of the range's 1,022
 * hosts (128 at a time) runs for at least 8 × 1.5 s however fast the machine is.
 */
const TARPIT_CIDR = '127.33.8.0/22';
interface Tarpit {
  port: number;
  close(): Promise<void>;
}
async function startTarpit(cidr: string): Promise<Tarpit> {
  const [base, bits] = cidr.split('/') as [string, string];
  const first = base.split('.').reduce((n, o) => n * 256 + Number(o), 0) + 1;
  const hosts = 2 ** (32 - Number(bits)) - 2;
  const sockets = new Set<Socket>();
  const servers: Server[] = [];
  const listen = (host: string, port: number) => new Promise<Server>((resolve, reject) => {
    const server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
  const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  servers.push(await listen(ip(first), 0));
  const port = (servers[0]!.address() as AddressInfo).port;
  for (let i = 1; i < hosts; i++) servers.push(await listen(ip(first + i), port));
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

beforeAll(async () => {
  fakeTs = await startFakeApi();
  // tailscaled's Local API: path quality, and whois for who is viewing.
  fakeLocal = await startFakeLocalApi(join(sockDir, 'tailscaled.sock'));
  fakeLocal.whois.set('127.0.0.1', { LoginName: 'crew-b@example.com', DisplayName: 'Crew Member B', node: 'laptop-b.example.ts.net.' });
  // The server holds the token (as a deployment would); no periodic sync, so the dialog's import is the first.
  process.env.RIGMAP_TAILSCALE_API_KEY = fakeTs.apiKey;
  [dash, browser, tarpit, scanRig] = await Promise.all([
    // Loopback only: these views are reached as 127.0.0.1, so sign-in is off (auth auto) and the login view stays out of the way.
    startDashboard({ nodes: 2, sim: { lanCidr: '127.33.35.0/24', tailnetCidr: '127.133.35.0/24' }, config: { tailnetCidrs: `127.133.35.0/24,${HARNESS_TAILNET}`, host: '127.0.0.1', tailscaleApiBase: fakeTs.url, tailscaleSocket: fakeLocal.socketPath, tailscaleSync: 'off', bonjour: false } }),
    launchBrowser(),
    startTarpit(TARPIT_CIDR),
    startSimRig({ nodes: 1, lanCidr: '127.33.6.0/24', tailnetCidr: '127.133.6.0/24', port: 0, extras: false, idPrefix: 'found', heartbeatMs: 500 }),
  ]);
}, 120_000);

afterEach(async () => {
  const errors = open.flatMap((w) => w.errors);
  await Promise.all(open.map((w) => w.page.close()));
  open = [];
  expect(errors, 'console errors in the dashboard').toEqual([]);
});

afterAll(async () => {
  if (savedKey === undefined) delete process.env.RIGMAP_TAILSCALE_API_KEY;
  else process.env.RIGMAP_TAILSCALE_API_KEY = savedKey;
  await browser?.close();
  await dash?.close();
  await scanRig?.close();
  await tarpit?.close();
  await fakeTs?.close();
  await fakeLocal?.close();
  rmSync(sockDir, { recursive: true, force: true });
});

describe('dashboard extras', () => {
  it('scans a range, lists the node found in the Discovered inbox, and Accept puts it in the graph', async () => {
    const w = await view('#/discovered');
    const node = scanRig.nodes[0]!;
    await w.page.fill('form[data-form="scan"] input[name="cidr"]', '127.33.6.0/24');
    await w.page.fill('form[data-form="scan"] input[name="port"]', String(node.port));
    await w.page.click('form[data-form="scan"] button[data-action="scan"]');
    await w.page.waitForSelector('[data-testid="scan"]', { timeout: 10_000 });
    await w.page.waitForSelector('[data-testid="scan"][data-state="done"]', { timeout: 30_000 });
    expect(await w.page.textContent('[data-testid="scan"]')).toContain('found 1');
    const rowSel = `tr[data-status="new"]:has-text("${node.lanIp}")`;
    await w.page.waitForSelector(rowSel, { timeout: 10_000 });
    expect((await w.page.textContent('#discovered-count'))?.trim()).toBe('1');
    await w.page.screenshot({ path: shot('discovered') });

    await w.page.click(`${rowSel} button[data-accept]`);
    await w.page.waitForSelector('dialog[data-testid="accept-dialog"]');
    expect(await w.page.inputValue('dialog input[name="id"]')).toBe(node.id);
    // A taken id is refused (409) and the dialog stays open with the reason.
    await w.page.fill('dialog input[name="id"]', 'cam-01');
    await w.page.click('dialog button[data-action="accept"]');
    await w.page.waitForSelector('dialog [data-slot="error"]:has-text("cam-01")', { timeout: 10_000 });
    // Chromium logs every 4xx answer; this one was asked for, so it is the only error let through.
    const expected = w.errors.findIndex((e) => /status of 409/.test(e) && /\/api\/discovered\/\d+\/accept\)$/.test(e));
    expect(expected, w.errors.join('\n')).toBeGreaterThanOrEqual(0);
    w.errors.splice(expected, 1);
    await w.page.fill('dialog input[name="id"]', node.id);
    await w.page.fill('dialog input[name="name"]', 'Found by scan');
    await w.page.click('dialog button[data-action="accept"]');
    await w.page.waitForSelector('dialog[data-testid="accept-dialog"]', { state: 'detached', timeout: 10_000 });
    await w.page.waitForSelector(`tr[data-status="accepted"]:has-text("${node.lanIp}")`, { timeout: 10_000 });
    await until(w, (id) => window.rigmap!.graph.cy.getElementById(`dev:${id}`).nonempty(), node.id);
    expect(await w.page.evaluate((id) => window.rigmap!.graph.cy.getElementById(`dev:${id}`).data('label'), node.id)).toBe('Found by scan');
    await until(w, () => document.querySelector<HTMLElement>('#discovered-count')!.hidden === true, null);
    const device = (await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/devices/${node.id}`)).json()) as { addresses: { ip: string }[] };
    expect(device.addresses.map((a) => a.ip)).toContain(node.lanIp);
  }, 90_000);

  it('downloads the Markdown document from the Export menu', async () => {
    const w = await view();
    await w.page.click('#export-menu summary');
    const [download] = await Promise.all([w.page.waitForEvent('download', { timeout: 15_000 }), w.page.click('#export-menu a[data-export="md"]')]);
    expect(download.suggestedFilename()).toBe('rigmap.md');
    const text = await readFile((await download.path())!, 'utf8');
    expect(text).toContain('E2E rig');
    expect(text).toContain('cam-01');

    await w.page.check('#export-menu input[data-option="no-state"]');
    expect(await w.page.getAttribute('#export-menu a[data-export="mermaid"]', 'href')).toBe('/api/export?format=mermaid&state=0&download');
  }, 60_000);

  it('saves the live graph as a PNG', async () => {
    const w = await view();
    await w.page.click('#export-menu summary');
    const [download] = await Promise.all([w.page.waitForEvent('download', { timeout: 15_000 }), w.page.click('#export-menu button[data-action="png"]')]);
    expect(download.suggestedFilename()).toBe('e2e-rig-graph.png');
    const bytes = await readFile((await download.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.length).toBeGreaterThan(2000);
  }, 60_000);

  it('previews a Tailscale import (dry run), then imports it into the map', async () => {
    const w = await view();
    await w.page.waitForSelector('#tailscale-badge:not([hidden])', { timeout: 10_000 });
    await w.page.click('#tailscale-badge');
    await w.page.waitForSelector('dialog[data-testid="ts-import"]');
    expect(await w.page.inputValue('dialog select[name="source"]')).toBe('api');
    await w.page.click('dialog button[data-action="preview"]');
    await w.page.waitForSelector('[data-testid="ts-result"][data-dry-run="true"]', { timeout: 15_000 });
    const added = await w.page.$$eval('[data-diff="added"] li .mono', (els) => els.map((e) => e.textContent));
    expect(added.sort()).toEqual(['foo', 'hello']);
    // The fixture lists one node twice: the preview says so.
    expect(await w.page.textContent('[data-diff="skipped"]')).toContain('foo');
    // A dry run writes nothing.
    const before = (await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/devices`)).json()) as { devices: { id: string }[] };
    expect(before.devices.map((d) => d.id)).not.toContain('hello');
    await w.page.screenshot({ path: shot('tailscale-import') });

    await w.page.click('dialog button[data-action="import"]');
    await w.page.waitForSelector('[data-testid="ts-result"][data-dry-run="false"]', { timeout: 15_000 });
    await until(w, () => window.rigmap!.graph.cy.getElementById('dev:hello').nonempty() && window.rigmap!.graph.cy.getElementById('dev:hello').data('tailscale') !== 'none', null);
    await until(w, () => /imported/.test(document.querySelector('#tailscale-badge')!.textContent ?? ''), null);
    expect(fakeTs.requests.filter((r) => r.path.includes('/devices')).length).toBe(2);
  }, 90_000);

  it('cancels a running scan', async () => {
    const w = await view('#/discovered');
    // The tarpit: every host connects and never answers, so the scan is still running at the click.
    await w.page.fill('form[data-form="scan"] input[name="cidr"]', TARPIT_CIDR);
    await w.page.fill('form[data-form="scan"] input[name="port"]', String(tarpit.port));
    await w.page.click('form[data-form="scan"] button[data-action="scan"]');
    await w.page.click('[data-testid="scan"] button[data-action="cancel-scan"]', { timeout: 10_000 });
    await w.page.waitForSelector('[data-testid="scan"][data-state="cancelled"]', { timeout: 15_000 });
    const scans = (await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/discovery/scans`)).json()) as { scans: { cidrs: string[]; state: string; done: number; total: number }[] };
    const scan = scans.scans.find((x) => x.cidrs.includes(TARPIT_CIDR))!;
    expect(scan.state).toBe('cancelled');
    expect(scan.done).toBeLessThan(scan.total);
  }, 60_000);

  it('labels the device\'s Tailscale path and the panel with the Tailscale path quality, and shows the viewer\'s tailnet login', async () => {
    const base = dash.urlFrom(LAN_VIEW_HOST);
    const res = await fetch(`${base}/api/tailscale/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'local' }) });
    expect(res.status).toBe(200);
    // vps starts idle in the recorded status; make it talk directly, as after traffic.
    const vps = Object.values<any>(fakeLocal.status.Peer).find((p) => p.HostName === 'vps');
    Object.assign(vps, { Active: true, CurAddr: '198.51.100.7:41641' });
    await fetch(`${base}/api/tailscale/paths?refresh=1`);

    const w = await view();
    await until(w, () => window.rigmap!.graph.cy.getElementById('dev:vps').data('tsQuality') === 'direct', null);
    expect(await w.page.evaluate(() => window.rigmap!.graph.cy.getElementById('dev:vps').data('tsLabel') as string)).toContain('direct');
    expect(await w.page.evaluate(() => window.rigmap!.graph.cy.getElementById('dev:vps').data('title') as string)).toContain('direct');
    expect(await w.page.evaluate(() => window.rigmap!.graph.cy.getElementById('dev:desktop-vm').data('tsQuality') as string)).toBe('offline');
    await w.page.evaluate(() => void window.rigmap!.graph.cy.getElementById('dev:vps').emit('tap'));
    await w.page.waitForSelector('#panel [data-testid="ts-quality"][data-quality="direct"]', { timeout: 10_000 });
    expect(await w.page.textContent('#panel [data-testid="ts-quality"]')).toContain('198.51.100.7:41641');
    await until(w, () => document.querySelector<HTMLElement>('#viewer-badge')!.dataset.login === 'crew-b@example.com', null);
    expect(await w.page.textContent('#viewer-badge')).toBe('you: LAN · crew-b@example.com');
  }, 60_000);
});
