/**
 * History downsampling on a real SQLite database: minutes older than the
 * per-minute window fold into hourly rows without losing counts, the 24 h
 * availability and sparkline queries read the same as before, compaction is
 * idempotent, and the retention still prunes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/topology/history/recorder.ts';
import { availability24h, latencySeries } from '../../src/topology/history/queries.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 23, 12, 30);
let rig: TestRig;
beforeEach(() => {
  rig = makeTestRig();
});
afterEach(() => rig.close());

const target = (network: 'lan' | 'tailscale'): ProbeTarget => ({
  key: `cam-01|camera-node|${network}|127.0.0.1|8080`, deviceId: 'cam-01', network, address: '127.0.0.1', service: 'camera-node', port: 8080,
  kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 5000, inScope: true,
});

/** Three days of minutes for both paths: every 7th sample fails, latency grows with the minute. */
function fill(recorder: HistoryRecorder): void {
  for (let at = NOW - 72 * HOUR; at <= NOW; at += 60_000) {
    for (const network of ['lan', 'tailscale'] as const) {
      const m = Math.floor(at / 60_000);
      recorder.recordSample({ target: target(network), ok: true, latencyMs: (m % 50) + 1, at });
      recorder.recordSample({ target: target(network), ok: m % 7 !== 0, latencyMs: null, at: at + 1000 });
    }
    if ((at / 60_000) % 120 === 0) recorder.flush();
  }
  recorder.flush();
}

const sqlite = () => rig.store.sqlite;
/** Rollup rows with their path's key and device (rows carry only the integer path id). */
const ROLLUPS = '(select p.key path_key, p.device_id, r.* from health_rollups r join health_paths p on p.id = r.path_id)';
const totals = () =>
  sqlite().prepare(`select count(*) n, sum(ok_count) ok, sum(fail_count) fail, sum(latency_count) lc, sum(latency_sum_ms) ls, max(latency_max_ms) lm from ${ROLLUPS}`).get() as { n: number; ok: number; fail: number; lc: number; ls: number; lm: number };

describe('health history downsampling', () => {
  it('folds minutes older than the window into hourly rows, keeping every count and the recent queries', () => {
    const recorder = new HistoryRecorder({ db: rig.store.db, retentionDays: 30, minuteHours: 48 });
    fill(recorder);
    const before = totals();
    const ctx = rig.ctx;
    const avail = availability24h({ ctx, deviceId: 'cam-01', clock: new FakeClock(NOW) });
    const spark = latencySeries({ ctx, deviceId: 'cam-01', minutes: 60, clock: new FakeClock(NOW) });

    const folded = recorder.compact(NOW);
    const after = totals();
    expect(folded).toBeGreaterThan(0);
    expect(after.n).toBeLessThan(before.n);
    expect({ ok: after.ok, fail: after.fail, lc: after.lc, lm: after.lm }).toEqual({ ok: before.ok, fail: before.fail, lc: before.lc, lm: before.lm });
    expect(after.ls).toBeCloseTo(before.ls, 6);

    // Older than 48 h (whole hours): one row per path per hour, at the hour's first minute.
    const cutoff = Math.floor((NOW - 48 * HOUR) / HOUR) * 60;
    const old = sqlite().prepare(`select path_key, minute from ${ROLLUPS} where minute < ?`).all(cutoff) as Array<{ path_key: string; minute: number }>;
    expect(old.length).toBeGreaterThan(0);
    expect(old.every((r) => r.minute % 60 === 0)).toBe(true);
    expect(new Set(old.map((r) => `${r.path_key}@${r.minute}`)).size).toBe(old.length);
    // The last 48 h keep their minutes.
    const recent = (sqlite().prepare('select count(*) n from health_rollups where minute >= ?').get(cutoff) as { n: number }).n;
    expect(recent).toBeGreaterThanOrEqual(2 * 48 * 60);

    expect(availability24h({ ctx, deviceId: 'cam-01', clock: new FakeClock(NOW) })).toEqual(avail);
    expect(latencySeries({ ctx, deviceId: 'cam-01', minutes: 60, clock: new FakeClock(NOW) })).toEqual(spark);

    // Idempotent: nothing more to fold, nothing changes.
    expect(recorder.compact(NOW)).toBe(0);
    expect(totals()).toEqual(after);
  });

  it('folds minutes that arrive late into the hour already compacted, and the retention still prunes', () => {
    const recorder = new HistoryRecorder({ db: rig.store.db, retentionDays: 2, minuteHours: 25 });
    fill(recorder);
    recorder.compact(NOW);
    const hourStart = Math.floor((NOW - 30 * HOUR) / HOUR) * 60;
    const row = () => sqlite().prepare(`select ok_count ok from ${ROLLUPS} where path_key = ? and minute = ?`).get(target('lan').key, hourStart) as { ok: number };
    const okBefore = row().ok;
    recorder.recordSample({ target: target('lan'), ok: true, latencyMs: 2, at: (hourStart + 17) * 60_000 });
    recorder.flush();
    recorder.compact(NOW);
    expect(row().ok).toBe(okBefore + 1);

    const pruned = recorder.prune(NOW);
    expect(pruned.rollups).toBeGreaterThan(0);
    const oldest = (sqlite().prepare('select min(minute) m from health_rollups').get() as { m: number }).m;
    expect(oldest * 60_000).toBeGreaterThanOrEqual(NOW - 2 * 24 * HOUR - 60_000);
  });
});

describe('reading one device history', () => {
  it('writes only that device\'s buffered minute; the rest waits for the periodic flush, nothing lost', () => {
    const recorder = new HistoryRecorder({ db: rig.store.db, retentionDays: 30 });
    const other: ProbeTarget = { ...target('lan'), key: 'cam-02|camera-node|lan|127.0.0.2|8080', deviceId: 'cam-02', address: '127.0.0.2' };
    recorder.recordSample({ target: target('lan'), ok: true, latencyMs: 3, at: NOW });
    recorder.recordSample({ target: other, ok: false, latencyMs: null, at: NOW });
    const byDevice = () => sqlite().prepare(`select device_id d, sum(ok_count) ok, sum(fail_count) fail from ${ROLLUPS} group by device_id order by device_id`).all();

    recorder.flushDevice('cam-01');
    expect(byDevice()).toEqual([{ d: 'cam-01', ok: 1, fail: 0 }]);

    recorder.flush();
    expect(byDevice()).toEqual([{ d: 'cam-01', ok: 1, fail: 0 }, { d: 'cam-02', ok: 0, fail: 1 }]);
  });
});
