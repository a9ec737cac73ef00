/**
 * After a whole device was down, a path that is merely slower to come back is
 * not reported as lost on its own: the path-lost hold counts from when the
 * device became reachable again, not from when the path went down with it.
 * A path that stays down while the device is reachable still raises path-lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';

const HOLD = 6000;
let h: HealthHarness;
const pathState = async (network: string) => (await h.health('cam-01')).paths.find((p) => p.network === network)?.state;
const raised = () => h.hooks.filter((x) => x.event === 'alert.raised' && x.alert.deviceId === 'cam-01');

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.0.10.0/24', tailnetCidr: '127.110.0.0/16', nodes: 1, settings: { alertHoldMs: HOLD, alertSettleMs: 600 } });
  await eventually('cam-01 up', async () => (await h.health('cam-01')).state === 'up');
}, 30_000);
afterAll(async () => h?.close());

describe('path lost after a device outage', () => {
  it('a path lagging behind the device after an outage raises nothing; a path that stays down does', async () => {
    // Whole device down for half the hold: no device-lost yet.
    h.sim.setFault('cam-01', { mode: 'down' });
    await eventually('both paths down', async () => (await h.health('cam-01')).state === 'down');
    const down = Date.now();
    await pause(HOLD / 2);
    // Tailscale comes back, the LAN lags: its own down transition is now older than the hold…
    h.sim.setFault('cam-01', { mode: 'lan-down' });
    await eventually('degraded', async () => (await h.health('cam-01')).state === 'degraded');
    await pause(Math.max(0, down + HOLD + 1000 - Date.now()));
    // …but it comes back well within the hold counted from when the device was reachable.
    h.sim.setFault('cam-01', { mode: 'ok' });
    await eventually('LAN back', async () => (await pathState('lan')) === 'up');
    await pause(HOLD / 2 + 1000);
    expect(raised().map((x) => x.alert.kind)).toEqual([]);

    // Control: the LAN path really lost while the device stays reachable raises path-lost.
    h.sim.setFault('cam-01', { mode: 'lan-down' });
    const lost = await eventually('path-lost raised', () => raised().find((x) => x.alert.kind === 'path_lost'), HOLD + 10_000);
    expect(lost.alert.network).toBe('lan');
    expect(raised()).toHaveLength(1);
    h.sim.setFault('cam-01', { mode: 'ok' });
  }, 60_000);
});
