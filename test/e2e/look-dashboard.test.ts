/**
 * One look in the dashboard (issue 23), headless Chromium under the real CSP
 * against a real server and a simulated rig (3 camera nodes, 1 Blackmagic camera):
 * Group control's Settings field applies a value and shows the per-camera report
 * (a camera with auto exposure on refuses ISO in crew words); the Scene/Take
 * inputs put the slate on every camera at the start; the board tile marks the
 * odd camera out when one records another format.
 * Addresses: LAN 127.65.40.0/24, tailnet 127.65.140.0/24.
 */
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import { type Dashboard, LAN_VIEW_HOST, launchBrowser, pageTracker, startDashboard, until } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
const pages = pageTracker(() => browser, () => dash);
const view = (hash: string) => pages.view(LAN_VIEW_HOST, hash);
const CAMERAS = ['bmd-01', 'cam-01', 'cam-02', 'cam-03'];

const simStatus = (id: string) => dash.rig!.describe().find((n) => n.id === id)!.status as Record<string, unknown>;
const health = async (id: string) => (await (await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/devices/${id}/health`, { headers: dash.authHeaders })).json()) as DeviceHealth;

/** Wait (bounded, by asking the server) until every camera is up and has told its format. */
async function camerasTold(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const all = await Promise.all(CAMERAS.map(health));
    if (all.every((h) => h.state === 'up' && h.status?.look?.format)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the cameras never told their looks');
}

beforeAll(async () => {
  [dash, browser] = await Promise.all([
    startDashboard({ nodes: 3, sim: { blackmagic: 1, extras: false, lanCidr: '127.65.40.0/24', tailnetCidr: '127.65.140.0/24', heartbeatMs: 250 }, config: { tailnetCidrs: '127.65.140.0/24', logLevel: 'silent' } }),
    launchBrowser(),
  ]);
  await camerasTold();
}, 120_000);

afterEach(async () => expect(await pages.closeAll(), 'console errors in the dashboard').toEqual([]));

afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('one look in the dashboard', () => {
  it('Group control\'s Settings field applies the values and shows the report per camera, with the refusal\'s reason', async () => {
    await dash.rig!.setLook('cam-02', { autoExposure: 'Continuous' });
    try {
      const { page } = await view('');
      await page.click('nav a[data-view="commands"]');
      await page.fill('[data-testid="settings-input"]', 'iso=800 wb=4300');
      await page.click('[data-testid="settings-form"] button[type="submit"]');
      const rows = '[data-testid="commands-results"] tbody tr';
      await page.waitForSelector(`${rows} >> nth=3`, { timeout: 30_000 });
      expect(await page.textContent('#view-commands [data-slot="summary"]')).toBe('settings: 3 of 4 camera(s) applied and read back; 1 not');
      const byDevice = Object.fromEntries(await page.$$eval(rows, (trs) => trs.map((tr) => [tr.getAttribute('data-device'), [...tr.querySelectorAll('td')].slice(1, 3).map((td) => td.textContent!.trim())])));
      expect(byDevice).toEqual({
        'bmd-01': ['✔ applied and read back', ''],
        'cam-01': ['✔ applied and read back', ''],
        'cam-02': ['✖ partly', 'iso=800: refused, locked while auto exposure is on'],
        'cam-03': ['✔ applied and read back', ''],
      });
      // What the cameras themselves now say.
      for (const id of ['bmd-01', 'cam-01', 'cam-03']) expect((await health(id)).status?.look).toMatchObject({ iso: 800, whiteBalance: 4300 });
    } finally {
      await dash.rig!.setLook('cam-02', { autoExposure: 'Off' });
    }
  }, 60_000);

  it('the Scene and Take inputs slate every camera when Group control starts recording', async () => {
    const { page } = await view('');
    await page.click('nav a[data-view="commands"]');
    await page.fill('[data-testid="commands-scene"]', '7B');
    await page.fill('#view-commands input[name="take"]', '2');
    await page.click('#view-commands button[value="record.start"]');
    await until({ page, errors: [] }, () => /^record\.start: 4 of 4 ok$/.test(document.querySelector('#view-commands [data-slot="summary"]')?.textContent ?? ''), null, 30_000);
    try {
      // Each camera received the take: the Blackmagic one its slate, the camera nodes the clip name in record.start.
      expect(simStatus('bmd-01')).toMatchObject({ recording: true, clipName: expect.stringMatching(/^S7B_T02_[A-Z]$/), lastSlate: { scene: '7B', take: 2 } });
      const clips = ['bmd-01', 'cam-01', 'cam-02', 'cam-03'].map((id) => (id === 'bmd-01' ? simStatus(id).clipName : (simStatus(id).recording as { clip: string }).clip) as string);
      for (const clip of clips) expect(clip).toMatch(/^S7B_T02_[A-Z]$/);
      // One letter per camera.
      expect(new Set(clips).size).toBe(4);
    } finally {
      await page.click('#view-commands button[value="record.stop"]');
      await until({ page, errors: [] }, () => /^record\.stop: 4 of 4 ok$/.test(document.querySelector('#view-commands [data-slot="summary"]')?.textContent ?? ''), null, 30_000);
    }
  }, 60_000);

  it('the board tile marks the odd camera out when one records another format', async () => {
    const { page } = await view('#/board');
    const look = (id: string) => `[data-testid="tile"][data-device="${id}"] [data-testid="tile-look"]`;
    await page.waitForSelector(look('cam-03'), { timeout: 20_000 });
    expect(await page.locator('[data-testid="tile-look"].odd').count()).toBe(0);
    await dash.rig!.setLook('cam-03', { format: '1920x1080p30' });
    try {
      await until({ page, errors: [] }, (sel) => !!document.querySelector(`${sel}.odd .odd-mark`), look('cam-03'), 20_000);
      const name = dash.rig!.nodes.find((n) => n.id === 'cam-03')!.name;
      expect(await page.getAttribute(look('cam-03'), 'title')).toBe(`${name} records 1920x1080p30; the other 3 cameras record 1920x1080p60`);
      expect(await page.textContent(look('cam-03'))).toMatch(/^≠ 1920x1080p30/);
      // Only the odd one is marked.
      expect(await page.$$eval('[data-testid="tile"]:has([data-testid="tile-look"].odd)', (ts) => ts.map((t) => t.getAttribute('data-device')))).toEqual(['cam-03']);
      expect(await page.getAttribute('[data-testid="tile"][data-device="cam-03"]', 'aria-label')).toContain('records 1920x1080p30');
      await until({ page, errors: [] }, () => /Cam .* records 1920x1080p30; the other 3 cameras record 1920x1080p60/.test(document.querySelector('[data-testid="rig-summary"]')?.textContent ?? ''), null, 20_000);
    } finally {
      await dash.rig!.setLook('cam-03', { format: '1920x1080p60' });
    }
    await until({ page, errors: [] }, () => document.querySelectorAll('[data-testid="tile-look"].odd').length === 0, null, 20_000);
  }, 60_000);
});
