/** The device panel in Chromium for a Blackmagic camera beside an iPhone: protocol, model and version, record time left. */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { HARNESS_TAILNET, LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard, type Dashboard } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
let sim: SimRig;

beforeAll(async () => {
  sim = await startSimRig({ nodes: 1, blackmagic: 1, extras: false, heartbeatMs: 250, lanCidr: '127.37.7.0/24', tailnetCidr: '127.137.7.0/24' });
  [dash, browser] = await Promise.all([startDashboard({ nodes: null, inventory: sim.manifest({ rigName: 'Mixed rig' }), config: { tailnetCidrs: `127.137.7.0/24,${HARNESS_TAILNET}` } }), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await sim?.close();
});

describe('panel of a Blackmagic camera', () => {
  it('shows the protocol, the model and version the camera reports, and its record time left', async () => {
    const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/#/inventory`, undefined, dash.authHeaders);
    try {
      await w.page.click('button[aria-label="Details of bmd-01"]');
      await w.page.waitForSelector('#panel [data-testid="camera-model"]', { timeout: 20_000 });
      expect((await w.page.textContent('#panel [data-testid="camera-protocol"]'))?.trim()).toBe('Blackmagic REST API');
      expect((await w.page.textContent('#panel [data-testid="camera-model"]'))?.trim()).toBe('Blackmagic PYXIS 6K · software 9.2');
      expect(await w.page.textContent('#panel [data-testid="camera-runway"]')).toMatch(/^\d+ min$/);
      await w.page.click('button[aria-label="Details of cam-01"]');
      await w.page.waitForFunction(() => document.querySelector('#panel [data-testid="camera-protocol"]')?.textContent?.trim() === 'camera-node contract', undefined, { timeout: 20_000 });
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }
  }, 60_000);
});
