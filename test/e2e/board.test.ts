/**
 * The rig board, the live preview and reach fallback end to end: headless
 * Chromium under the real CSP against a real server and a simulated rig.
 * Every device has a tile with the right LAN/Tailscale states; `lan-down` on
 * one camera turns only its LAN indicator red within 3 s; the panel's live
 * preview changes over 2 s, also through rigmap for a tailnet viewer whose
 * path went down; the contact sheet's live mode moves. Screenshots of the
 * board at 1400, 1024 and 390 px. Addresses: LAN 127.34.3.0/24, tailnet 127.134.3.0/24.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LAN_VIEW_HOST, launchBrowser, openDashboard, SCREENSHOT_DIR, startDashboard, type Dashboard, type WatchedPage, until } from './harness.ts';

const TAILNET_HOST = '127.134.3.250';
const shot = (name: string) => fileURLToPath(new URL(`${name}.png`, SCREENSHOT_DIR));
let dash: Dashboard;
let browser: Browser;
let open: WatchedPage[] = [];

async function view(host: string, hash: string, viewport?: { width: number; height: number }): Promise<WatchedPage> {
  const w = await openDashboard(browser, `${dash.urlFrom(host)}/${hash}`, viewport, dash.authHeaders);
  open.push(w);
  return w;
}

/**
 * Two pictures of `img` 2 s apart differ (a live stream, decoded and painted).
 * The page region is shot, not the element: live re-renders may move the image node.
 */
async function moves(img: Locator): Promise<boolean> {
  await img.evaluate((el: HTMLImageElement) => new Promise<void>((resolve) => (el.naturalWidth > 0 ? resolve() : el.addEventListener('load', () => resolve(), { once: true }))));
  const box = await img.boundingBox();
  if (!box) return false;
  const page = img.page();
  const a = await page.screenshot({ clip: box });
  await new Promise((r) => setTimeout(r, 2000));
  const b = await page.screenshot({ clip: box });
  return !a.equals(b);
}

beforeAll(async () => {
  [dash, browser] = await Promise.all([
    startDashboard({ nodes: 4, sim: { lanCidr: '127.34.3.0/24', tailnetCidr: '127.134.3.0/24', heartbeatMs: 500 }, config: { tailnetCidrs: '127.134.3.0/24' } }),
    launchBrowser(),
  ]);
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

const tileStates = (w: WatchedPage) => w.page.$$eval('[data-testid="tile"]', (tiles) => Object.fromEntries(tiles.map((t) => [t.getAttribute('data-device'), [t.getAttribute('data-lan'), t.getAttribute('data-tailscale')]])));

describe('rig board', () => {
  it('lands on the board: a tile per device with its LAN and Tailscale path states', async () => {
    const w = await view(LAN_VIEW_HOST, '');
    const nodes = dash.rig!.nodes;
    // Every simulated device answers on each address it has: up there, "none" where it has no address.
    const want = Object.fromEntries(nodes.map((n) => [n.id, ['up', n.tailscaleIp ? 'up' : 'none']]));
    await until(w, (ids) => ids.every((id) => document.querySelector(`[data-testid="tile"][data-device="${id}"]`)?.getAttribute('data-lan') === 'up'), nodes.map((n) => n.id), 40_000)
      .catch(async (err: Error) => { throw new Error(`${err.message}: ${JSON.stringify(await tileStates(w))} store: ${await w.page.evaluate(() => JSON.stringify([...window.rigmap!.store.health.values()].map((h) => [h.deviceId, h.state, h.paths.map((p) => `${p.network}:${p.state}`)])))} server: ${JSON.stringify(((await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/topology`, { headers: dash.authHeaders })).json()) as { devices: { id: string; health?: { paths: { network: string; state: string }[] } }[] }).devices.map((d) => [d.id, d.health?.paths.map((p) => `${p.network}:${p.state}`)]))}`); });
    await until(w, (exp) => Object.entries(exp).every(([id, [, ts]]) => document.querySelector(`[data-testid="tile"][data-device="${id}"]`)?.getAttribute('data-tailscale') === ts), want, 20_000);
    expect(await tileStates(w)).toEqual(want);
    // Grouped by upstream: the cameras sit behind the hotspot.
    const group = await w.page.$$eval('.board-group', (gs) => gs.map((g) => [g.querySelector('h3')!.textContent!, [...g.querySelectorAll('[data-testid="tile"]')].map((t) => t.getAttribute('data-device'))]));
    const behind = group.find(([title]) => /Behind/.test(title as string));
    expect(behind?.[1]).toEqual(expect.arrayContaining(nodes.filter((n) => n.role === 'camera').map((n) => n.id)));
    // Screen reader and keyboard: a labelled tile, arrows move, Enter opens the panel.
    const first = w.page.locator('[data-testid="tile"]').first();
    expect(await first.getAttribute('aria-label')).toMatch(/LAN up; Tailscale/);
    await first.focus();
    await w.page.keyboard.press('ArrowRight');
    const focused = await w.page.evaluate(() => document.activeElement?.getAttribute('data-device'));
    expect(focused).toBe(await w.page.locator('[data-testid="tile"]').nth(1).getAttribute('data-device'));
    await w.page.keyboard.press('Enter');
    await w.page.waitForSelector('#panel h2');
    expect(await w.page.textContent('#panel h2')).toBeTruthy();
  }, 90_000);

  it('turns only the LAN indicator of a camera red within 3 s of lan-down', async () => {
    const w = await view(LAN_VIEW_HOST, '#/board');
    await until(w, () => document.querySelector('[data-testid="tile"][data-device="cam-02"]')?.getAttribute('data-lan') === 'up', null, 20_000);
    const before = await tileStates(w);
    await dash.rig!.applyFault('cam-02', { mode: 'lan-down' });
    try {
      await until(w, () => document.querySelector('[data-testid="tile"][data-device="cam-02"]')?.getAttribute('data-lan') === 'down', null, 3_000);
      const after = await tileStates(w);
      expect(after['cam-02']).toEqual(['down', 'up']);
      for (const id of Object.keys(before)) if (id !== 'cam-02') expect(after[id]).toEqual(before[id]);
      // The indicator is red. Read once painted: a live update may redraw the tile's body between two reads
      // (a fresh-clone CI run once read an empty computed colour here).
      const LAN = '[data-testid="tile"][data-device="cam-02"] .pathind[data-net="lan"]';
      await until(w, (sel) => { const el = document.querySelector(sel); return !!el && getComputedStyle(el).backgroundColor !== ''; }, LAN, 3_000);
      const colour = await w.page.$eval(LAN, (el) => getComputedStyle(el).backgroundColor);
      // When it is not red, say what the page held (an empty computed colour has been seen, cause unknown).
      const why = colour === 'rgb(239, 83, 80)' ? '' : await w.page.evaluate((sel) => JSON.stringify([...document.querySelectorAll(sel)].map((el) => ({
        html: el.outerHTML, connected: el.isConnected, bg: getComputedStyle(el).backgroundColor, display: getComputedStyle(el).display, visibility: document.visibilityState,
      }))), LAN);
      expect(colour.replace(/\s/g, ''), why).toBe('rgb(239,83,80)');
      // The Inventory says which path is down, in its LAN and Tailscale columns.
      await w.page.click('nav a[data-view="inventory"]');
      const row = 'tr[data-device="cam-02"]';
      await w.page.waitForSelector(`${row} [data-testid="path-lan"]`);
      expect(await w.page.textContent(`${row} [data-testid="path-lan"]`)).toBe('down');
      expect(await w.page.textContent(`${row} [data-testid="path-tailscale"]`)).toBe('up');
      expect(await w.page.textContent('tr[data-device="cam-01"] [data-testid="path-lan"]')).toBe('up');
    } finally {
      await dash.rig!.applyFault('cam-02', { mode: 'ok' });
    }
  }, 60_000);

  it('saves the board at 1400, 1024 and 390 px', async () => {
    for (const [width, height] of [[1400, 900], [1024, 768], [390, 844]] as const) {
      const w = await view(LAN_VIEW_HOST, '#/board', { width, height });
      // For the picture: every tile known (on a loaded machine a path may be flapping; the picture shows it as it is).
      await until(w, () => [...document.querySelectorAll('[data-testid="tile"]')].every((t) => t.getAttribute('data-state') !== 'unknown'), null, 40_000);
      await w.page.screenshot({ path: shot(`board-${width}`) });
      const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }
  }, 90_000);
});

describe('live preview', () => {
  it('plays the node\'s live preview in the panel, straight from the node', async () => {
    const w = await view(LAN_VIEW_HOST, '#/board');
    await w.page.click('[data-testid="tile"][data-device="cam-01"]');
    const img = w.page.locator('#panel img[data-testid="preview"]');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^http:\/\/127\.34\.3\.\d+:\d+\/api\/v1\/preview\.mjpeg/);
    expect(await moves(img)).toBe(true);
  }, 60_000);

  it('switches a tailnet viewer to rigmap\'s relay when its path goes down, and back', async () => {
    const w = await view(TAILNET_HOST, '#/board');
    expect(await w.page.getAttribute('#viewer-badge', 'data-network')).toBe('tailscale');
    await until(w, () => document.querySelector('[data-testid="tile"][data-device="cam-03"]')?.getAttribute('data-tailscale') === 'up', null, 20_000);
    await w.page.click('[data-testid="tile"][data-device="cam-03"]');
    const img = w.page.locator('#panel img[data-testid="preview"]');
    await img.waitFor();
    expect(await img.getAttribute('src')).toMatch(/^http:\/\/127\.134\.3\.\d+:\d+\/api\/v1\/preview\.mjpeg/);
    await dash.rig!.applyFault('cam-03', { mode: 'tailscale-down' });
    try {
      await until(w, () => document.querySelector('#panel img[data-testid="preview"]')?.getAttribute('data-via') === 'relay', null, 10_000);
      expect(await img.getAttribute('src')).toMatch(/^\/api\/devices\/cam-03\/preview\.mjpeg/);
      expect(await moves(img)).toBe(true);
    } finally {
      await dash.rig!.applyFault('cam-03', { mode: 'ok' });
    }
    await until(w, () => document.querySelector('#panel img[data-testid="preview"]')?.getAttribute('data-via') === 'direct', null, 20_000);
  }, 90_000);

  it('shows moving frames on the contact sheet in live mode', async () => {
    const w = await view(LAN_VIEW_HOST, '#/contacts', { width: 1400, height: 900 });
    await w.page.click('#view-contacts button[data-action="live"]');
    const cams = dash.rig!.nodes.filter((n) => n.role === 'camera').map((n) => n.id);
    await until(w, (ids) => ids.every((id) => {
      const i = document.querySelector<HTMLImageElement>(`#view-contacts article[data-device="${id}"] img.snapshot`);
      return i !== null && /preview\.mjpeg/.test(i.src) && i.naturalWidth > 0;
    }), cams, 20_000);
    for (const id of cams.slice(0, 2)) expect(await moves(w.page.locator(`#view-contacts article[data-device="${id}"] img.snapshot`))).toBe(true);
    await w.page.screenshot({ path: shot('contacts-live') });
  }, 60_000);
});
