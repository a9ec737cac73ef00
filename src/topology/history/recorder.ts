/**
 * Health history: every transition at once (it is rare and it matters), probe
 * samples folded in memory into per-minute rollups and flushed in one
 * transaction, old rows pruned after the retention so the database stays bounded.
 */
import { lt, sql } from 'drizzle-orm';
import type { Db } from '../store/db.ts';
import { healthRollups, healthTransitions } from '../store/schema.ts';
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
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: { db: Db; retentionDays: number; flushMs?: number; onError?: (err: unknown) => void }) {}

  start(): void {
    this.prune();
    this.timers.push(setInterval(() => this.safe(() => this.flush()), this.deps.flushMs ?? 10_000));
    this.timers.push(setInterval(() => this.safe(() => this.prune()), 3_600_000));
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
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
    const id = `${target.key}@${minute}`;
    let b = this.buckets.get(id);
    if (!b) {
      b = { deviceId: target.deviceId, pathKey: target.key, network: target.network, minute, ok: 0, fail: 0, latencyCount: 0, latencySum: 0, latencyMax: 0 };
      this.buckets.set(id, b);
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
    if (this.buckets.size === 0) return;
    const rows = [...this.buckets.values()];
    this.buckets = new Map();
    const { db } = this.deps;
    db.transaction((tx) => {
      for (const b of rows) {
        tx.insert(healthRollups)
          .values({ deviceId: b.deviceId, pathKey: b.pathKey, network: b.network, minute: b.minute, okCount: b.ok, failCount: b.fail, latencyCount: b.latencyCount, latencySumMs: b.latencySum, latencyMaxMs: b.latencyMax })
          .onConflictDoUpdate({
            target: [healthRollups.pathKey, healthRollups.minute],
            set: {
              okCount: sql`${healthRollups.okCount} + ${b.ok}`,
              failCount: sql`${healthRollups.failCount} + ${b.fail}`,
              latencyCount: sql`${healthRollups.latencyCount} + ${b.latencyCount}`,
              latencySumMs: sql`${healthRollups.latencySumMs} + ${b.latencySum}`,
              latencyMaxMs: sql`max(${healthRollups.latencyMaxMs}, ${b.latencyMax})`,
            },
          })
          .run();
      }
    });
  }

  /** Delete transitions and rollups older than the retention. */
  prune(now = Date.now()): { transitions: number; rollups: number } {
    const cutoff = now - this.deps.retentionDays * 86_400_000;
    const t = this.deps.db.delete(healthTransitions).where(lt(healthTransitions.at, cutoff)).run();
    const r = this.deps.db.delete(healthRollups).where(lt(healthRollups.minute, Math.floor(cutoff / 60_000))).run();
    return { transitions: t.changes, rollups: r.changes };
  }

  private safe(fn: () => unknown): void {
    try {
      fn();
    } catch (err) {
      this.deps.onError?.(err);
    }
  }
}
