/**
 * Health history: every transition at once (it is rare and it matters), probe
 * samples folded in memory into per-minute rollups and flushed in one
 * transaction. Minutes older than `minuteHours` (default 48) are compacted to
 * one row per path per hour, stored at the hour's first minute; rows older than
 * the retention are pruned (with the audit trail: retention.ts). At 1,000 nodes
 * × 2 paths that is ≈ 7 M rows at 30 days instead of ≈ 86 M; rows carry an
 * integer path id in a WITHOUT ROWID table, ≈ 30 bytes each (docs/benchmarks.md).
 */
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import { lt } from 'drizzle-orm';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import type { EventBus } from '../events.ts';
import type { Db } from '../store/db.ts';
import { healthTransitions } from '../store/schema.ts';
import { pruneRetainedTables } from './retention.ts';

/** Paths per compaction transaction: ≈ 15,000 minute rows, tens of ms. */
const COMPACT_PATHS = 250;
/** Empty chunks (one seek per path, nothing to fold) that cost as much as one with work. */
const EMPTY_CHUNKS_PER_SLICE = 20;
/** Where the compaction watermark survives a restart (so a restart does not walk 30 days of hours). */
const WATERMARK_KEY = 'history.compactedTo';
const ROLLUP_UPSERT = 'insert into health_rollups (path_id, minute, ok_count, fail_count, latency_count, latency_sum_ms, latency_max_ms)';
/** Adds to a row already there for the same path and minute (flush) or hour (compaction). */
const ROLLUP_ADD = `on conflict (path_id, minute) do update set
  ok_count = ok_count + excluded.ok_count, fail_count = fail_count + excluded.fail_count,
  latency_count = latency_count + excluded.latency_count, latency_sum_ms = latency_sum_ms + excluded.latency_sum_ms,
  latency_max_ms = max(latency_max_ms, excluded.latency_max_ms)`;
import type { HealthRecorder } from '../probes/engine.ts';
import type { ProbeTarget } from '../probes/targets.ts';

interface Bucket {
  deviceId: string;
  pathKey: string;
  network: string;
  minute: number;
  ok: number;
  fail: number;
  latencyCount: number;
  latencySum: number;
  latencyMax: number;
}

/** Writes transitions and rollups; call `start()` for periodic flush and pruning, `stop()` flushes. */
export class HistoryRecorder implements HealthRecorder {
  private buckets = new Map<string, Bucket>();
  private closed: Bucket[] = [];
  private timers: TimerHandle[] = [];
  private readonly clock: Clock;
  private slice: NodeJS.Immediate | null = null;
  private stmts: Record<'upsert' | 'addPath' | 'pathId' | 'paths' | 'oldest' | 'fold' | 'drop' | 'prune' | 'anyRow' | 'dropPath' | 'saveMark' | 'readMark', Statement> | null = null;
  /** Path key → its integer id in health_paths (rows carry the id, not the key). */
  private pathIds = new Map<string, number>();
  /** First epoch minute (hour-aligned) not yet known to be compacted. */
  private compactFrom: number | undefined;
  /** Index into the path ids of the hour being compacted. */
  private compactCursor = 0;
  /** Whether the last compact() stopped with hours left before its cutoff. */
  private compactMore = false;

  /** `clock`: the one Clock (flush and prune cadence, retention cut-offs); a FakeClock in tests. */
  constructor(private readonly deps: { db: Db; retentionDays: number; minuteHours?: number; flushMs?: number; onError?: (err: unknown) => void; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  start(): void {
    this.timers.push(this.clock.setInterval(() => this.safe(() => this.flush()), this.deps.flushMs ?? 10_000));
    this.timers.push(this.clock.setInterval(() => {
      this.safe(() => this.prune());
      this.compactInSlices();
    }, 3_600_000));
    this.safe(() => this.prune());
    this.compactInSlices();
  }

  stop(): void {
    for (const off of this.offBus.splice(0)) off();
    for (const t of this.timers.splice(0)) this.clock.clearInterval(t);
    if (this.slice) clearImmediate(this.slice);
    this.safe(() => this.flush());
  }

  /** Take every probe result from the bus: a sample each, a transition row when the path moved. */
  subscribe(bus: EventBus): () => void {
    const off = bus.on('probe.outcome', ({ data: o }) => {
      this.recordSample({ target: o.target, ok: o.ok, latencyMs: o.latencyMs, at: o.at });
      if (o.transition) this.recordTransition({ target: o.target, from: o.transition.from, to: o.transition.to, reason: o.transition.reason, at: o.at });
    });
    this.offBus.push(off);
    return off;
  }

  private readonly offBus: Array<() => void> = [];

  recordTransition({ target, from, to, reason, at }: { target: ProbeTarget; from: string; to: string; reason: string; at: number }): void {
    this.safe(() =>
      this.deps.db
        .insert(healthTransitions)
        .values({ deviceId: target.deviceId, service: target.service, network: target.network, address: target.address, port: target.port, fromState: from, toState: to, reason, at })
        .run(),
    );
  }

  recordSample({ target, ok, latencyMs, at }: { target: ProbeTarget; ok: boolean; latencyMs: number | null; at: number }): void {
    const minute = Math.floor(at / 60_000);
    // One open bucket per path (keyed by the path's own key: no string built per
    // sample); a new minute sets the previous bucket aside for the next flush.
    let b = this.buckets.get(target.key);
    if (b && b.minute !== minute) {
      this.closed.push(b);
      b = undefined;
    }
    if (!b) {
      b = { deviceId: target.deviceId, pathKey: target.key, network: target.network, minute, ok: 0, fail: 0, latencyCount: 0, latencySum: 0, latencyMax: 0 };
      this.buckets.set(target.key, b);
    }
    if (ok) b.ok++;
    else b.fail++;
    if (latencyMs !== null) {
      b.latencyCount++;
      b.latencySum += latencyMs;
      b.latencyMax = Math.max(b.latencyMax, latencyMs);
    }
  }

  /** Write buffered samples, adding to rows already there for the same minute. */
  flush(): void {
    if (this.buckets.size === 0 && this.closed.length === 0) return;
    const rows = [...this.closed, ...this.buckets.values()];
    this.buckets = new Map();
    this.closed = [];
    this.writeRows(rows);
  }

  /**
   * Write one device's buffered samples only: its panel is being read and wants
   * the current minute, but a viewer's read should not write the whole rig.
   */
  flushDevice(deviceId: string): void {
    const rows: Bucket[] = [];
    this.closed = this.closed.filter((b) => b.deviceId !== deviceId || (rows.push(b), false));
    for (const [key, b] of this.buckets) {
      if (b.deviceId !== deviceId) continue;
      rows.push(b);
      this.buckets.delete(key);
    }
    if (rows.length) this.writeRows(rows);
  }

  private writeRows(rows: Bucket[]): void {
    // One prepared statement, not a query built per row: at 2,000 paths the
    // drizzle builder took ≈ 300 ms per flush, a stall every 10 s (bench/history).
    const s = this.sql();
    this.client().transaction(() => {
      for (const b of rows) {
        if (this.compactFrom !== undefined && b.minute < this.compactFrom) this.setWatermark(Math.floor(b.minute / 60) * 60);
        // Whole ms: SQLite then stores the reals as 1-2 byte integers.
        s.upsert.run(this.pathId(b), b.minute, b.ok, b.fail, b.latencyCount, Math.round(b.latencySum), Math.round(b.latencyMax));
      }
    })();
  }

  /** Delete transitions, rollups, the audit trail (and the tables in RETENTION_PRUNERS) older than the retention. */
  prune(now = this.clock.now()): { transitions: number; rollups: number; other: Record<string, number> } {
    const cutoff = now - this.deps.retentionDays * 86_400_000;
    const t = this.deps.db.delete(healthTransitions).where(lt(healthTransitions.at, cutoff)).run();
    const s = this.sql();
    let rollups = 0;
    // Per path: each delete is a seek into the primary key (there is no index on the minute alone).
    this.client().transaction(() => {
      for (const row of s.paths.all() as Array<{ id: number; key: string }>) {
        rollups += s.prune.run(row.id, Math.floor(cutoff / 60_000)).changes;
        if (s.anyRow.get(row.id) === undefined) {
          s.dropPath.run(row.id);
          this.pathIds.delete(row.key);
        }
      }
    })();
    const other = pruneRetainedTables(this.client(), cutoff, this.deps.onError);
    return { transitions: t.changes, rollups, other };
  }

  /**
   * Fold per-minute rows older than `minuteHours` into one row per path per hour
   * (at the hour's first minute), in chunks of COMPACT_PATHS paths of one hour,
   * each its own transaction. Idempotent: an hour already compacted has only that
   * row left. Stops after `maxChunks` chunks with work; returns how many minute rows were folded.
   */
  compact(now = this.clock.now(), maxChunks = Number.POSITIVE_INFINITY): number {
    const minuteHours = this.deps.minuteHours ?? 48;
    // Whole hours only, so an hour is never half minutes, half compacted.
    const cutoff = Math.floor((now - minuteHours * 3_600_000) / 3_600_000) * 60;
    const s = this.sql();
    const ids = (s.paths.all() as Array<{ id: number }>).map((r) => r.id);
    if (this.compactFrom === undefined) {
      const saved = s.readMark.get(WATERMARK_KEY) as string | undefined;
      let oldest = cutoff;
      if (saved === undefined) for (const id of ids) oldest = Math.min(oldest, (s.oldest.get(id) as number | null) ?? oldest);
      this.compactFrom = saved !== undefined ? Number(saved) : Math.floor(oldest / 60) * 60;
    }
    let first = this.compactFrom;
    let folded = 0;
    let work = 0;
    while (first < cutoff && work < maxChunks) {
      const chunk = ids.slice(this.compactCursor, this.compactCursor + COMPACT_PATHS);
      const n = this.client().transaction(() => {
        let dropped = 0;
        for (const id of chunk) {
          s.fold.run(first, id, first, first + 60);
          dropped += s.drop.run(id, first, first + 60).changes;
        }
        return dropped;
      })();
      folded += n;
      work += n > 0 ? 1 : 1 / EMPTY_CHUNKS_PER_SLICE;
      this.compactCursor += COMPACT_PATHS;
      if (this.compactCursor >= ids.length) {
        this.compactCursor = 0;
        first += 60;
        this.setWatermark(first);
      }
    }
    this.compactMore = first < cutoff;
    return folded;
  }

  /** Compact one chunk at a time, yielding between, so probing never waits long. */
  private compactInSlices(): void {
    const step = () => this.safe(() => {
      this.compact(this.clock.now(), 1);
      if (this.compactMore && this.timers.length) this.slice = setImmediate(step);
    });
    step();
  }

  /** The id of a bucket's path, numbering it on first sight. */
  private pathId(b: Bucket): number {
    let id = this.pathIds.get(b.pathKey);
    if (id === undefined) {
      const s = this.sql();
      s.addPath.run(b.pathKey, b.deviceId, b.network);
      id = s.pathId.get(b.pathKey) as number;
      this.pathIds.set(b.pathKey, id);
    }
    return id;
  }

  private setWatermark(minute: number): void {
    this.compactFrom = minute;
    this.sql().saveMark.run(WATERMARK_KEY, String(minute));
  }

  private sql(): NonNullable<HistoryRecorder['stmts']> {
    const c = this.client();
    return (this.stmts ??= {
      upsert: c.prepare(`${ROLLUP_UPSERT} values (?, ?, ?, ?, ?, ?, ?) ${ROLLUP_ADD}`),
      addPath: c.prepare('insert into health_paths (key, device_id, network) values (?, ?, ?) on conflict (key) do nothing'),
      pathId: c.prepare('select id from health_paths where key = ?').pluck(),
      paths: c.prepare('select id, key from health_paths order by id'),
      oldest: c.prepare('select min(minute) from health_rollups where path_id = ?').pluck(),
      fold: c.prepare(`${ROLLUP_UPSERT}
        select path_id, ?, sum(ok_count), sum(fail_count), sum(latency_count), sum(latency_sum_ms), max(latency_max_ms)
        from health_rollups where path_id = ? and minute > ? and minute < ? group by path_id ${ROLLUP_ADD}`),
      drop: c.prepare('delete from health_rollups where path_id = ? and minute > ? and minute < ?'),
      prune: c.prepare('delete from health_rollups where path_id = ? and minute < ?'),
      anyRow: c.prepare('select 1 from health_rollups where path_id = ? limit 1').pluck(),
      dropPath: c.prepare('delete from health_paths where id = ?'),
      saveMark: c.prepare('insert into meta (key, value) values (?, ?) on conflict (key) do update set value = excluded.value'),
      readMark: c.prepare('select value from meta where key = ?').pluck(),
    });
  }

  private client(): BetterSqlite {
    return (this.deps.db as unknown as { $client: BetterSqlite }).$client;
  }

  private safe(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.deps.onError?.(err);
    }
  }
}
