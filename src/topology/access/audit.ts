/**
 * The audit trail: who changed what, when, from where. Domain verbs do not
 * write it themselves: the recorder listens to the bus (device.changed,
 * link.changed, inventory.imported, access.changed, command.sent carry their
 * actor) and reads where the request came from out of the request scope the
 * HTTP layer opened (AsyncLocalStorage), so routes and verbs stay thin.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { EventBus, RigEvent } from '../events.ts';
import type { DbLike } from '../store/db.ts';
import { auditLog } from '../store/schema.ts';

/** One entry as `GET /api/audit` lists it. */
export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  via: string | null;
  remote: string | null;
  action: string;
  target: string | null;
  details: unknown;
}

/** What the HTTP layer knows about the request in progress. */
export interface RequestScope {
  remote: string | null;
  via: string;
  actor: string;
  /** Entries recorded during this request (the HTTP layer adds a generic one when none was). */
  recorded: number;
}

/** The scope of the request being handled, if any (set by src/server/auth.ts). */
export const requestScope = new AsyncLocalStorage<RequestScope>();

/** Write one entry. `remote`/`via` default to the current request's. */
export function recordAudit(db: DbLike, e: { actor?: string | null; action: string; target?: string | null; details?: unknown; via?: string | null; remote?: string | null; at?: string }): void {
  const scope = requestScope.getStore();
  if (scope) scope.recorded++;
  db.insert(auditLog).values({
    at: e.at ?? new Date().toISOString(),
    actor: e.actor ?? scope?.actor ?? 'system',
    via: e.via ?? scope?.via ?? null,
    remote: e.remote ?? scope?.remote ?? null,
    action: e.action,
    target: e.target ?? null,
    details: e.details === undefined ? null : JSON.stringify(e.details),
  }).run();
}

/** Turn a bus event into an audit entry, or null for events that are not changes by someone. */
function entryOf(event: RigEvent): Parameters<typeof recordAudit>[1] | null {
  // Re-published from a row another process already wrote (audit-feed.ts).
  if ('recorded' in event.data && event.data.recorded) return null;
  switch (event.type) {
    case 'device.changed':
      return { actor: event.data.actor, action: `device.${event.data.change}`, target: event.data.deviceId };
    case 'link.changed':
      return { actor: event.data.actor, action: `link.${event.data.change}`, target: `${event.data.from} → ${event.data.to} (#${event.data.linkId})`, details: { linkId: event.data.linkId, from: event.data.from, to: event.data.to } };
    case 'inventory.imported':
      return { actor: event.data.actor, action: 'inventory.imported', target: null, details: { created: event.data.created, updated: event.data.updated } };
    case 'access.changed':
      return { actor: event.data.actor, action: event.data.action, target: event.data.target, details: event.data.role ? { role: event.data.role } : undefined };
    case 'command.sent': {
      const r = event.data.report;
      return {
        actor: event.data.actor, action: 'command.sent', target: r.action,
        details: { selection: r.selection, total: r.total, ok: r.ok, failed: r.failed, timedOut: r.timedOut, results: r.results.map(({ deviceId, ok, state, error, timedOut, network }) => ({ deviceId, ok, state, error, timedOut, network })) },
      };
    }
    case 'settings.applied': {
      const r = event.data.report;
      return {
        actor: event.data.actor, action: 'settings.applied', target: r.preset ? `preset ${r.preset}` : Object.entries(r.settings).map(([k, v]) => `${k}=${v}`).join(' '),
        details: { settings: r.settings, total: r.total, applied: r.applied, cameras: r.cameras.map((c) => ({ deviceId: c.deviceId, outcome: c.outcome, settings: c.settings.map(({ key, outcome, reason }) => ({ key, outcome, reason })) })) },
      };
    }
    default:
      return null;
  }
}

const recorders = new WeakMap<EventBus, () => void>();

/** Record audited bus events into `db` (once per bus); returns the unsubscribe. */
export function startAuditRecorder({ db, bus, onError }: { db: DbLike; bus: EventBus; onError?: (err: unknown) => void }): () => void {
  const existing = recorders.get(bus);
  if (existing) return existing;
  const off = bus.onAny((event) => {
    const entry = entryOf(event);
    if (!entry) return;
    try {
      recordAudit(db, entry);
    } catch (err) {
      onError?.(err);
    }
  });
  const stop = () => {
    off();
    recorders.delete(bus);
  };
  recorders.set(bus, stop);
  return stop;
}

/** Newest first; filter by actor or action prefix; `before` pages back by id. */
export function listAudit({ ctx, limit = 100, actor, action, before }: { ctx: Ctx; limit?: number; actor?: string; action?: string; before?: number }): AuditEntry[] {
  const where: SQL[] = [];
  if (actor) where.push(eq(auditLog.actor, actor));
  if (before) where.push(lt(auditLog.id, before));
  let rows = ctx.db.select().from(auditLog).where(where.length ? and(...where) : undefined).orderBy(desc(auditLog.id)).limit(action ? 5000 : limit).all();
  if (action) rows = rows.filter((r) => r.action === action || r.action.startsWith(`${action}.`)).slice(0, limit);
  return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, via: r.via, remote: r.remote, action: r.action, target: r.target, details: r.details ? JSON.parse(r.details) : null }));
}
