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
 * Every table pruned by the history retention, by name. TAKES HOOK: the takes
 * table (recorded clips, src/topology shoot work) adds its pruner here, e.g.
 * `takes: pruneTakes` deleting takes that ended before the cutoff.
 */
export const RETENTION_PRUNERS: Record<string, RetentionPruner> = {
  audit: pruneAuditLog,
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
