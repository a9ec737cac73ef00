/**
 * The link a notice carries back to rigmap (Alertmanager's generatorURL,
 * `<public URL>/#graph?device=<id>`) opens that device's panel in the dashboard,
 * on load and when the hash changes. Devices sit on 127.38.7.0/24 with no node
 * behind them: the panel needs only the map.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devicePanelUrl } from '../../src/topology/alerts/notifiers/alertmanager.ts';
import { LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard, type Dashboard } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
const inventory = {
  version: 1,
  rig: { name: 'Fleet link rig' },
  devices: ['a', 'b'].map((x) => ({ id: `cam-${x}`, name: `Cam ${x.toUpperCase()}`, role: 'camera', addresses: [{ network: 'lan', ip: `127.38.7.${x === 'a' ? 1 : 2}` }] })),
};

beforeAll(async () => {
  dash = await startDashboard({ nodes: null, inventory });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await dash?.close();
});

describe('links from notices', () => {
  it('open the device panel from #graph?device=<id>, on load and on a hash change', async () => {
    const url = devicePanelUrl(dash.urlFrom(LAN_VIEW_HOST), 'cam-b');
    const w = await openDashboard(browser, url, undefined, dash.authHeaders);
    try {
      await w.page.waitForSelector('#panel:not([hidden]) h2', { timeout: 10_000 });
      expect((await w.page.textContent('#panel h2'))?.trim()).toBe('Cam B');
      await w.page.evaluate(() => { location.hash = '#graph?device=cam-a'; });
      await w.page.waitForFunction(() => document.querySelector('#panel h2')?.textContent?.trim() === 'Cam A', undefined, { timeout: 10_000 });
      // An unknown id opens nothing and breaks nothing.
      await w.page.evaluate(() => { location.hash = '#graph?device=nope'; });
      expect((await w.page.textContent('#panel h2'))?.trim()).toBe('Cam A');
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }
  });
});
