/**
 * History growth: how many rows and bytes health history adds per hour, and
 * what 30 days of retention hold at 1,000 nodes × 2 paths, with and without
 * the hourly compaction of minutes older than 48 h.
 *
 * 1. Live: HISTORY_BENCH_NODES simulated nodes (default 200) probed by a real
 *    server for HISTORY_BENCH_MS (default 130 s); counts rollup rows per path
 *    per minute and transitions.
 * 2. Size: 2,000 paths × 120 minutes written through the recorder into a fresh
 *    database, WAL checkpointed, bytes per row from the page count; the hourly
 *    compaction timed on 2,000 paths × 1 hour of minutes.
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
const line = (name: string, value: string, target: string) => process.stdout.write(`${name.padEnd(46)} ${value.padStart(16)}   target ${target}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { dir, cleanup } = makeTempDir('rigmap-history-bench-');

// 1. Live rows per path per minute.
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
const rollups = (live.prepare('select count(*) n, count(distinct path_key) paths, count(distinct minute) minutes from health_rollups').get() as { n: number; paths: number; minutes: number });
const transitions = (live.prepare('select count(*) n from health_transitions').get() as { n: number }).n;
live.close();
const perPathMinute = rollups.n / (rollups.paths * rollups.minutes);
process.stdout.write(`\nhistory bench: live ${N} nodes × 2 paths for ${(LIVE_MS / 1000).toFixed(0)} s from minute ${startedMinute}; size at ${PATHS_AT_SCALE} paths\n`);
line('live: rollup rows per path per minute', perPathMinute.toFixed(2), '1 (one row per path per minute)');
line('live: transitions (steady rig, first sightings)', `${transitions} (${rollups.paths} paths)`, 'one per path (unknown → up)');

// 2. Bytes per row at scale, through the recorder's own writes.
const store = openDb(join(dir, 'size.db'));
const sqlite = store.sqlite;
const pages = () => {
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  return (sqlite.pragma('page_count', { simple: true }) as number) * (sqlite.pragma('page_size', { simple: true }) as number);
};
const empty = pages();
const recorder = new HistoryRecorder({ db: store.db, retentionDays: 30, minuteHours: 48 });
const targets: ProbeTarget[] = Array.from({ length: PATHS_AT_SCALE }, (_, i) => {
  const network = i % 2 === 0 ? 'lan' : 'tailscale';
  const address = `${network === 'lan' ? '10.20' : '100.101'}.${Math.floor(i / 512)}.${(i >> 1) % 256}`;
  const deviceId = `cam-${String(i >> 1).padStart(4, '0')}`;
  return { key: `${deviceId}|camera-node|${network}|${address}|8080`, deviceId, network, address, service: 'camera-node', port: 8080, kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 5000, inScope: true };
});
const now = Date.now();
const firstMinute = Math.floor((now - 50 * 3_600_000) / 3_600_000) * 60; // two hours, old enough to compact
const MINUTES = 120;
const writeStarted = performance.now();
for (let m = 0; m < MINUTES; m++) {
  const at = (firstMinute + m) * 60_000;
  for (const t of targets) {
    // One minute at a 5 s interval: 12 polls plus 60 heartbeats (no latency).
    recorder.recordSample({ target: t, ok: true, latencyMs: 2 + (m % 5), at });
    recorder.recordSample({ target: t, ok: true, latencyMs: null, at });
  }
  recorder.flush();
}
const flushMsPerMinute = (performance.now() - writeStarted) / MINUTES;
const rows = (sqlite.prepare('select count(*) n from health_rollups').get() as { n: number }).n;
const bytesPerRow = (pages() - empty) / rows;
// As the server does it: one chunk (250 paths of one hour) per turn of the event loop.
let folded = 0;
let compactMs = 0;
let longestChunkMs = 0;
for (let i = 0; i < 1000; i++) {
  const t = performance.now();
  const n = recorder.compact(now, 1);
  const ms = performance.now() - t;
  if (n === 0) break;
  folded += n;
  compactMs += ms;
  longestChunkMs = Math.max(longestChunkMs, ms);
}
const rowsAfter = (sqlite.prepare('select count(*) n from health_rollups').get() as { n: number }).n;
store.close();

const perHourRows = PATHS_AT_SCALE * 60;
const days30Minutes = PATHS_AT_SCALE * 1440 * 30;
const days30Compacted = PATHS_AT_SCALE * (48 * 60 + (30 * 24 - 48));
const gb = (r: number) => `${((r * bytesPerRow) / 1e9).toFixed(2)} GB`;
line('bytes per rollup row (table + 3 indexes)', bytesPerRow.toFixed(0), 'measured (checkpointed pages / rows)');
line('flush of one minute at 2,000 paths (ms)', flushMsPerMinute.toFixed(1), '< 100 (runs every 10 s)');
line('1,000 nodes: rows per hour', perHourRows.toLocaleString('en'), '≈ paths × 60');
line('1,000 nodes: MB per hour', ((perHourRows * bytesPerRow) / 1e6).toFixed(1), 'bounded by retention');
line('30 days, minutes only: rows', `${(days30Minutes / 1e6).toFixed(1)} M (${gb(days30Minutes)})`, 'too big: compaction needed');
line('30 days, 48 h minutes + hourly: rows', `${(days30Compacted / 1e6).toFixed(2)} M (${gb(days30Compacted)})`, '< 1 GB');
const days30Window25 = PATHS_AT_SCALE * (25 * 60 + (30 * 24 - 25));
line('30 days, 25 h minutes + hourly: rows', `${(days30Window25 / 1e6).toFixed(2)} M (${gb(days30Window25)})`, '< 1 GB (RIGMAP_HISTORY_MINUTE_HOURS=25)');
line('compaction of 2,000 paths × 2 h (ms)', `${compactMs.toFixed(0)} (${folded} → ${rowsAfter} rows)`, '< 2000 (hourly job, 1 h of minutes)');
line('  longest compaction chunk (event loop held, ms)', longestChunkMs.toFixed(0), '< 100');
cleanup();
process.exit(0);
