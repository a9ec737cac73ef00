/**
 * The take tracker on a real database and bus: never-started and clock-off cameras,
 * a take seen on the cameras (not started by rigmap) whose whole rig stops together
 * (the take ended: no early stop), and one camera stopping alone in it (early).
 * The rig-stop grace and the take times run on a FakeClock: judged when it passes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CommandReport } from '../../src/topology/commands/types.ts';
import type { DeviceHealth, NodeStatus } from '../../src/topology/health-types.ts';
import { listTakes } from '../../src/topology/takes/store.ts';
import { TakeTracker } from '../../src/topology/takes/tracker.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

let rig: TestRig;
let tracker: TakeTracker;
let clock: FakeClock;
const clocks = new Map<string, number>();
const stopped: Array<{ deviceId?: string; early?: boolean; takeRunning?: boolean }> = [];

const status = (state: NodeStatus['state'], since?: string, stopReason: string | null = null): NodeStatus => ({
  state, battery: { level: 0.5, charging: false }, thermal: 'nominal', storage: { freeBytes: 1e10, totalBytes: 2e11 }, uptimeSec: 1, time: new Date().toISOString(),
  recording: since ? { since, clip: 'C_0001', bitrateBps: 2e8 } : null, stopReason,
});
const emitStatus = (deviceId: string, s: NodeStatus) => rig.bus.emit('node.status', { deviceId, status: s });
const report = (action: CommandReport['action'], results: Array<[string, boolean]>): CommandReport => ({
  action, selection: { role: 'camera' }, sentAt: new Date().toISOString(), total: results.length, ok: results.filter((r) => r[1]).length, failed: results.filter((r) => !r[1]).length, timedOut: 0,
  results: results.map(([deviceId, ok]) => ({ deviceId, ok, state: ok ? 'recording' : null, status: ok ? 200 : null, error: ok ? null : 'connect ECONNREFUSED', timedOut: false, network: 'lan', address: '127.35.5.1', ms: 1 })),
});

beforeEach(() => {
  rig = makeTestRig();
  clocks.clear();
  stopped.length = 0;
  clock = new FakeClock();
  rig.bus.on('take.changed', (e) => { if (e.data.change === 'camera.stopped') stopped.push(e.data); });
  tracker = new TakeTracker({
    ctx: rig.ctx, options: { clockOffsetMs: 40, rigStopGraceMs: 200 }, clock,
    health: (id) => ({ deviceId: id, state: 'up', paths: [], status: null, lastSeen: null, clock: clocks.has(id) ? { offsetMs: clocks.get(id)!, uncertaintyMs: 1 } : null }) as DeviceHealth,
  });
  tracker.start();
});
afterEach(() => {
  tracker.stop();
  rig.close();
});

describe('take tracker', () => {
  it('a rigmap start lists a camera that never answered as never started, and one whose clock is off as clock off', () => {
    clocks.set('cam-02', 120);
    const since = new Date(Date.now() - 1000);
    emitStatus('cam-01', status('recording', since.toISOString()));
    emitStatus('cam-02', status('recording', new Date(since.getTime() + 120).toISOString()));
    rig.bus.emit('command.sent', { report: report('record.start', [['cam-01', true], ['cam-02', true], ['cam-03', false]]) });
    const take = listTakes({ ctx: rig.ctx })[0]!;
    expect(take.startedBy).toBe('rigmap');
    const cam = (id: string) => take.cameras.find((c) => c.deviceId === id)!;
    expect(cam('cam-03').problems).toEqual(['never_started']);
    expect(cam('cam-02')).toMatchObject({ problems: ['clock_off'], offsetMs: 120, startedAt: since.toISOString() });
    expect(cam('cam-01')).toMatchObject({ problems: [], startedAt: since.toISOString(), clip: 'C_0001' });
  });

  it('in a take seen on the cameras, the whole rig stopping together ends the take without an early stop', () => {
    const since = new Date(clock.now()).toISOString();
    for (const id of ['cam-01', 'cam-02', 'cam-03']) emitStatus(id, status('recording', since));
    expect(listTakes({ ctx: rig.ctx })[0]).toMatchObject({ startedBy: 'node', stoppedAt: null });
    clock.advance(5000);
    for (const id of ['cam-01', 'cam-02', 'cam-03']) emitStatus(id, status('idle'));
    // Judged once the others had the grace (200 ms of the tracker's clock) to stop too.
    clock.advance(199);
    expect(stopped).toEqual([]);
    clock.advance(1);
    expect(stopped).toHaveLength(3);
    expect(stopped.every((s) => !s.early)).toBe(true);
    const take = listTakes({ ctx: rig.ctx })[0]!;
    expect(take.stoppedAt).toBe(new Date(clock.now()).toISOString());
    expect(take.cameras.map((c) => c.stoppedAt)).toEqual(Array(3).fill(new Date(clock.now() - 200).toISOString()));
    expect(take.cameras.flatMap((c) => c.problems)).toEqual([]);
  });

  it('in a take seen on the cameras, one camera stopping alone is an early stop while most record', () => {
    const since = new Date(clock.now()).toISOString();
    for (const id of ['cam-01', 'cam-02', 'cam-03']) emitStatus(id, status('recording', since));
    emitStatus('cam-02', status('idle', undefined, 'recording stopped on the phone'));
    clock.advance(199);
    expect(stopped).toEqual([]);
    clock.advance(1);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ deviceId: 'cam-02', early: true, takeRunning: true });
    const take = listTakes({ ctx: rig.ctx })[0]!;
    expect(take.stoppedAt).toBeNull();
    expect(take.cameras.find((c) => c.deviceId === 'cam-02')).toMatchObject({ problems: ['stopped_early'], stopReason: 'recording stopped on the phone' });
  });

  it('a stop rigmap asked for is not early, even when the node says so before the report arrives', () => {
    emitStatus('cam-01', status('recording', new Date().toISOString()));
    rig.bus.emit('command.sent', { report: report('record.start', [['cam-01', true]]) });
    rig.bus.emit('command.sending', { action: 'record.stop', deviceIds: ['cam-01'] });
    emitStatus('cam-01', status('idle'));
    rig.bus.emit('command.sent', { report: report('record.stop', [['cam-01', true]]) });
    expect(stopped).toEqual([expect.objectContaining({ deviceId: 'cam-01', early: false })]);
    const take = listTakes({ ctx: rig.ctx })[0]!;
    expect(take.stoppedAt).not.toBeNull();
    expect(take.cameras[0]!.problems).toEqual([]);
  });
});
