/**
 * History growth: how many rows and bytes health history adds per hour, and
 * what 30 days of retention hold at 1,000 nodes × 2 paths, with and without
 * the hourly compaction of minutes older than 48 h.
 *
 * 1. Live: HISTORY_BENCH_NODES simulated nodes (default 200) probed by a real
 *    server for HISTORY_BENCH_MS (default 130 s); counts rollup rows per path
 *    per minute and transitions.
 * 2. Bytes per row (minute rows through the recorder, hourly rows as compaction
 *    leaves them) calibrated on 200 paths, WAL checkpointed, from the page count;
 *    the 30-day projection at 1,000 nodes × 2 paths follows from them.
 * 3. A real 2-hour accelerated run at 2,000 paths (the recorder fed samples
 *    stamped by an injected clock, flushed every 10 simulated seconds, pruned and
 *    compacted hourly) whose file must land within 10 % of the model.
 * 4. The hourly compaction timed on those 2,000 paths × 2 hours.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/server/config.ts';
import { startServer } from '../src/server/main.ts';
import { startSimRig } from '../src/sim/rig.ts';
import { HistoryRecorder } from '../src/topology/history/recorder.ts';
import type { ProbeTarget } from '../src/topology/probes/targets.ts';
import { openDb } from '../src/topology/store/db.ts';
import { makeTempDir } from '../test/helpers/app.ts';

const N = Number(process.env.HISTORY_BENCH_NODES ?? 200);
const LIVE_MS = Number(process.env.HISTORY_BENCH_MS ?? 130_000);
const PATHS_AT_SCALE = 2000;
const LIVE = process.env.HISTORY_BENCH_LIVE !== '0';
const line = (name: string, value: string, target: string) => process.stdout.write(`${name.padEnd(46)} ${value.padStart(16)}   target ${target}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { dir, cleanup } = makeTempDir('rigmap-history-bench-');

// 1. Live rows per path per minute (HISTORY_BENCH_LIVE=0 skips it).
if (LIVE) {
  const sim = await startSimRig({ nodes: N, lanCidr: '127.12.0.0/16', tailnetCidr: '127.112.0.0/16', heartbeatMs: 1000, extras: false, idPrefix: 'hb' });
  const liveDb = join(dir, 'live.db');
  const server = await startServer(loadConfig({ db: liveDb, port: 0, logLevel: 'silent', probeCidrs: '127.0.0.0/8', tailscaleSync: 'off', bonjour: false, neverSeenAfterSec: 0, mdnsInterface: '127.0.0.1' }, {}));
  const imported = await fetch(`${server.url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sim.manifest()) });
  if (!imported.ok) throw new Error(`import failed: ${await imported.text()}`);
  const startedMinute = Math.floor(Date.now() / 60_000);
  await sleep(LIVE_MS);
  await server.close(); // flushes the last rollups
  await sim.close();
  const live = new Database(liveDb, { readonly: true });
  const rollups = (live.prepare('select count(*) n, count(distinct path_id) paths, count(distinct minute) minutes from health_rollups').get() as { n: number; paths: number; minutes: number });
  const transitions = (live.prepare('select count(*) n from health_transitions').get() as { n: number }).n;
  live.close();
  const perPathMinute = rollups.n / (rollups.paths * rollups.minutes);
  process.stdout.write(`\nhistory bench: live ${N} nodes × 2 paths for ${(LIVE_MS / 1000).toFixed(0)} s from minute ${startedMinute}; size at ${PATHS_AT_SCALE} paths\n`);
  line('live: rollup rows per path per minute', perPathMinute.toFixed(2), '1 (one row per path per minute)');
  line('live: transitions (steady rig, first sightings)', `${transitions} (${rollups.paths} paths)`, 'one per path (unknown → up)');
}

// 2. Bytes per row, calibrated on a small rig (200 paths), through the recorder's own writes.
const pagesOf = (sqlite: Database.Database) => {
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
};
const makeTargets = (n: number): ProbeTarget[] => Array.from({ length: n }, (_, i) => {
  const network = i % 2 === 0 ? 'lan' : 'tailscale';
  const address = `${network === 'lan' ? '10.20' : '100.101'}.${Math.floor(i / 512)}.${(i >> 1) % 256}`;
  const deviceId = `cam-${String(i >> 1).padStart(4, '0')}`;
  return { key: `${deviceId}|camera-node|${network}|${address}|8080`, deviceId, network, address, service: 'camera-node', port: 8080, kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 5000, inScope: true };
});
/** One minute of one path as the server records it: 12 polls (5 s) with latency plus 60 heartbeats (1 s). */
const recordMinute = (recorder: HistoryRecorder, t: ProbeTarget, minute: number) => {
  const at = minute * 60_000;
  for (let k = 0; k < 12; k++) recorder.recordSample({ target: t, ok: true, latencyMs: 1.5 + ((minute + k) % 7) * 0.9, at: at + k * 5000 });
  for (let k = 0; k < 60; k++) recorder.recordSample({ target: t, ok: true, latencyMs: null, at: at + k * 1000 });
};
const now = Date.now();
const calib = openDb(join(dir, 'calibration.db'));
const calibEmpty = pagesOf(calib.sqlite);
const calibRecorder = new HistoryRecorder({ db: calib.db, retentionDays: 30, minuteHours: 48 });
const CALIB_PATHS = 200;
const calibTargets = makeTargets(CALIB_PATHS);
const calibFirst = Math.floor(now / 60_000) - 120;
for (let m = 0; m < 120; m++) {
  for (const t of calibTargets) recordMinute(calibRecorder, t, calibFirst + m);
  calibRecorder.flush();
}
const calibRows = calib.sqlite.prepare('select count(*) from health_rollups').pluck().get() as number;
const bytesPerMinuteRow = (pagesOf(calib.sqlite) - calibEmpty) / calibRows;
// Hourly rows (what compaction leaves: a whole hour's counts in one row), 200 paths × 48 hours.
const beforeHourly = pagesOf(calib.sqlite);
const hourly = calib.sqlite.prepare('insert into health_rollups (path_id, minute, ok_count, fail_count, latency_count, latency_sum_ms, latency_max_ms) values (?, ?, ?, ?, ?, ?, ?)');
const pathIds = calib.sqlite.prepare('select id from health_paths').pluck().all() as number[];
calib.sqlite.transaction(() => {
  for (let h = 0; h < 48; h++) for (const id of pathIds) hourly.run(id, (Math.floor(calibFirst / 60) - 100 + h) * 60, 4320 - (h % 3), h % 3, 720, 2400 + h * 7, 9 + (h % 4));
})();
const bytesPerHourRow = (pagesOf(calib.sqlite) - beforeHourly) / (48 * pathIds.length);
calib.close();

// The model: minutes for --history-minute-hours (48 h), then one row per path per hour, to 30 days.
const projectBytes = (paths: number, minuteRows: number, hourRows: number) => paths * (minuteRows * bytesPerMinuteRow + hourRows * bytesPerHourRow);
const days30 = projectBytes(PATHS_AT_SCALE, 48 * 60, 30 * 24 - 48);

// 3. A real 2-hour accelerated run at 1,000 nodes × 2 paths: the recorder driven by an injected
//    clock (samples stamped with simulated time, flush every 10 simulated seconds, compaction and
//    pruning as the server runs them), then the file measured against the model's 2-hour figure.
const store = openDb(join(dir, 'size.db'));
const sqlite = store.sqlite;
const empty = pagesOf(sqlite);
const recorder = new HistoryRecorder({ db: store.db, retentionDays: 30, minuteHours: 48 });
const targets = makeTargets(PATHS_AT_SCALE);
const RUN_MINUTES = 120;
const runFirst = Math.floor(now / 60_000) - RUN_MINUTES;
const writeStarted = performance.now();
let flushMsTotal = 0;
let flushes = 0;
for (let m = 0; m < RUN_MINUTES; m++) {
  const minute = runFirst + m;
  for (let slice = 0; slice < 6; slice++) {
    // Ten simulated seconds of every path, then the flush the server runs every 10 s.
    for (const t of targets) {
      const at = minute * 60_000 + slice * 10_000;
      for (let k = 0; k < 10; k++) recorder.recordSample({ target: t, ok: true, latencyMs: null, at: at + k * 1000 });
      for (let k = 0; k < 2; k++) recorder.recordSample({ target: t, ok: true, latencyMs: 1.5 + ((minute + k) % 7) * 0.9, at: at + k * 5000 });
    }
    const f = performance.now();
    recorder.flush();
    flushMsTotal += performance.now() - f;
    flushes++;
  }
  if (minute % 60 === 59) {
    recorder.prune(minute * 60_000);
    recorder.compact(minute * 60_000);
  }
}
const runWallS = (performance.now() - writeStarted) / 1000;
const rows = sqlite.prepare('select count(*) from health_rollups').pluck().get() as number;
const measured2h = pagesOf(sqlite) - empty;
const projected2h = projectBytes(PATHS_AT_SCALE, RUN_MINUTES, 0);
const deviation = (measured2h - projected2h) / projected2h;

// 4. Compaction timed on those 2 hours at 2,000 paths, as the server does it: one chunk per turn.
let folded = 0;
let compactMs = 0;
let longestChunkMs = 0;
const later = (runFirst + RUN_MINUTES + 48 * 60 + 60) * 60_000;
for (let i = 0; i < 1000; i++) {
  const t = performance.now();
  const n = recorder.compact(later, 1);
  const ms = performance.now() - t;
  compactMs += ms;
  longestChunkMs = Math.max(longestChunkMs, ms);
  folded += n;
  if ((recorder as unknown as { compactMore: boolean }).compactMore === false) break;
}
const rowsAfter = sqlite.prepare('select count(*) from health_rollups').pluck().get() as number;
store.close();

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
line('bytes per rollup row: minute / hourly', `${bytesPerMinuteRow.toFixed(1)} / ${bytesPerHourRow.toFixed(1)}`, `measured on ${CALIB_PATHS} paths (checkpointed pages / rows)`);
line('flush of 10 s at 2,000 paths (ms, mean)', (flushMsTotal / flushes).toFixed(1), '< 100 (runs every 10 s)');
line('1,000 nodes: rows per hour', (PATHS_AT_SCALE * 60).toLocaleString('en'), '≈ paths × 60');
line('1,000 nodes: MB per hour (minutes)', mb(PATHS_AT_SCALE * 60 * bytesPerMinuteRow), 'bounded by retention');
line('2-hour accelerated run at 2,000 paths', `${mb(measured2h)} (${rows} rows, ${runWallS.toFixed(0)} s)`, `model ${mb(projected2h)}, within 10 %`);
line('  measured vs model', `${(deviation * 100).toFixed(1)} %`, Math.abs(deviation) <= 0.1 ? 'ok (within 10 %)' : 'MISSED (over 10 %)');
line('30 days, minutes only (no compaction)', mb(projectBytes(PATHS_AT_SCALE, 30 * 1440, 0)), 'why compaction');
line('compaction of 2,000 paths × 2 h (ms)', `${compactMs.toFixed(0)} (${folded} → ${rowsAfter} rows)`, '< 2000 (hourly job, 1 h of minutes)');
line('  longest compaction chunk (event loop held, ms)', longestChunkMs.toFixed(0), '< 100');
process.stdout.write(`history: 30-day projection at 1,000 nodes × 2 paths: ${(days30 / 1e6).toFixed(0)} MB\n`);
cleanup();
process.exit(0);
