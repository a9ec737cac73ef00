/**
 * A phone running Blackmagic Camera on the board at 390 px: stills mode asks
 * nothing of the phone ("live on request"); live thumbnails show its picture,
 * received by rigmap over SRT (real ffmpeg both ends); the panel joins the
 * running preview and shows stream health (status, bitrate, send buffer,
 * format) and the cost. Addresses: phones 127.156.7.0/24 (LAN),
 * 127.156.107.0/24 (tailnet); rigmap's SRT listener 127.156.7.250.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { HARNESS_TAILNET, LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard, type Dashboard } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
let sim: SimRig;

beforeAll(async () => {
  sim = await startSimRig({ nodes: 0, phones: 1, extras: false, heartbeatMs: 250, lanCidr: '127.156.7.0/24', tailnetCidr: '127.156.107.0/24', port: 0 });
  [dash, browser] = await Promise.all([
    startDashboard({ nodes: null, inventory: sim.manifest({ rigName: 'Phone rig' }), config: { tailnetCidrs: `127.156.107.0/24,${HARNESS_TAILNET}`, phonePreviewAddress: '127.156.7.250', phonePreviewLingerS: 2, probeIntervalMs: 500 } }),
    launchBrowser(),
  ]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await sim?.close();
});

const livestream = () => (sim.describe()[0]!.status as { livestream: { status: string; customPlatforms: string[] } }).livestream;

describe('a phone on the board', () => {
  it('shows a live picture at 390 px and the panel shows stream health', async () => {
    const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/#/board`, { width: 390, height: 844 }, dash.authHeaders);
    try {
      const tile = '[data-testid="tile"][data-device="phone-01"]';
      await w.page.waitForSelector(`${tile} [data-testid="live-on-request"]`, { timeout: 20_000 });
      expect(livestream().status, 'stills never start a stream').toBe('Idle');
      await w.page.click('#view-board button[data-action="live"]');
      // A decoded picture in the tile, and a second, different one later (the test pattern moves).
      const src = async () => w.page.evaluate((sel) => {
        const i = document.querySelector<HTMLImageElement>(`${sel} img.thumb`);
        return i && i.naturalWidth > 0 && i.src.startsWith('blob:') ? i.src : null;
      }, tile);
      await w.page.waitForFunction((sel) => {
        const i = document.querySelector<HTMLImageElement>(`${sel} img.thumb`);
        return !!i && i.naturalWidth > 0 && i.src.startsWith('blob:');
      }, tile, { timeout: 30_000 });
      const first = await src();
      await w.page.waitForFunction(([sel, was]) => {
        const i = document.querySelector<HTMLImageElement>(`${sel} img.thumb`);
        return !!i && i.naturalWidth > 0 && i.src !== was;
      }, [tile, first] as const, { timeout: 15_000 });
      // The phone reports Streaming from its encoder's progress (every 0.5 s), a moment after its first frames.
      await waitFor(() => livestream().status === 'Streaming', 10_000);
      const overflow = await w.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);

      await w.page.click(tile);
      await w.page.waitForFunction(() => document.querySelector('#panel [data-field="status"]')?.textContent?.trim() === 'Streaming', undefined, { timeout: 20_000 });
      expect(await w.page.textContent('#panel [data-field="bitrate"]')).toMatch(/^\d+\.\d Mbit\/s$/);
      expect(await w.page.textContent('#panel [data-field="cache"]')).toMatch(/^\d+ %$/);
      expect((await w.page.textContent('#panel [data-field="format"]'))?.trim()).toBe('640x360p10');
      expect(await w.page.textContent('#panel [data-slot="cost"]')).toMatch(/battery.*2 Mbit\/s on the hotspot/);
      // The panel joined the running stream: its picture plays, no button to press.
      await w.page.waitForFunction(() => (document.querySelector<HTMLImageElement>('#panel img[data-testid="preview"]')?.naturalWidth ?? 0) > 0, undefined, { timeout: 20_000 });
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }
    // Nobody watching: the phone stops and gets its destination back.
    await waitFor(() => livestream().status === 'Idle' && livestream().customPlatforms.length === 0, 30_000);
  }, 120_000);
});

async function waitFor(fn: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 200));
  }
}
