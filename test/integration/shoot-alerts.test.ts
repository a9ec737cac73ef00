/**
 * Shoot monitoring over real HTTP against the simulator: clock_offset from a skewed
 * clock, recording_stopped and the take's stopped-early camera, runway figures, and
 * the roll call failing a camera that is running out of storage while recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import type { Take } from '../../src/topology/takes/store.ts';
import { runRigmap } from '../helpers/cli.ts';
import { eventually, type HealthHarness, startHarness } from './health-helpers.ts';

let h: HealthHarness;
const alerts = () => h.get<{ open: Alert[]; recent: Alert[] }>('/api/alerts');
const takes = () => h.get<{ takes: Take[] }>('/api/takes');
const simStatus = (id: string) => h.sim.describe().find((n) => n.id === id)!.status as { state: string; battery: { level: number; charging: boolean; drainPerHour: number }; storage: { freeBytes: number }; recording: { bitrateBps: number } | null };

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.35.3.0/24', tailnetCidr: '127.135.3.0/24', nodes: 4, settings: { tailnetCidrs: '127.135.3.0/24' } });
  await eventually('every camera has a clock estimate', async () => (await Promise.all(['cam-01', 'cam-02', 'cam-03', 'cam-04'].map((id) => h.health(id)))).every((x) => x.clock), 20_000);
});
afterAll(() => h?.close());

describe('clock offset', () => {
  it('clock-skew 200 → clock_offset within 10 s, offsetMs within ±20 of 200; back to ok → resolved', async () => {
    // A loaded box may leave a first estimate loose; start from a settled one.
    await eventually('cam-02 clock settled near 0', async () => Math.abs((await h.health('cam-02')).clock!.offsetMs) < 20, 15_000);
    const applied = Date.now();
    await h.sim.applyFault('cam-02', { mode: 'clock-skew', ms: 200 });
    const alert = await eventually('clock_offset raised', async () => (await alerts()).open.find((a) => a.kind === 'clock_offset' && a.deviceId === 'cam-02'), 10_000, 50);
    expect(Date.now() - applied).toBeLessThan(10_000);
    expect(alert.message).toMatch(/ahead/);
    const est = (await h.health('cam-02')).clock!;
    expect(Math.abs(est.offsetMs - 200)).toBeLessThanOrEqual(20);
    expect(est.uncertaintyMs).toBeLessThan(20);
    const check = await runRigmap(['check', '--server', h.server.url]);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/cam-02[\s\S]*clock \d+ ms off/);
    await h.sim.applyFault('cam-02', { mode: 'ok' });
    await eventually('clock_offset resolved', async () => (await alerts()).recent.find((a) => a.id === alert.id), 15_000);
  });
});

describe('a take', () => {
  it('record-stop mid-take → one recording_stopped within 2 s, and the take lists that camera stopped early', async () => {
    const start = await h.post<{ ok: number }>('/api/commands', { action: 'record.start', role: 'camera' });
    expect(start.body.ok).toBe(4);
    await eventually('all recording', async () => (await Promise.all(['cam-01', 'cam-02', 'cam-03', 'cam-04'].map((id) => h.health(id)))).every((x) => x.status?.recording), 10_000);
    await h.post('/api/commands', { action: 'marker', role: 'camera', args: { label: 'scene 4' } });

    // Runway figures against the simulator's own bitrate and drain, within 5 %.
    for (const id of ['cam-01', 'cam-02', 'cam-04']) {
      const [r, s] = [(await h.health(id)).runway!, simStatus(id)];
      const storage = s.storage.freeBytes / (s.recording!.bitrateBps / 8) / 60;
      expect(Math.abs(r.storageMinutes! - storage) / storage, id).toBeLessThan(0.05);
      if (s.battery.charging) expect(r.batteryMinutes).toBeNull();
      else expect(Math.abs(r.batteryMinutes! - (s.battery.level / s.battery.drainPerHour) * 60) / ((s.battery.level / s.battery.drainPerHour) * 60), id).toBeLessThan(0.05);
    }

    const stoppedAt = Date.now();
    await h.sim.applyFault('cam-03', { mode: 'record-stop', reason: 'app crashed' });
    const raised = await eventually('recording_stopped', async () => (await alerts()).open.find((a) => a.kind === 'recording_stopped'), 2000, 25);
    expect(Date.now() - stoppedAt).toBeLessThanOrEqual(2000);
    expect(raised).toMatchObject({ deviceId: 'cam-03', severity: 'critical', message: expect.stringMatching(/Cam 03.*app crashed/) });
    const take = (await takes()).takes[0]!;
    expect(take).toMatchObject({ startedBy: 'rigmap', stoppedAt: null });
    const cam3 = take.cameras.find((c) => c.deviceId === 'cam-03')!;
    expect(cam3).toMatchObject({ problems: ['stopped_early'], stopReason: 'app crashed', stoppedAt: expect.any(String) });
    for (const c of take.cameras.filter((x) => x.deviceId !== 'cam-03')) expect(c).toMatchObject({ problems: [], stoppedAt: null, markers: [{ label: 'scene 4', time: expect.any(String) }] });

    // The rest stop when told: no more alerts, the take closes, the alert resolves.
    await h.post('/api/commands', { action: 'record.stop', role: 'camera' });
    await eventually('take closed', async () => (await takes()).takes[0]!.stoppedAt, 10_000);
    const all = await alerts();
    expect([...all.open, ...all.recent].filter((a) => a.kind === 'recording_stopped')).toHaveLength(1);
    expect(all.open.filter((a) => a.kind === 'recording_stopped')).toHaveLength(0);
    const closed = (await takes()).takes[0]!;
    expect(closed.cameras.filter((c) => c.problems.length)).toHaveLength(1);
    for (const c of closed.cameras) expect(Date.parse(c.stoppedAt!)).toBeGreaterThanOrEqual(Date.parse(c.startedAt!));

    const csv = await fetch(`${h.server.url}/api/takes?format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await csv.text();
    expect(text.split('\r\n')[0]).toBe('take,camera,clip,start,stop,duration_s,clock_offset_ms,markers,problems,stop_reason');
    expect(text).toMatch(/cam-03,CAM03_\d{4},[^,]+,[^,]+,[\d.]+,[-\d.]*,[^,]* scene 4,stopped_early,app crashed/);
    const cli = await runRigmap(['takes', '--db', h.dbPath]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/cam-03.*stopped early.*\(app crashed\)/);
  });

  it('`rigmap check` fails a camera with 10 minutes of storage left while recording, and runway_low is raised', async () => {
    await h.sim.applyFault('cam-01', { mode: 'storage', freeBytes: 10 * 60 * 25_000_000 });
    await h.post('/api/commands', { action: 'record.start', devices: ['cam-01'] });
    await eventually('runway under 20 min', async () => ((await h.health('cam-01')).runway?.storageMinutes ?? 99) < 11, 10_000);
    const check = await runRigmap(['check', '--server', h.server.url, '--json']);
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout) as { devices: Array<{ id: string; ok: boolean; problems: string[]; runway: { storageMinutes: number } }> };
    const cam1 = report.devices.find((d) => d.id === 'cam-01')!;
    expect(cam1.ok).toBe(false);
    expect(cam1.problems.join(' ')).toMatch(/only (9|10) min of storage left while recording \(minimum 20 min\)/);
    expect(cam1.runway.storageMinutes).toBeLessThan(11);
    // Only cam-01 is short of runway (another camera may fail for other reasons on a loaded box).
    for (const d of report.devices.filter((x) => x.id !== 'cam-01')) expect(d.problems.join(' ')).not.toMatch(/left while recording/);
    const local = await runRigmap(['check', '--db', h.dbPath]);
    expect(local.code).toBe(1);
    expect(local.stdout).toMatch(/✖ cam-01[\s\S]*min of storage left while recording/);
    await eventually('runway_low', async () => (await alerts()).open.find((a) => a.kind === 'runway_low' && a.deviceId === 'cam-01'), 5000);
    await h.post('/api/commands', { action: 'record.stop', devices: ['cam-01'] });
    await eventually('runway_low resolved', async () => !(await alerts()).open.some((a) => a.kind === 'runway_low'), 5000);
  });
});
