/**
 * What the history retention (`--retention-days`) prunes besides health
 * history: the audit trail, and every other time-stamped table that should not
 * grow forever. One pruner per table; the recorder runs them all hourly with
 * the same cutoff.
 */
import type { Database as BetterSqlite } from 'better-sqlite3';

/** Deletes one table's rows older than `cutoffMs` (epoch ms); returns how many. */
export type RetentionPruner = (sqlite: BetterSqlite, cutoffMs: number) => number;

/** Audit entries older than the cutoff (`at` is an ISO time, indexed). */
export const pruneAuditLog: RetentionPruner = (sqlite, cutoffMs) =>
  sqlite.prepare('delete from audit_log where at < ?').run(new Date(cutoffMs).toISOString()).changes;

/**
 * Takes that ended before the cutoff, with their cameras (a take still open is
 * kept however old: it is the one being shot). `stopped_at` is an ISO time.
 */
export const pruneTakes: RetentionPruner = (sqlite, cutoffMs) => {
  const cutoff = new Date(cutoffMs).toISOString();
  return sqlite.transaction(() => {
    // Cameras first: the cascade needs foreign_keys on, which a copied database may not have.
    sqlite.prepare('delete from take_cameras where take_id in (select id from takes where stopped_at is not null and stopped_at < ?)').run(cutoff);
    return sqlite.prepare('delete from takes where stopped_at is not null and stopped_at < ?').run(cutoff).changes;
  })();
};

/** Every table pruned by the history retention, by name. */
export const RETENTION_PRUNERS: Record<string, RetentionPruner> = {
  audit: pruneAuditLog,
  takes: pruneTakes,
};

/** Run every pruner with one cutoff; a table a pruner needs but lacks is reported, not fatal. */
export function pruneRetainedTables(sqlite: BetterSqlite, cutoffMs: number, onError?: (err: unknown) => void): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, prune] of Object.entries(RETENTION_PRUNERS)) {
    try {
      out[name] = prune(sqlite, cutoffMs);
    } catch (err) {
      onError?.(err);
    }
  }
  return out;
}
