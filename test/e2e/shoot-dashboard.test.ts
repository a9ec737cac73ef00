/**
 * The shoot in the dashboard (headless Chromium): Group control's "Start at" starts
 * the simulated cameras together and shows each one verified; the rig summary line
 * shows how many record, the shortest runway and how far apart the clocks are.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { type Dashboard, LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard } from './harness.ts';

let dash: Dashboard;
let sim: SimRig;
let browser: Browser;

beforeAll(async () => {
  dash = await startDashboard({ nodes: null, config: { logLevel: 'silent' } });
  sim = await startSimRig({ nodes: 3, extras: false, port: 0, lanCidr: '127.35.4.0/24', tailnetCidr: '127.135.4.0/24', heartbeatMs: 250 });
  await sim.applyFault('cam-02', { mode: 'clock-skew', ms: 500 });
  const res = await fetch(`${dash.urlFrom(LAN_VIEW_HOST)}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json', ...dash.authHeaders }, body: JSON.stringify(sim.manifest({ rigName: 'Shoot rig' })) });
  if (!res.ok) throw new Error(`import failed: ${res.status}`);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sim?.close();
  await dash?.close();
});

describe('shoot in the dashboard', () => {
  it('starts every camera at one instant from Group control, shows each verified, and sums the rig up', async () => {
    const { page, errors } = await openDashboard(browser, dash.urlFrom(LAN_VIEW_HOST), undefined, dash.authHeaders);
    const summary = page.locator('[data-testid="rig-summary"]');
    await page.waitForFunction(() => /0\/3 recording/.test(document.querySelector('[data-testid="rig-summary"]')?.textContent ?? ''), undefined, { timeout: 20_000 });
    await page.click('nav a[data-view="commands"]');
    await page.fill('[data-testid="commands-at"]', '+2s');
    await page.click('#view-commands button[value="record.start"]');
    await page.waitForSelector('[data-testid="commands-results"] tbody tr[data-verified] >> nth=2', { timeout: 20_000 });
    expect(await page.locator('[data-testid="commands-results"] tbody tr[data-verified="true"]').count()).toBe(3);
    expect(await page.textContent('#view-commands [data-slot="summary"]')).toMatch(/^record\.start at .+: 3 of 3 verified within 33 ms · start spread [\d.]+ ms$/);
    expect(await page.textContent('[data-testid="commands-results"] tr[data-device="cam-02"]')).toMatch(/✔ verified.*(49\d|50\d|51\d)(\.\d)? ±/s);
    await page.waitForFunction(() => /^3\/3 recording · shortest runway \d+ min \(cam-0\d, (storage|battery)\) · clocks within (4[89]\d|5[01]\d) ms · formats match \(3 cameras, 1920x1080p60\)$/.test(document.querySelector('[data-testid="rig-summary"]')?.textContent ?? ''), undefined, { timeout: 20_000 });
    expect(await summary.isVisible()).toBe(true);
    expect(errors).toEqual([]);
  });
});
