/**
 * `sim-fault hotspot hang`: the hotspot dies silently, every LAN path behind it
 * goes quiet (held, not refused). As in the rig lab, rigmap raises one alert, the
 * hotspot's, with every device behind it folded; none of their own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';

let h: HealthHarness;

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.31.1.0/24', tailnetCidr: '127.131.1.0/24', nodes: 3, extras: true });
  await eventually('every device up', async () => {
    for (const n of h.sim.nodes) if ((await h.health(n.id)).state !== 'up') return false;
    return true;
  }, 30_000);
}, 60_000);
afterAll(async () => h?.close());

describe('a silently hanging hotspot in the simulator', () => {
  it('folds every device behind it into the hotspot alert; nothing of their own', async () => {
    const behind = h.sim.nodes.filter((n) => n.id !== 'hotspot').map((n) => n.id).sort();
    await pause(1000);
    const before = h.hooks.length;
    await h.sim.applyFault('hotspot', { mode: 'hang' });
    const hot = await eventually('hotspot alert with every device behind it folded', async () => {
      const { open } = await h.get<{ open: Alert[] }>('/api/alerts');
      const a = open.find((x) => x.deviceId === 'hotspot' && x.kind === 'device_lost');
      return a && behind.every((id) => a.folded.includes(id)) ? a : null;
    }, 20_000);
    expect(hot.folded).toEqual(behind);
    for (const id of ['cam-01', 'console']) expect((await h.health(id)).state).toBe('degraded');
    await pause(2000);
    const raised = h.hooks.slice(before).filter((x) => x.event === 'alert.raised');
    expect(raised.map((x) => `${x.alert.kind}:${x.alert.deviceId}`)).toEqual(['device_lost:hotspot']);
    await h.sim.applyFault('hotspot', { mode: 'ok' });
  }, 60_000);
});
