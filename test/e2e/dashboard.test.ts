/**
 * The dashboard end to end: headless Chromium against a real server with a
 * simulated rig imported. Saves a screenshot of each view (into docs/screenshots under `npm run screenshots`).
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HARNESS_TAILNET, LAN_VIEW_HOST, launchBrowser, openDashboard, SCREENSHOT_DIR, startDashboard, TAILNET_VIEW_HOST, type Dashboard, type WatchedPage, until } from './harness.ts';

const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));
const RED = 'rgb(239,83,80)';

let dash: Dashboard;
let browser: Browser;
let open: WatchedPage[] = [];

async function view(host = LAN_VIEW_HOST, hash = '', viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await openDashboard(browser, `${dash.urlFrom(host)}/${hash}`, viewport, dash.authHeaders);
  open.push(w);
  return w;
}

/** Poll `fn(arg)` in the page until it returns true (bounded). A function, not a string: the CSP forbids eval. */
beforeAll(async () => {
  [dash, browser] = await Promise.all([startDashboard({ nodes: 4, sim: { lanCidr: '127.33.33.0/24', tailnetCidr: '127.133.33.0/24' }, config: { tailnetCidrs: `127.133.33.0/24,${HARNESS_TAILNET}` } }), launchBrowser()]);
}, 120_000);

afterEach(async () => {
  const errors = open.flatMap((w) => w.errors);
  await Promise.all(open.map((w) => w.page.close()));
  open = [];
  expect(errors, 'console errors in the dashboard').toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('dashboard', () => {
  it('draws every device of the map, attached to the LAN and the tailnet', async () => {
    const w = await view(LAN_VIEW_HOST, '#/graph');
    // Bound to 0.0.0.0, the server signs in every request: the page is signed in by the harness's Bearer token.
    expect(await w.page.textContent('[data-testid="signed-in"]')).toBe('token:e2e-harness · admin');
    const topo = (await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/topology`, { headers: dash.authHeaders })).json()) as { devices: { id: string }[] };
    const drawn = await w.page.evaluate(() => window.rigmap!.graph.cy.nodes('.device').map((n) => n.data('deviceId') as string).sort());
    expect(drawn).toEqual(topo.devices.map((d) => d.id).sort());
    // No network hubs: each device carries its LAN and Tailscale path states (its L/T badges).
    expect(await w.page.evaluate(() => window.rigmap!.graph.cy.nodes('.network').length)).toBe(0);
    await until(w, () => window.rigmap!.graph.cy.getElementById('dev:cam-01').data('lan') === 'up' && window.rigmap!.graph.cy.getElementById('dev:cam-01').data('tailscale') === 'up', null, 20_000);
    await w.page.screenshot({ path: shot('graph') });
  }, 60_000);

  it('on 0.0.0.0 a browser on this machine without a token gets the login page, not the map', async () => {
    expect((await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/topology`)).status).toBe(401);
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${dash.urlFrom(LAN_VIEW_HOST)}/`);
      await page.waitForFunction(() => document.body?.dataset.ready === 'login', undefined, { timeout: 20_000 });
      expect(await page.isVisible('form[data-testid="login-form"]')).toBe(true);
    } finally {
      await context.close();
    }
  }, 60_000);

  it('gives a tailnet viewer Tailscale addresses and a LAN viewer LAN addresses', async () => {
    const lan = await view(LAN_VIEW_HOST, '#/inventory');
    const ts = await view(TAILNET_VIEW_HOST, '#/inventory');
    expect(await lan.page.getAttribute('#viewer-badge', 'data-network')).toBe('lan');
    expect(await ts.page.getAttribute('#viewer-badge', 'data-network')).toBe('tailscale');
    for (const [w, prefix] of [[lan, 'http://127.33.33.'], [ts, 'http://127.133.33.']] as const) {
      await w.page.click('button[aria-label="Details of cam-02"]');
      const href = await w.page.getAttribute('#panel a[data-testid="open-node"]', 'href');
      expect(href).toMatch(new RegExp(`^${prefix.replace(/\./g, '\\.')}\\d+:\\d+/api/v1/status$`));
      const img = await w.page.getAttribute('#panel img.snapshot', 'src');
      expect(img?.startsWith(prefix)).toBe(true);
    }
  }, 60_000);

  it('adds a device from the Inventory view and shows it in the graph', async () => {
    const w = await view(LAN_VIEW_HOST, '#/inventory');
    await w.page.click('button[data-action="add"]');
    await w.page.fill('dialog input[name="id"]', 'cam-new');
    await w.page.fill('dialog input[name="name"]', 'Cam New');
    await w.page.fill('dialog input[name="lan"]', '127.33.29.200');
    await w.page.fill('dialog input[name="tags"]', 'stage-right');
    await w.page.click('dialog button[data-action="save"]');
    await w.page.waitForSelector('tr[data-device="cam-new"]', { timeout: 10_000 });
    await until(w, () => window.rigmap!.graph.cy.getElementById('dev:cam-new').nonempty(), null);
    await w.page.selectOption('select[data-filter="role"]', 'camera');
    await w.page.screenshot({ path: shot('inventory') });
    await w.page.click('nav a[data-view="graph"]');
    const positions = await w.page.evaluate(() => window.rigmap!.graph.cy.getElementById('dev:cam-new').position());
    expect(Number.isFinite(positions.x)).toBe(true);
  }, 60_000);

  it('shows every camera\'s real snapshot on the contact sheet', async () => {
    const w = await view(LAN_VIEW_HOST, '#/contacts', { width: 1024, height: 768 });
    const cams = dash.rig!.nodes.filter((n) => n.role === 'camera').map((n) => n.id);
    // The simulated cameras' cards (the map may also hold cam-new from the Inventory test, which
    // has no node behind it): each shows a decoded frame. Not `complete`: each image re-requests
    // every 2 s, and the frame shown stays up while the next one loads.
    await until(w, (ids) => ids.every((id) => {
      const img = document.querySelector<HTMLImageElement>(`#view-contacts article[data-device="${id}"] img.snapshot`);
      return img !== null && img.naturalWidth > 0;
    }), cams, 15_000);
    const sizes = await w.page.$$eval('#view-contacts article img.snapshot', (imgs, ids) => imgs
      .filter((i) => ids.includes(i.closest('article')!.getAttribute('data-device')!))
      .map((i) => [(i as HTMLImageElement).naturalWidth, (i as HTMLImageElement).naturalHeight]), cams);
    expect(sizes).toHaveLength(cams.length);
    for (const [width, height] of sizes) expect(width! * height!).toBeGreaterThan(100);
    await w.page.screenshot({ path: shot('contacts') });
  }, 60_000);

  // Needs the probe engine (issue 4) wired into startServer and GET /api/events.
  it('turns a node put down red within 3 s, without a reload, and its panel shows the path error', async () => {
    const w = await view();
    await until(w, () => window.rigmap!.store.stateOf('cam-01') === 'up', null, 15_000);
    const navigations: string[] = [];
    w.page.on('framenavigated', (f) => f === w.page.mainFrame() && navigations.push(f.url()));
    await w.page.evaluate(() => void window.rigmap!.graph.cy.getElementById('dev:cam-01').emit('tap'));
    await dash.rig!.applyFault('cam-01', { mode: 'down' });
    await until(w, (red) => window.rigmap!.graph.cy.getElementById('dev:cam-01').style('background-color').replace(/\s/g, '') === red, RED, 3_000);
    expect(navigations).toEqual([]);
    await w.page.waitForSelector('#panel [data-testid="path-error"]', { timeout: 10_000 });
    expect((await w.page.textContent('#panel [data-testid="device-state"]'))?.trim()).toBe('down');
    expect((await w.page.textContent('#panel [data-testid="path-error"]'))?.length).toBeGreaterThan(3);
    await w.page.screenshot({ path: shot('graph-node-down') });
    const alerts = await view(LAN_VIEW_HOST, '#/alerts');
    await alerts.page.waitForSelector('table[data-testid="alerts-open"] tr[data-alert]', { timeout: 20_000 });
    await alerts.page.screenshot({ path: shot('alerts') });
    await dash.rig!.applyFault('cam-01', { mode: 'ok' });
  }, 90_000);

  it('is usable at tablet width', async () => {
    const w = await view(TAILNET_VIEW_HOST, '', { width: 820, height: 1180 });
    await w.page.evaluate(() => void window.rigmap!.graph.cy.getElementById('dev:cam-02').emit('tap'));
    await w.page.waitForSelector('#panel h2');
    expect(await w.page.evaluate(() => document.activeElement?.tagName)).toBe('H2');
    await w.page.screenshot({ path: shot('tablet-panel'), fullPage: true });
  }, 60_000);
});
