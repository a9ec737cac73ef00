/**
 * The graph as a hierarchy by upstream: no network hubs, cameras below the
 * hotspot they link to, path states as badges on the device, edge labels only
 * on hover or selection, and no two device labels overlapping, for the demo
 * rig (8 cameras and extras) and for 30 cameras. Inventory only: addresses
 * outside the probe scope, so nothing is probed. Addresses: 127.34.4.0/24 and
 * 127.134.4.0/24 in the manifest, scope 127.34.5.0/24 (none of them).
 */
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildLayout, buildManifest } from '../../src/sim/layout.ts';
import { LAN_VIEW_HOST, launchBrowser, openDashboard, SCREENSHOT_DIR, startDashboard, type Dashboard, type WatchedPage } from './harness.ts';

let browser: Browser;
let dashes: Dashboard[] = [];
let open: WatchedPage[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
}, 60_000);
afterEach(async () => {
  const errors = open.flatMap((w) => w.errors);
  await Promise.all(open.map((w) => w.page.close()));
  open = [];
  await Promise.all(dashes.map((d) => d.close()));
  dashes = [];
  expect(errors, 'console errors in the dashboard').toEqual([]);
});
afterAll(async () => browser?.close());

async function graphOf(cameras: number): Promise<WatchedPage> {
  const specs = buildLayout({ nodes: cameras, lanCidr: '127.34.4.0/24', tailnetCidr: '127.134.4.0/24', extras: true, idPrefix: 'cam' }).map((s) => ({ ...s, port: 8080 }));
  const dash = await startDashboard({ nodes: null, inventory: buildManifest(specs, `Layout ${cameras}`), config: { probeCidrs: '127.34.5.0/24' } });
  dashes.push(dash);
  const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/#/graph`, { width: 1400, height: 900 }, dash.authHeaders);
  open.push(w);
  return w;
}

/** Pairs of device labels whose drawn boxes intersect. */
const overlaps = (w: WatchedPage) => w.page.evaluate(() => {
  const boxes = window.rigmap!.graph.cy.nodes('.device').map((n) => ({ id: n.id(), b: n.boundingBox({ includeLabels: true, includeNodes: false, includeEdges: false, includeOverlays: false }) }));
  const hits: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!.b;
      const b = boxes[j]!.b;
      if (a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2) hits.push(`${boxes[i]!.id}/${boxes[j]!.id}`);
    }
  }
  return hits;
});

describe('graph layout', () => {
  for (const cameras of [8, 30]) {
    it(`draws ${cameras} cameras under their hotspot with no overlapping labels`, async () => {
      const w = await graphOf(cameras);
      const info = await w.page.evaluate(() => {
        const cy = window.rigmap!.graph.cy;
        const top = cy.nodes('[role="hotspot"]').first().position().y;
        const cams = cy.nodes('[role="camera"]').map((c) => ({ y: c.position().y, badge: c.data('badge') as unknown, lan: c.data('lan') as unknown }));
        return {
          networks: cy.nodes('.network').length,
          below: cams.every((c) => c.y > top),
          badges: cams.every((c) => typeof c.badge === 'string' && c.lan === 'out_of_scope'),
          edgeLabels: cy.edges().map((e) => e.style('label') as string).filter(Boolean).length,
        };
      });
      expect(info).toEqual({ networks: 0, below: true, badges: true, edgeLabels: 0 });
      expect(await overlaps(w)).toEqual([]);
      await w.page.screenshot({ path: fileURLToPath(new URL(`graph-${cameras}.png`, SCREENSHOT_DIR)) });
      // Selecting a camera shows the label of its link, and only that one.
      const shown = await w.page.evaluate(() => {
        const cy = window.rigmap!.graph.cy;
        cy.getElementById('dev:cam-01').select();
        return cy.edges().filter((e) => (e.style('label') as string) !== '').map((e) => e.data('label') as string);
      });
      expect(shown).toEqual(['wifi']);
    }, 60_000);
  }
});
