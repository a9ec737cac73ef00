/**
 * Health history: every transition at once (it is rare and it matters), probe
 * samples folded in memory into per-minute rollups and flushed in one
 * transaction. Minutes older than `minuteHours` (default 48) are compacted to
 * one row per path per hour, stored at the hour's first minute; rows older than
 * the retention are pruned. At 1,000 nodes × 2 paths that is ≈ 7 M rows at 30
 * days instead of ≈ 86 M (docs/benchmarks.md).
 */
import type { Database as BetterSqlite, Statement } from 'better-sqlite3';
import { lt } from 'drizzle-orm';
import type { Db } from '../store/db.ts';
import { healthRollups, healthTransitions } from '../store/schema.ts';

/** Paths per compaction transaction: ≈ 15,000 minute rows, tens of ms. */
const COMPACT_PATHS = 250;
const ROLLUP_UPSERT = 'insert into health_rollups (device_id, path_key, network, minute, ok_count, fail_count, latency_count, latency_sum_ms, latency_max_ms)';
/** Adds to a row already there for the same path and minute (flush) or hour (compaction). */
const ROLLUP_ADD = `on conflict (path_key, minute) do update set
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
  private timers: NodeJS.Timeout[] = [];
  private slice: NodeJS.Immediate | null = null;
  private upsert: Statement | null = null;
  private compactStmts: Record<'oldest' | 'keys' | 'fold' | 'drop', Statement> | null = null;
  /** First epoch minute (hour-aligned) not yet known to be compacted. */
  private compactFrom: number | undefined;

  constructor(private readonly deps: { db: Db; retentionDays: number; minuteHours?: number; flushMs?: number; onError?: (err: unknown) => void }) {}

  start(): void {
    this.timers.push(setInterval(() => this.safe(() => this.flush()), this.deps.flushMs ?? 10_000));
    this.timers.push(setInterval(() => {
      this.safe(() => this.prune());
      this.compactInSlices();
    }, 3_600_000));
    this.safe(() => this.prune());
    this.compactInSlices();
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
    if (this.slice) clearImmediate(this.slice);
    this.safe(() => this.flush());
  }

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
    const sqlite = this.client();
    const upsert = (this.upsert ??= sqlite.prepare(`${ROLLUP_UPSERT} values (?, ?, ?, ?, ?, ?, ?, ?, ?) ${ROLLUP_ADD}`));
    sqlite.transaction(() => {
      for (const b of rows) {
        if (this.compactFrom !== undefined && b.minute < this.compactFrom) this.compactFrom = Math.floor(b.minute / 60) * 60;
        upsert.run(b.deviceId, b.pathKey, b.network, b.minute, b.ok, b.fail, b.latencyCount, b.latencySum, b.latencyMax);
      }
    })();
  }

  /** Delete transitions and rollups older than the retention. */
  prune(now = Date.now()): { transitions: number; rollups: number } {
    const cutoff = now - this.deps.retentionDays * 86_400_000;
    const t = this.deps.db.delete(healthTransitions).where(lt(healthTransitions.at, cutoff)).run();
    const r = this.deps.db.delete(healthRollups).where(lt(healthRollups.minute, Math.floor(cutoff / 60_000))).run();
    return { transitions: t.changes, rollups: r.changes };
  }

  /**
   * Fold per-minute rows older than `minuteHours` into one row per path per hour
   * (at the hour's first minute), in chunks of COMPACT_PATHS paths of one hour,
   * each its own transaction. Idempotent: an hour already compacted has only that
   * row left. Stops after `maxChunks`; returns how many minute rows were folded.
   */
  compact(now = Date.now(), maxChunks = Number.POSITIVE_INFINITY): number {
    const minuteHours = this.deps.minuteHours ?? 48;
    // Whole hours only, so an hour is never half minutes, half compacted.
    const cutoff = Math.floor((now - minuteHours * 3_600_000) / 3_600_000) * 60;
    const sqlite = this.client();
    const s = (this.compactStmts ??= {
      oldest: sqlite.prepare('select min(minute) from health_rollups').pluck(),
      keys: sqlite.prepare('select distinct path_key from health_rollups where minute > ? and minute < ? order by path_key').pluck(),
      fold: sqlite.prepare(`${ROLLUP_UPSERT}
        select min(device_id), path_key, min(network), ?, sum(ok_count), sum(fail_count), sum(latency_count), sum(latency_sum_ms), max(latency_max_ms)
        from health_rollups where path_key between ? and ? and minute > ? and minute < ? group by path_key ${ROLLUP_ADD}`),
      drop: sqlite.prepare('delete from health_rollups where path_key between ? and ? and minute > ? and minute < ?'),
    });
    // Hours before the watermark are done (flush lowers it for a late minute).
    let first: number = this.compactFrom ?? Math.floor(((s.oldest.get() as number | null) ?? cutoff) / 60) * 60;
    let folded = 0;
    let chunks = 0;
    while (first < cutoff && chunks < maxChunks) {
      const keys = s.keys.all(first, first + 60) as string[];
      if (keys.length === 0) {
        first += 60;
        continue;
      }
      const chunk = keys.slice(0, COMPACT_PATHS);
      const lo = chunk[0] as string;
      const hi = chunk[chunk.length - 1] as string;
      folded += sqlite.transaction(() => {
        s.fold.run(first, lo, hi, first, first + 60);
        return s.drop.run(lo, hi, first, first + 60).changes;
      })();
      chunks++;
    }
    this.compactFrom = first;
    return folded;
  }

  /** Compact one chunk at a time, yielding between, so probing never waits long. */
  private compactInSlices(): void {
    const step = () => this.safe(() => {
      if (this.compact(Date.now(), 1) > 0 && this.timers.length) this.slice = setImmediate(step);
    });
    step();
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
