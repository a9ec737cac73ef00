/**
 * Changes other processes made, on this server's bus. The CLI (`rigmap device
 * add`, `link`, `import`…) writes to the same SQLite file with its own
 * throwaway bus, so nothing it publishes reaches the server; but it writes the
 * audit trail (as `cli:<os user>`). The server notices other connections'
 * writes through `PRAGMA data_version` (as the probe engine does for its map)
 * and publishes the CLI's audited changes as the events the API would have:
 * device.changed, link.changed, inventory.imported, marked `recorded` so the
 * audit recorder does not write them twice.
 */
import { and, asc, gt, like } from 'drizzle-orm';
import { systemClock, type Clock } from '../clock.ts';
import type { EventBus } from '../events.ts';
import type { Db } from '../store/db.ts';
import { auditLog } from '../store/schema.ts';

/** Rows read per poll (more wait for the next one). */
const BATCH = 500;

type Row = typeof auditLog.$inferSelect;

const CHANGES = new Set(['created', 'updated', 'removed']);

/** Publish one audit row written elsewhere as its bus event, when it is one of the published kinds. */
function publishRow(bus: EventBus, row: Row): void {
  const [kind, change] = row.action.split('.') as [string, string | undefined];
  const details = row.details ? (JSON.parse(row.details) as Record<string, unknown>) : {};
  const actor = row.actor;
  if (kind === 'device' && change && CHANGES.has(change) && row.target) {
    bus.emit('device.changed', { deviceId: row.target, change: change as 'created', actor, recorded: true });
  } else if (kind === 'link' && change && CHANGES.has(change) && typeof details.linkId === 'number') {
    bus.emit('link.changed', { linkId: details.linkId, from: String(details.from), to: String(details.to), change: change as 'created', actor, recorded: true });
  } else if (row.action === 'inventory.imported') {
    const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    bus.emit('inventory.imported', { created: list(details.created), updated: list(details.updated), actor, recorded: true });
  }
}

/**
 * Poll for audit rows the CLI wrote since start and publish them; returns the
 * stop function. `pollMs` is how soon a CLI change shows on /api/events.
 */
export function startAuditFeed({ db, bus, pollMs = 1000, onError, clock = systemClock }: { db: Db; bus: EventBus; pollMs?: number; onError?: (err: unknown) => void; clock?: Clock }): () => void {
  const sqlite = (db as unknown as { $client: { pragma(s: string, o: { simple: true }): number } }).$client;
  let version = sqlite.pragma('data_version', { simple: true });
  let lastId = db.select({ id: auditLog.id }).from(auditLog).orderBy(asc(auditLog.id)).all().at(-1)?.id ?? 0;
  const poll = () => {
    try {
      const now = sqlite.pragma('data_version', { simple: true });
      if (now === version) return;
      const rows = db.select().from(auditLog).where(and(gt(auditLog.id, lastId), like(auditLog.actor, 'cli:%'))).orderBy(asc(auditLog.id)).limit(BATCH).all();
      // Only when all were read does this version count as seen; a long backlog drains over several polls.
      if (rows.length < BATCH) version = now;
      for (const row of rows) {
        lastId = row.id;
        publishRow(bus, row);
      }
    } catch (err) {
      onError?.(err);
    }
  };
  // The clock's timers are unref'd, as this one always was: the server is held open by its socket.
  const timer = clock.setInterval(poll, pollMs);
  return () => clock.clearInterval(timer);
}
