/** Contract v1.1 (shoot) in the simulator over real HTTP: recording, drainPerHour, args.at, clock-skew, record-stop, storage. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import { runRigmap } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';
import { openSse } from './sim-sse-client.ts';

let rig: SimRig;
const base = (id: string) => {
  const n = rig.nodes.find((x) => x.id === id)!;
  return `http://${n.lanIp}:${n.port}/api/v1`;
};
const status = async (id: string) => (await fetch(`${base(id)}/status`)).json();
const command = async (id: string, body: unknown) => {
  const res = await fetch(`${base(id)}/commands`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};
const fault = async (id: string, body: unknown) => {
  const res = await fetch(`${rig.controlUrl}/nodes/${id}/fault`, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

beforeAll(async () => {
  rig = await startSimRig({ nodes: 4, port: 0, heartbeatMs: 200, lanCidr: '127.35.1.0/24', tailnetCidr: '127.135.1.0/24', extras: false });
});
afterAll(() => rig?.close());

describe('contract v1.1: recording and battery drain', () => {
  it('reports recording null when idle and {since, clip, bitrateBps} while recording, and drains faster while recording', async () => {
    const idle = await status('cam-01');
    expect(idle.recording).toBeNull();
    expect(idle.stopReason).toBeNull();
    expect(idle.battery.drainPerHour).toBeGreaterThan(0);
    const before = Date.now();
    expect((await command('cam-01', { action: 'record.start' })).body).toEqual({ ok: true, state: 'recording' });
    const rec = await status('cam-01');
    expect(rec.state).toBe('recording');
    expect(rec.recording.clip).toMatch(/^CAM01_\d{4}$/);
    expect(rec.recording.bitrateBps).toBe(200_000_000);
    expect(Date.parse(rec.recording.since)).toBeGreaterThanOrEqual(before - 5);
    expect(rec.battery.drainPerHour).toBeGreaterThan(idle.battery.drainPerHour);
    await command('cam-01', { action: 'record.stop' });
    expect((await status('cam-01')).recording).toBeNull();
  });
});

describe('contract v1.1: record.start args.at', () => {
  it('answers armed until the instant, then records with since equal to the instant on the node clock', async () => {
    const at = new Date(Date.now() + 600).toISOString();
    expect((await command('cam-02', { action: 'record.start', args: { at } })).body).toEqual({ ok: true, state: 'armed' });
    expect((await status('cam-02')).state).toBe('idle');
    const started = await eventually('cam-02 recording', async () => {
      const s = await status('cam-02');
      return s.state === 'recording' ? s : null;
    }, 5000, 20);
    expect(started.recording.since).toBe(at);
    await command('cam-02', { action: 'record.stop' });
  });

  it('refuses an at that is not ISO, too long or too far ahead, and starts at once for one in the past', async () => {
    for (const at of ['tomorrow', 12345, '2026-11-23 23:04:12', `${new Date().toISOString()}${'0'.repeat(40)}`, new Date(Date.now() + 2 * 3_600_000).toISOString()]) {
      const r = await command('cam-03', { action: 'record.start', args: { at } });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('bad_args');
    }
    expect((await command('cam-03', { action: 'record.start', args: [] })).status).toBe(400);
    expect((await status('cam-03')).state).toBe('idle');
    const past = new Date(Date.now() - 2000).toISOString();
    expect((await command('cam-03', { action: 'record.start', args: { at: past } })).body).toEqual({ ok: true, state: 'recording' });
    await command('cam-03', { action: 'record.stop' });
  });

  it('record.stop disarms a pending start', async () => {
    const at = new Date(Date.now() + 400).toISOString();
    expect((await command('cam-03', { action: 'record.start', args: { at } })).body.state).toBe('armed');
    await command('cam-03', { action: 'record.stop' });
    await new Promise((r) => setTimeout(r, 700));
    expect((await status('cam-03')).state).toBe('idle');
  });
});

describe('faults: clock-skew, record-stop, storage', () => {
  it('clock-skew moves status.time, heartbeat time and recording.since by N ms, armed starts follow the node clock', async () => {
    expect((await fault('cam-04', { mode: 'clock-skew', ms: 500 })).body.node.clockSkewMs).toBe(500);
    const s = await status('cam-04');
    expect(Date.parse(s.time) - Date.now()).toBeGreaterThan(400);
    const sse = await openSse(`${base('cam-04')}/events`);
    const events = await sse.waitFor((e) => e.some((x) => x.event === 'heartbeat'), 5000);
    const beat = JSON.parse(events.find((x) => x.event === 'heartbeat')!.data);
    sse.close();
    expect(Date.parse(beat.time) - Date.now()).toBeGreaterThan(300);
    // Armed for an instant on its own (fast) clock: it starts 500 ms "early" in true time.
    const trueTarget = Date.now() + 800;
    const at = new Date(trueTarget + 500).toISOString();
    expect((await command('cam-04', { action: 'record.start', args: { at } })).body.state).toBe('armed');
    const rec = await eventually('cam-04 recording', async () => ((await status('cam-04')).state === 'recording' ? status('cam-04') : null), 5000, 20);
    expect(rec.recording.since).toBe(at);
    expect(Date.now()).toBeGreaterThanOrEqual(trueTarget - 50);
    // ok restores the clock.
    await fault('cam-04', { mode: 'ok' });
    expect(Math.abs(Date.parse((await status('cam-04')).time) - Date.now())).toBeLessThan(200);
    await command('cam-04', { action: 'record.stop' });
  });

  it('record-stop ends the take by itself with state error and a reason, sent as a status event', async () => {
    await command('cam-01', { action: 'record.start' });
    const sse = await openSse(`${base('cam-01')}/events`);
    await sse.waitFor((e) => e.some((x) => x.event === 'status'), 5000);
    const r = await fault('cam-01', { mode: 'record-stop', reason: 'app crashed' });
    expect(r.status).toBe(200);
    expect(r.body.node.fault).toEqual({ mode: 'ok' });
    const events = await sse.waitFor((e) => e.some((x) => x.event === 'status' && JSON.parse(x.data).state === 'error'), 5000);
    sse.close();
    const stopped = JSON.parse(events.filter((x) => x.event === 'status').at(-1)!.data);
    expect(stopped).toMatchObject({ state: 'error', recording: null, stopReason: 'app crashed' });
    // idle variant
    await command('cam-01', { action: 'record.start' });
    await fault('cam-01', { mode: 'record-stop', state: 'idle' });
    expect(await status('cam-01')).toMatchObject({ state: 'idle', recording: null, stopReason: expect.any(String) });
    expect((await fault('cam-01', { mode: 'record-stop', state: 'paused' })).status).toBe(400);
    expect((await fault('cam-01', { mode: 'record-stop', reason: 'x'.repeat(201) })).status).toBe(400);
  });

  it('storage sets the free bytes left', async () => {
    await fault('cam-02', { mode: 'storage', freeBytes: 15_000_000_000 });
    expect((await status('cam-02')).storage.freeBytes).toBeLessThanOrEqual(15_000_000_000);
    expect((await fault('cam-02', { mode: 'storage', freeBytes: -1 })).status).toBe(400);
  });

  it('rigmap sim-fault sets clock-skew (negative too), storage and record-stop through the control API', async () => {
    const skew = await runRigmap(['sim-fault', 'cam-03', 'clock-skew', '--ms=-250', '--control', rig.controlUrl]);
    expect(skew.code, skew.stderr).toBe(0);
    expect(skew.stdout).toMatch(/cam-03: clock -250 ms off/);
    expect(rig.describe().find((n) => n.id === 'cam-03')!.clockSkewMs).toBe(-250);
    expect((await runRigmap(['sim-fault', 'cam-03', 'storage', '--bytes', '1000000000', '--control', rig.controlUrl])).code).toBe(0);
    expect((await status('cam-03')).storage.freeBytes).toBeLessThanOrEqual(1_000_000_000);
    await command('cam-03', { action: 'record.start' });
    const stop = await runRigmap(['sim-fault', 'cam-03', 'record-stop', '--reason', 'battery died', '--state', 'idle', '--control', rig.controlUrl]);
    expect(stop.code, stop.stderr).toBe(0);
    expect(await status('cam-03')).toMatchObject({ state: 'idle', stopReason: 'battery died' });
    expect((await runRigmap(['sim-fault', 'cam-03', 'ok', '--control', rig.controlUrl])).code).toBe(0);
    expect(rig.describe().find((n) => n.id === 'cam-03')!.clockSkewMs).toBe(0);
  });
});
