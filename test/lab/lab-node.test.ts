/**
 * One node in trouble on a real network, at 1 s heartbeats: it walks out of
 * range (blackhole routes: silent) and comes back; its app freezes (SIGSTOP: the
 * kernel still accepts); its app crashes (kill: refused). Each is its own alert.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RigLab, startLab } from './rig-lab.ts';
import { alertTags, alertsOf, healthOf, labSkipReason, labTitle, lastAlertId, raisedSince, waitAllUp, waitUntil } from './lab-helpers.ts';

let lab: RigLab;

describe.skipIf(!!labSkipReason)(labTitle('rig lab: one node in trouble'), () => {
  beforeAll(async () => {
    lab = await startLab({ tag: 'node', octet: 2, cameras: 3 });
  }, 120_000);
  afterAll(() => lab?.close());
  beforeEach(async () => {
    await waitAllUp(lab);
  }, 120_000);

  it('walks out of range: device_lost within 3 s; back within 3 s of the route returning', async () => {
    const since = await lastAlertId(lab);
    let t0 = Date.now();
    lab.walkAway('cam-02');
    try {
      await waitUntil('cam-02 device_lost', 3000, async () => (await alertsOf(lab)).open.some((a) => a.deviceId === 'cam-02' && a.kind === 'device_lost'));
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      lab.walkBack('cam-02');
      t0 = Date.now();
    }
    await waitUntil('cam-02 back', 3000, async () => (await healthOf(lab, 'cam-02')).state === 'up');
    expect(Date.now() - t0).toBeLessThan(3000);
    const raised = await raisedSince(lab, since);
    expect(alertTags(raised), lab.output()).toEqual(['device_lost:cam-02']);
  }, 60_000);

  it('frozen app (SIGSTOP): down within 3 s, up again once it runs', async () => {
    const t0 = Date.now();
    lab.freeze('cam-03');
    try {
      await waitUntil('cam-03 down', 3000, async () => (await healthOf(lab, 'cam-03')).state === 'down');
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      lab.thaw('cam-03');
    }
    await waitUntil('cam-03 up again', 30_000, async () => (await healthOf(lab, 'cam-03')).state === 'up');
  }, 60_000);

  it('crashed app (kill): refused, device_lost of its own; the others stay up', async () => {
    lab.crash('cam-01');
    // The kernel closes its streams at once, and every new connection is refused.
    const h = await waitUntil('cam-01 down and refused on both paths', 15_000, async () => {
      const x = await healthOf(lab, 'cam-01');
      return x.state === 'down' && x.paths.every((p) => /ECONNREFUSED/.test(p.lastError ?? '')) ? x : null;
    });
    expect(h.paths).toHaveLength(2);
    await waitUntil('cam-01 device_lost', 10_000, async () => (await alertsOf(lab)).open.some((a) => a.deviceId === 'cam-01' && a.kind === 'device_lost'));
    for (const id of ['cam-02', 'cam-03', 'hotspot']) expect((await healthOf(lab, id)).state).toBe('up');
  }, 60_000);
});
