/**
 * Cameras behind a hotspot that is polled slowly (the 5 s default) still fold
 * into the hotspot's one alert: their streams are cut at once, so before
 * raising anything of their own they have the hotspot probed now.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';

let h: HealthHarness;

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.0.11.0/24', tailnetCidr: '127.111.0.0/16', nodes: 2, extras: true });
  const slow = await fetch(`${h.server.url}/api/devices/hotspot`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ probeIntervalMs: 5000 }) });
  expect(slow.status).toBe(200);
  await eventually('every device up', async () => {
    for (const n of h.sim.nodes) if ((await h.health(n.id)).state !== 'up') return false;
    return true;
  }, 20_000);
}, 40_000);
afterAll(async () => h?.close());

describe('devices behind a slowly polled upstream', () => {
  it('fold into the upstream alert instead of raising their own', async () => {
    await pause(1000);
    const before = h.hooks.length;
    h.sim.setFault('hotspot', { mode: 'down' });
    const hot = await eventually('hotspot alert with both cameras folded', async () => {
      const { open } = await h.get<{ open: Alert[] }>('/api/alerts');
      const a = open.find((x) => x.deviceId === 'hotspot' && x.kind === 'device_lost');
      return a && a.folded.includes('cam-01') && a.folded.includes('cam-02') ? a : null;
    }, 20_000);
    await pause(1500);
    const raised = h.hooks.slice(before).filter((x) => x.event === 'alert.raised');
    expect(raised.map((x) => `${x.alert.kind}:${x.alert.deviceId}`)).toEqual(['device_lost:hotspot']);
    expect(hot.folded).toEqual(expect.arrayContaining(['cam-01', 'cam-02']));
    h.sim.setFault('hotspot', { mode: 'ok' });
  }, 60_000);
});
