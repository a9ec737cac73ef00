/** Clock offset estimation (NTP-style bounds over a window) and runway, with an injected clock. */
import { describe, expect, it } from 'vitest';
import { ClockBook, ClockOffsetEstimator, parseNodeTime } from '../../src/topology/probes/clock-offset.ts';
import { parseShootFields } from '../../src/topology/probes/shoot-fields.ts';
import { computeRunway, shortestRunway } from '../../src/topology/runway.ts';
import type { NodeStatus } from '../../src/topology/health-types.ts';

/** A node whose clock is `offset` ms ahead; a poll leaves at t, reaches it after `up`, comes back after `down`. */
function poll(e: ClockOffsetEstimator, t: number, offset: number, up: number, down: number): void {
  e.addRoundTrip(t, t + up + down, t + up + offset);
}

describe('clock offset estimator', () => {
  it('is null until a round trip bounds it, then corrects by half the round trip', () => {
    let now = 1_000_000;
    const e = new ClockOffsetEstimator({ now: () => now });
    e.addOneWay(now, now + 480);
    expect(e.estimate()).toBeNull();
    poll(e, now, 500, 10, 10);
    // One poll alone: [500-10, 500+10] intersected with "at least 480" → [490, 510].
    expect(e.estimate()).toEqual({ offsetMs: 500, uncertaintyMs: 10 });
    now += 1000;
  });

  it('keeps the tightest bounds over the window: a symmetric small round trip wins over slow ones', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ now: () => now });
    for (let i = 0; i < 10; i++) {
      now = i * 1000;
      poll(e, now, -200, 40 + i, 5); // asymmetric, slow
    }
    poll(e, now + 1, -200, 1, 1);
    const est = e.estimate()!;
    expect(Math.abs(est.offsetMs - -200)).toBeLessThanOrEqual(1);
    expect(est.uncertaintyMs).toBeLessThanOrEqual(1);
  });

  it('never biases: delayed one-way messages only raise a floor that is below the truth', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ now: () => now });
    poll(e, 0, 100, 30, 30); // [70, 130]
    for (let i = 1; i <= 20; i++) {
      now = i * 100;
      e.addOneWay(now + (i % 7) * 3, now + 100); // delay 0..18 ms
    }
    const est = e.estimate()!;
    // floor 100 (a message with no delay), ceiling 130 → 115 ± 15, and the truth 100 inside.
    expect(est.offsetMs - est.uncertaintyMs).toBeLessThanOrEqual(100);
    expect(est.offsetMs + est.uncertaintyMs).toBeGreaterThanOrEqual(100);
  });

  it('forgets samples older than the window, but keeps the last round trip of an idle node', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ windowMs: 10_000, now: () => now });
    poll(e, 0, 50, 1, 1);
    poll(e, 1000, 50, 20, 20);
    now = 60_000;
    expect(e.estimate()).toEqual({ offsetMs: 50, uncertaintyMs: 20 });
  });

  it('follows a clock that is stepped (a contradicting sample drops the older ones)', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ now: () => now });
    for (let i = 0; i < 5; i++) poll(e, (now = i * 1000), 0, 2, 2);
    expect(e.estimate()!.offsetMs).toBe(0);
    poll(e, (now = 6000), 200, 3, 3);
    expect(e.estimate()).toEqual({ offsetMs: 200, uncertaintyMs: 3 });
    // Back again, seen first on the stream then by a poll.
    e.addOneWay((now = 7000), 7000 - 300);
    poll(e, (now = 8000), -300, 2, 2);
    // The poll contradicts the old clock: everything before it goes (the stream message too).
    expect(e.estimate()).toEqual({ offsetMs: -300, uncertaintyMs: 2 });
  });

  it('after a step, old samples that happen to overlap the new clock do not bias it', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ now: () => now });
    poll(e, (now = 0), 0, 1, 1); // [-1, 1]
    e.addOneWay((now = 500), 500 + 0); // floor 0 of the old clock
    poll(e, (now = 1000), -5, 1, 1); // [-6, -4]: contradicts [-1, 1] → a step
    poll(e, (now = 2000), -5, 20, 20); // [-25, 15]: overlaps the old floor, but that is gone
    expect(e.estimate()).toEqual({ offsetMs: -5, uncertaintyMs: 1 });
  });

  it('reads node times as hostile input', () => {
    expect(parseNodeTime('2026-11-23T23:04:12.171Z')).toBe(Date.parse('2026-11-23T23:04:12.171Z'));
    expect(parseNodeTime('x'.repeat(41))).toBeNull();
    expect(parseNodeTime(12)).toBeNull();
    expect(parseNodeTime('not a time')).toBeNull();
    const book = new ClockBook({ now: () => 0 });
    book.sinkFor('cam').roundTrip(0, 10, 'garbage');
    expect(book.estimate('cam')).toBeNull();
    book.sinkFor('cam').roundTrip(0, 10, new Date(5 + 40).toISOString());
    expect(book.estimate('cam')).toEqual({ offsetMs: 40, uncertaintyMs: 5 });
    book.forget('cam');
    expect(book.estimate('cam')).toBeNull();
  });
});

const base: NodeStatus = { state: 'recording', battery: { level: 0.5, charging: false, drainPerHour: 1 }, thermal: 'nominal', storage: { freeBytes: 15_000_000_000, totalBytes: 2.56e11 }, uptimeSec: 1, time: '' };

describe('runway', () => {
  it('storage from free bytes and the bitrate, battery from the drain unless charging', () => {
    const rec = { ...base, recording: { since: '', clip: 'A', bitrateBps: 200_000_000 } };
    expect(computeRunway(rec, null)).toEqual({ storageMinutes: 10, batteryMinutes: 30 });
    expect(shortestRunway(computeRunway(rec, null))).toEqual({ minutes: 10, what: 'storage' });
    // Idle: the last bitrate seen stands in; without one storage is unknown.
    expect(computeRunway({ ...base, state: 'idle', recording: null }, 100_000_000)!.storageMinutes).toBe(20);
    expect(computeRunway({ ...base, state: 'idle', recording: null }, null)).toEqual({ storageMinutes: null, batteryMinutes: 30 });
    expect(computeRunway({ ...rec, battery: { level: 0.5, charging: true, drainPerHour: 1 } }, null)!.batteryMinutes).toBeNull();
    expect(computeRunway({ ...base, battery: { level: 0.5, charging: false } }, null)).toBeNull();
    expect(computeRunway(null, 1)).toBeNull();
  });

  it('reads the v1.1 fields as hostile input', () => {
    expect(parseShootFields({ recording: { since: 'x'.repeat(100), clip: 'c'.repeat(500), bitrateBps: 'lots' } })).toEqual({ recording: { since: 'x'.repeat(40), clip: 'c'.repeat(120), bitrateBps: 0 } });
    expect(parseShootFields({ recording: 'yes' })).toEqual({ recording: null });
    expect(parseShootFields({ battery: { level: 0.5, charging: false, drainPerHour: 1e9 } })).toEqual({ battery: { level: 0.5, charging: false } });
    expect(parseShootFields({ stopReason: 'r'.repeat(300) }).stopReason).toHaveLength(200);
    expect(parseShootFields({})).toEqual({});
  });
});

describe('takes CSV and scenario steps', () => {
  it('never writes a cell a spreadsheet would run as a formula, and quotes commas', async () => {
    const { takesToCsv } = await import('../../src/topology/takes/store.ts');
    const csv = takesToCsv([{ id: 1, startedBy: 'node', targetAt: null, startedAt: 'x', stoppedAt: null, cameras: [
      { deviceId: 'cam-01', clip: '=HYPERLINK("http://x")', startedAt: '2026-01-01T00:00:00.000Z', stoppedAt: '2026-01-01T00:00:10.000Z', offsetMs: -12, stopReason: '@cmd, then', problems: ['stopped_early'], markers: [{ time: 't', label: '+1' }] },
    ] }]);
    const row = csv.split('\r\n')[1]!;
    expect(row).toBe(`1,cam-01,"'=HYPERLINK(""http://x"")",2026-01-01T00:00:00.000Z,2026-01-01T00:00:10.000Z,10,-12,t +1,stopped_early,"'@cmd, then"`);
  });

  it('scenarios accept clock-skew=MS and record-stop', async () => {
    const { parseScenario } = await import('../../src/sim/scenario.ts');
    expect(parseScenario('2:cam-02:clock-skew=300,5:cam-02:record-stop')).toEqual([
      { atMs: 2000, nodeId: 'cam-02', fault: { mode: 'clock-skew', ms: 300 } },
      { atMs: 5000, nodeId: 'cam-02', fault: { mode: 'record-stop' } },
    ]);
  });
});
