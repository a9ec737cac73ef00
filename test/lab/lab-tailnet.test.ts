/**
 * The tailnet drops while the LAN stays (its bridge goes down: every Tailscale
 * path silent): every camera is degraded, and one alert names the tailnet
 * instead of one per camera.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RigLab, startLab } from './rig-lab.ts';
import { alertTags, alertsOf, healthOf, labSkipReason, labTitle, lastAlertId, raisedSince, waitAllUp, waitUntil } from './lab-helpers.ts';

let lab: RigLab;

describe.skipIf(!!labSkipReason)(labTitle('rig lab: tailnet down, LAN up'), () => {
  beforeAll(async () => {
    lab = await startLab({ tag: 'ts', octet: 3 });
    await waitAllUp(lab);
  }, 180_000);
  afterAll(() => lab?.close());

  it('every camera degraded; one alert naming the tailnet, not one per camera', async () => {
    const since = await lastAlertId(lab);
    lab.tailnetDown();
    try {
      await waitUntil('every camera degraded', 15_000, async () => {
        for (const id of lab.cameraIds) if ((await healthOf(lab, id)).state !== 'degraded') return false;
        return true;
      });
      const alert = await waitUntil('the tailnet alert with 5 folded', 15_000, async () => {
        const a = (await alertsOf(lab)).open.find((x) => x.kind === 'network_lost');
        return a?.folded.length === 5 ? a : null;
      });
      expect(alert).toMatchObject({ deviceId: 'tailnet', network: 'tailscale' });
      expect(alert.message).toMatch(/Tailscale/);
      await new Promise((r) => setTimeout(r, 4000));
      const raised = await raisedSince(lab, since);
      expect(alertTags(raised), lab.output()).toEqual(['network_lost:tailnet:tailscale']);
      expect((await healthOf(lab, 'hotspot')).state).toBe('up');
    } finally {
      lab.tailnetUp();
    }
    await waitUntil('the tailnet alert resolved', 30_000, async () => (await alertsOf(lab)).open.length === 0);
  }, 90_000);
});
