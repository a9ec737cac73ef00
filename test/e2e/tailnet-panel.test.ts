/**
 * The device panel shows tailscaled's own ping beside the Tailscale path, from
 * a running server whose Local API (a fake tailscaled on a unix socket) is
 * pinged every second; a relayed path raises tailnet_relayed in the alerts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.ts';
import { type FakeLocalApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';
import { type Dashboard, LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard } from './harness.ts';

let dash: Dashboard;
let browser: Browser;
let local: FakeLocalApi;
const sockDir = mkdtempSync(join(tmpdir(), 'rigmap-e2e-tailnet-'));

beforeAll(async () => {
  local = await startFakeLocalApi(join(sockDir, 'tailscaled.sock'));
  const vps = Object.values<any>(local.status.Peer).find((p) => p.HostName === 'vps');
  Object.assign(vps, { Active: true, CurAddr: '198.51.100.7:41641', Relay: 'waw' });
  local.pingLatency.set(vps.TailscaleIPs[0], 0.0071);
  [dash, browser] = await Promise.all([
    startDashboard({ nodes: null, config: { host: '127.0.0.1', tailscaleSocket: local.socketPath, tailscaleSync: 'off', tailnetPingSec: 1, tailnetRelayedSec: 1, probes: 'off', bonjour: false } }),
    launchBrowser(),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dash?.close();
  await local?.close();
  rmSync(sockDir, { recursive: true, force: true });
});

describe('tailnet path in the dashboard', () => {
  it('the panel shows tailscaled ping beside the path; a DERP fallback raises tailnet_relayed', async () => {
    const base = dash.urlFrom(LAN_VIEW_HOST);
    const res = await fetch(`${base}/api/tailscale/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'local' }) });
    expect(res.status).toBe(200);
    await eventually('a ping of vps', async () => (await (await fetch(`${base}/api/devices/vps/health`)).json()).tailnet?.ping?.via === 'direct');

    const w = await openDashboard(browser, `${base}/`);
    try {
      await w.page.evaluate(() => void window.rigmap!.graph.cy.getElementById('dev:vps').emit('tap'));
      await w.page.waitForSelector('#panel [data-testid="ts-ping"]', { timeout: 15_000 });
      expect(await w.page.textContent('#panel [data-testid="ts-quality"]')).toContain('tailscaled ping 7.1 ms (direct)');
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }

    const vps = Object.values<any>(local.status.Peer).find((p) => p.HostName === 'vps');
    vps.CurAddr = '';
    const alert = await eventually('tailnet_relayed in /api/alerts', async () => {
      const doc = await (await fetch(`${base}/api/alerts`)).json();
      return doc.open.find((a: { kind: string; deviceId: string }) => a.kind === 'tailnet_relayed' && a.deviceId === 'vps');
    });
    expect(alert.message).toContain('relayed through DERP "waw"');
  }, 90_000);
});
