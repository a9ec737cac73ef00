/**
 * The compact history schema: the migration converts rollups written under the
 * old schema (text path keys on every row) to integer path ids without losing a
 * count, the rollup table is WITHOUT ROWID with no index but its key, the
 * compaction watermark survives a restart, and the retention prunes the audit
 * trail with the history.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HistoryRecorder } from '../../src/topology/history/recorder.ts';
import { availability24h, latencySeries } from '../../src/topology/history/queries.ts';
import { RETENTION_PRUNERS } from '../../src/topology/history/retention.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { MIGRATIONS_DIR, migrateDb, openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const NOW = Date.UTC(2026, 10, 30, 12, 30);
const HOUR = 3_600_000;
let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  tmp = makeTempDir('rigmap-footprint-');
});
afterEach(() => tmp.cleanup());

/** A migrations folder holding every migration before the one that numbers the paths. */
function migrationsBeforeCompact(): string {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_DIR, 'meta/_journal.json'), 'utf8')) as { entries: Array<{ tag: string }> };
  const at = journal.entries.findIndex((e) => readFileSync(join(MIGRATIONS_DIR, `${e.tag}.sql`), 'utf8').includes('CREATE TABLE `health_paths`'));
  expect(at).toBeGreaterThan(0);
  const dir = join(tmp.dir, 'old-migrations');
  mkdirSync(join(dir, 'meta'), { recursive: true });
  for (const e of journal.entries.slice(0, at)) cpSync(join(MIGRATIONS_DIR, `${e.tag}.sql`), join(dir, `${e.tag}.sql`));
  writeFileSync(join(dir, 'meta/_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));
  expect(readdirSync(dir).length).toBe(at + 1);
  return dir;
}

describe('the compact history migration', () => {
  it('converts old rollup rows to integer path ids, keeping every count and what the panel reads', () => {
    const file = join(tmp.dir, 'old.db');
    const sqlite = new Database(file);
    const db = drizzle(sqlite);
    migrate(db, { migrationsFolder: migrationsBeforeCompact() });
    const insert = sqlite.prepare('insert into health_rollups (device_id, path_key, network, minute, ok_count, fail_count, latency_count, latency_sum_ms, latency_max_ms) values (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const nowMinute = Math.floor(NOW / 60_000);
    for (let m = nowMinute - 120; m <= nowMinute; m++) {
      insert.run('cam-01', 'cam-01|camera-node|lan|127.38.4.1|8080', 'lan', m, 70, 2, 12, 36.4, 4.6);
      insert.run('cam-01', 'cam-01|camera-node|tailscale|127.138.4.1|8080', 'tailscale', m, 60, 12, 12, 120, 20);
      insert.run('cam-02', 'cam-02|camera-node|lan|127.38.4.2|8080', 'lan', m, 72, 0, 12, 24, 3);
    }
    const before = sqlite.prepare('select count(*) n, sum(ok_count) ok, sum(fail_count) fail, sum(latency_count) lc from health_rollups').get();
    sqlite.close();

    const store = openDb(file); // the real start-up path: pending migrations applied
    try {
      const s = store.sqlite;
      expect(s.prepare('select key, device_id, network from health_paths order by key').all()).toEqual([
        { key: 'cam-01|camera-node|lan|127.38.4.1|8080', device_id: 'cam-01', network: 'lan' },
        { key: 'cam-01|camera-node|tailscale|127.138.4.1|8080', device_id: 'cam-01', network: 'tailscale' },
        { key: 'cam-02|camera-node|lan|127.38.4.2|8080', device_id: 'cam-02', network: 'lan' },
      ]);
      expect(s.prepare('select count(*) n, sum(ok_count) ok, sum(fail_count) fail, sum(latency_count) lc from health_rollups').get()).toEqual(before);
      const ctx = { db: store.db, bus: undefined as never };
      expect(availability24h({ ctx, deviceId: 'cam-01', clock: new FakeClock(NOW) }).byNetwork).toEqual({ lan: 70 / 72, tailscale: 60 / 72 });
      const spark = latencySeries({ ctx, deviceId: 'cam-01', minutes: 5, clock: new FakeClock(NOW) });
      expect(spark.find((p) => p.network === 'tailscale')).toMatchObject({ avgMs: 10, maxMs: 20 });
      // Latency is kept in whole ms (36.4 → 36).
      expect(spark.find((p) => p.network === 'lan')).toMatchObject({ avgMs: 3, maxMs: 5 });
    } finally {
      store.close();
    }
  });

  it('leaves the rollups WITHOUT ROWID with no index but their key', () => {
    const store = openDb(join(tmp.dir, 'new.db'));
    try {
      const sql = store.sqlite.prepare("select sql from sqlite_master where type = 'table' and name = 'health_rollups'").pluck().get() as string;
      expect(sql).toMatch(/PRIMARY KEY\(`path_id`, `minute`\)\s*\)\s*WITHOUT ROWID/);
      expect(store.sqlite.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'health_rollups' and sql is not null").all()).toEqual([]);
      migrateDb(store.db); // idempotent
    } finally {
      store.close();
    }
  });
});

const target = (i: number): ProbeTarget => ({
  key: `cam-${i}|camera-node|lan|127.38.4.${i}|8080`, deviceId: `cam-${i}`, network: 'lan', address: `127.38.4.${i}`, service: 'camera-node', port: 8080,
  kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 5000, inScope: true,
});

describe('retention and compaction', () => {
  it('keeps the compaction watermark across a restart and folds only what is new', () => {
    const file = join(tmp.dir, 'mark.db');
    let store = openDb(file);
    const first = new HistoryRecorder({ db: store.db, retentionDays: 30, minuteHours: 25 });
    for (let at = NOW - 30 * HOUR; at <= NOW; at += 60_000) for (const i of [1, 2]) first.recordSample({ target: target(i), ok: true, latencyMs: 2, at });
    first.flush();
    expect(first.compact(NOW)).toBeGreaterThan(0);
    const mark = store.sqlite.prepare("select value from meta where key = 'history.compactedTo'").pluck().get();
    expect(Number(mark)).toBe(Math.floor((NOW - 25 * HOUR) / HOUR) * 60);
    store.close();

    store = openDb(file);
    try {
      const second = new HistoryRecorder({ db: store.db, retentionDays: 30, minuteHours: 25 });
      expect(second.compact(NOW)).toBe(0);
      // An hour later one more hour is due for both paths: 60 minutes each fold into one row.
      expect(second.compact(NOW + HOUR)).toBe(2 * 59);
    } finally {
      store.close();
    }
  });

  it('prunes the audit trail and forgets paths with no rows left, with the history retention', () => {
    const store = openDb(join(tmp.dir, 'prune.db'));
    try {
      expect(Object.keys(RETENTION_PRUNERS)).toEqual(expect.arrayContaining(['audit', 'takes']));
      // Takes: one ended before the cutoff (pruned with its camera), one ended after, one still open since long ago (kept).
      const take = store.sqlite.prepare('insert into takes (started_by, started_at, stopped_at) values (?, ?, ?)');
      const cam = store.sqlite.prepare('insert into take_cameras (take_id, device_id) values (?, ?)');
      const old = Number(take.run('rigmap', new Date(NOW - 4 * 86_400_000).toISOString(), new Date(NOW - 3 * 86_400_000).toISOString()).lastInsertRowid);
      cam.run(old, 'cam-01');
      const recent = Number(take.run('rigmap', new Date(NOW - 3 * 86_400_000).toISOString(), new Date(NOW - 1 * 86_400_000).toISOString()).lastInsertRowid);
      cam.run(recent, 'cam-01');
      const open = Number(take.run('cameras', new Date(NOW - 5 * 86_400_000).toISOString(), null).lastInsertRowid);
      const add = store.sqlite.prepare('insert into audit_log (at, actor, action) values (?, ?, ?)');
      add.run(new Date(NOW - 3 * 86_400_000).toISOString(), 'ana', 'device.created');
      add.run(new Date(NOW - 1 * 86_400_000).toISOString(), 'ben', 'device.removed');
      const recorder = new HistoryRecorder({ db: store.db, retentionDays: 2 });
      recorder.recordSample({ target: target(1), ok: true, latencyMs: 1, at: NOW - 3 * 86_400_000 });
      recorder.recordSample({ target: target(2), ok: true, latencyMs: 1, at: NOW - 3 * 86_400_000 });
      recorder.flush();
      recorder.recordSample({ target: target(2), ok: true, latencyMs: 1, at: NOW });
      recorder.flush();
      const pruned = recorder.prune(NOW);
      expect(pruned).toMatchObject({ rollups: 2, other: { audit: 1, takes: 1 } });
      expect(store.sqlite.prepare('select id from takes order by id').pluck().all()).toEqual([recent, open]);
      expect(store.sqlite.prepare('select take_id from take_cameras').pluck().all()).toEqual([recent]);
      expect(store.sqlite.prepare('select actor from audit_log').pluck().all()).toEqual(['ben']);
      expect(store.sqlite.prepare('select key from health_paths').pluck().all()).toEqual([target(2).key]);
      // A path forgotten and seen again gets a new id and keeps recording.
      recorder.recordSample({ target: target(1), ok: false, latencyMs: null, at: NOW });
      recorder.flush();
      expect(store.sqlite.prepare('select count(*) from health_rollups r join health_paths p on p.id = r.path_id where p.key = ?').pluck().get(target(1).key)).toBe(1);
    } finally {
      store.close();
    }
  });
});
