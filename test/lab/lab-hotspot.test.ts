/**
 * The hotspot dies silently on a real network (its bridge goes down: every LAN
 * path goes quiet, nothing is refused). rigmap raises exactly one alert, the
 * hotspot's, with the five cameras folded, within 5 s; none of its own per camera.
 * When one camera is also lost on its tailnet path, it raises its own device_lost
 * and the hotspot's alert covers the other four only.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RigLab, startLab } from './rig-lab.ts';
import { alertTags, alertsOf, labSkipReason, labTitle, lastAlertId, raisedSince, waitAllUp, waitUntil } from './lab-helpers.ts';

let lab: RigLab;

describe.skipIf(!!labSkipReason)(labTitle('rig lab: silent hotspot outage'), () => {
  beforeAll(async () => {
    lab = await startLab({ tag: 'hs', octet: 1 });
  }, 120_000);
  afterAll(() => lab?.close());
  beforeEach(async () => {
    await waitAllUp(lab);
  }, 120_000);

  it('one alert, the hotspot\'s, with all five cameras folded, within 5 s; no camera alert', async () => {
    const since = await lastAlertId(lab);
    const t0 = Date.now();
    lab.hotspotDown();
    try {
      const hot = await waitUntil('hotspot alert with 5 folded', 5000, async () => {
        const a = (await alertsOf(lab)).open.find((x) => x.deviceId === 'hotspot' && x.kind === 'device_lost');
        return a && a.folded.length === 5 ? a : null;
      });
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(hot.folded).toEqual(lab.cameraIds);
      // Let every camera's own hold and look-again pass: still nothing of their own.
      await new Promise((r) => setTimeout(r, 4000));
      const raised = await raisedSince(lab, since);
      expect(alertTags(raised), lab.output()).toEqual(['device_lost:hotspot']);
    } finally {
      lab.hotspotUp();
    }
  }, 60_000);

  it('a camera also lost on its tailnet path raises its own device_lost; the hotspot covers the other four', async () => {
    const since = await lastAlertId(lab);
    lab.dropTailnetOf('cam-05');
    lab.hotspotDown();
    try {
      await waitUntil('cam-05 device_lost and the hotspot with 4 folded', 15_000, async () => {
        const { open } = await alertsOf(lab);
        const hot = open.find((x) => x.deviceId === 'hotspot' && x.kind === 'device_lost');
        return hot?.folded.length === 4 && open.some((x) => x.deviceId === 'cam-05' && x.kind === 'device_lost');
      });
      await new Promise((r) => setTimeout(r, 4000));
      const raised = await raisedSince(lab, since);
      expect(alertTags(raised).sort(), lab.output()).toEqual(['device_lost:cam-05', 'device_lost:hotspot']);
      const hot = raised.find((a) => a.deviceId === 'hotspot')!;
      const now = (await alertsOf(lab)).open.find((a) => a.id === hot.id)!;
      expect(now.folded).toEqual(['cam-01', 'cam-02', 'cam-03', 'cam-04']);
      expect(now.message).toMatch(/does not cover cam-05/);
    } finally {
      lab.hotspotUp();
      lab.restoreTailnetOf('cam-05');
    }
  }, 60_000);
});
