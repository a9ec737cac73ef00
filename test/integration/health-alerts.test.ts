/**
 * Acceptance of live health against simulated camera nodes over real HTTP:
 * down, hang, lan-down, recovery, hotspot folding, and the webhook notices.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';


let h: HealthHarness;
const alerts = () => h.get<{ open: Alert[]; recent: Alert[] }>('/api/alerts');
const allUp = async () => {
  for (const n of h.sim.nodes) if ((await h.health(n.id)).state !== 'up') return false;
  return true;
};

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.33.21.64/26', tailnetCidr: '127.133.21.0/24', nodes: 3, extras: true });
  await eventually('every device up', allUp);
}, 30_000);
afterAll(async () => h?.close());

describe('dual-path health against the simulated rig', () => {
  it('down: both paths down, one device-lost alert, then one resolved notice', async () => {
    h.sim.setFault('cam-01', { mode: 'down' });
    const down = await eventually('cam-01 down', async () => {
      const d = await h.health('cam-01');
      return d.state === 'down' ? d : null;
    });
    expect(down.paths.map((p) => p.state)).toEqual(['down', 'down']);
    expect(down.paths[0]?.lastError).toMatch(/ECONNREFUSED 127\.33\.21\.\d+:\d+|closed/);
    expect(down.transitions, JSON.stringify(down)).toEqual(expect.arrayContaining([expect.objectContaining({ to: 'down', reason: expect.stringMatching(/ECONNREFUSED|closed/) })]));
    const raised = await eventually('device-lost notice', () => {
      const list = h.hooks.filter((x) => x.event === 'alert.raised' && x.alert.deviceId === 'cam-01');
      return list.length ? list : null;
    });
    await pause(800);
    const forCam = h.hooks.filter((x) => x.alert.deviceId === 'cam-01');
    expect(forCam.map((x) => [x.event, x.alert.kind])).toEqual([['alert.raised', 'device_lost']]);
    expect(raised[0]).toMatchObject({ event: 'alert.raised', rig: expect.any(String), text: expect.stringContaining('lost'), sentAt: expect.any(String) });
    expect((await alerts()).open.filter((a) => a.deviceId === 'cam-01').map((a) => a.kind)).toEqual(['device_lost']);

    h.sim.setFault('cam-01', { mode: 'ok' });
    await eventually('resolved notice', () => h.hooks.some((x) => x.event === 'alert.resolved' && x.alert.deviceId === 'cam-01'));
    await pause(800);
    const after = h.hooks.filter((x) => x.alert.deviceId === 'cam-01').map((x) => x.event);
    expect(after).toEqual(['alert.raised', 'alert.resolved']);
    expect((await alerts()).open.filter((a) => a.deviceId === 'cam-01')).toEqual([]);
  });

  it('hang: caught by heartbeat silence', async () => {
    h.sim.setFault('cam-02', { mode: 'hang' });
    const d = await eventually('cam-02 down by silence', async () => {
      const x = await h.health('cam-02');
      return x.state === 'down' ? x : null;
    });
    expect(d.transitions.some((t) => t.to === 'down' && /heartbeat silent for \d+\.\d s/.test(t.reason))).toBe(true);
    h.sim.setFault('cam-02', { mode: 'ok' });
    await eventually('cam-02 back', async () => (await h.health('cam-02')).state === 'up');
  });

  it('lan-down: only the LAN path down, device degraded, no device-lost alert', async () => {
    const before = h.hooks.length;
    h.sim.setFault('cam-03', { mode: 'lan-down' });
    const d = await eventually('cam-03 degraded', async () => {
      const x = await h.health('cam-03');
      return x.state === 'degraded' ? x : null;
    });
    expect(Object.fromEntries(d.paths.map((p) => [p.network, p.state]))).toEqual({ lan: 'down', tailscale: 'up' });
    await eventually('path-lost notice', () => h.hooks.slice(before).some((x) => x.alert.kind === 'path_lost'));
    await pause(800);
    const mine = h.hooks.slice(before).filter((x) => x.alert.deviceId === 'cam-03');
    expect(mine.map((x) => [x.event, x.alert.kind])).toEqual([['alert.raised', 'path_lost']]);
    h.sim.setFault('cam-03', { mode: 'ok' });
    await eventually('cam-03 back', async () => (await h.health('cam-03')).state === 'up');
    await eventually('path resolved', () => h.hooks.slice(before).some((x) => x.event === 'alert.resolved' && x.alert.deviceId === 'cam-03'));
  });

  it('cameras behind a downed hotspot raise no alerts of their own: they fold into its one alert', async () => {
    await eventually('all up again', allUp);
    await pause(1000); // let earlier resolves finish
    const before = h.hooks.length;
    h.sim.setFault('hotspot', { mode: 'down' });
    await eventually('hotspot down', async () => (await h.health('hotspot')).state === 'down');
    await eventually('cameras lost their LAN path', async () => (await h.health('cam-01')).paths.find((p) => p.network === 'lan')?.state === 'down');
    const hot = await eventually('hotspot alert with folded cameras', async () => {
      const a = (await alerts()).open.find((x) => x.deviceId === 'hotspot' && x.kind === 'device_lost');
      return a && a.folded.includes('cam-01') ? a : null;
    });
    await pause(1000);
    const raised = h.hooks.slice(before).filter((x) => x.event === 'alert.raised');
    expect(raised.map((x) => x.alert.deviceId)).toEqual(['hotspot']);
    expect(hot.folded).toEqual(expect.arrayContaining(['cam-01', 'cam-02', 'cam-03']));
    expect((await alerts()).open.filter((a) => a.deviceId.startsWith('cam-'))).toEqual([]);
    h.sim.setFault('hotspot', { mode: 'ok' });
    await eventually('hotspot resolved', () => h.hooks.slice(before).some((x) => x.event === 'alert.resolved' && x.alert.deviceId === 'hotspot'));
  });

  it('acknowledges an alert over the API', async () => {
    // Its own alert, not whatever an earlier test left in recent[0]: cam-03 lost, then back.
    h.sim.setFault('cam-03', { mode: 'down' });
    const target = await eventually('cam-03 device-lost alert', async () => (await alerts()).open.find((a) => a.deviceId === 'cam-03' && a.kind === 'device_lost') ?? null);
    h.sim.setFault('cam-03', { mode: 'ok' });
    const acked = await h.post<Alert>(`/api/alerts/${target.id}/ack`);
    expect(acked.status).toBe(200);
    expect(acked.body.acknowledgedAt).toEqual(expect.any(String));
    expect(acked.body.id).toBe(target.id);
    expect((await h.post(`/api/alerts/999999/ack`)).status).toBe(404);
    await eventually('cam-03 back up', async () => (await h.health('cam-03')).state === 'up');
  });
});
