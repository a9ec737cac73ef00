/** Alert rows: raise, fold, resolve, acknowledge, list. One open alert per kind, device and network. */
import { and, desc, eq, isNotNull, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import type { Alert, AlertKind } from '../health-types.ts';
import type { Network } from '../model.ts';
import type { DbLike } from '../store/db.ts';
import { alerts } from '../store/schema.ts';

type AlertRow = typeof alerts.$inferSelect;

/** Row → API shape. */
export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    kind: row.kind as AlertKind,
    deviceId: row.deviceId,
    network: row.network as Network | null,
    severity: row.severity as Alert['severity'],
    message: row.message,
    folded: JSON.parse(row.folded) as string[],
    raisedAt: row.raisedAt,
    resolvedAt: row.resolvedAt,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: row.acknowledgedBy,
  };
}

/** The open alert of this kind for this device (and network), if any. */
export function findOpenAlert(db: DbLike, kind: AlertKind, deviceId: string, network: Network | null = null): Alert | undefined {
  const rows = db.select().from(alerts).where(and(isNull(alerts.resolvedAt), eq(alerts.kind, kind), eq(alerts.deviceId, deviceId))).all();
  const row = rows.find((r) => r.network === network);
  return row ? toAlert(row) : undefined;
}

/** Every open alert of a device. */
export function openAlertsOf(db: DbLike, deviceId: string): Alert[] {
  return db.select().from(alerts).where(and(isNull(alerts.resolvedAt), eq(alerts.deviceId, deviceId))).all().map(toAlert);
}

/**
 * Insert a new open alert (with its folded list, sorted). Only the alert service
 * (alert-writer.ts) calls this, so the bus hears of every row; tests seed with it.
 */
export function insertAlert(db: DbLike, a: { kind: AlertKind; deviceId: string; network: Network | null; severity: Alert['severity']; message: string; folded?: string[] }, at?: number): Alert {
  const { folded = [], ...rest } = a;
  const row = db.insert(alerts).values({ ...rest, folded: JSON.stringify([...folded].sort()), raisedAt: (at === undefined ? new Date() : new Date(at)).toISOString() }).returning().get();
  return toAlert(row);
}

/** Mark an alert resolved; returns it, or undefined when it was already resolved. */
export function resolveAlertRow(db: DbLike, id: number, message?: string, at?: number): Alert | undefined {
  const row = db
    .update(alerts)
    .set({ resolvedAt: (at === undefined ? new Date() : new Date(at)).toISOString(), ...(message ? { message } : {}) })
    .where(and(eq(alerts.id, id), isNull(alerts.resolvedAt)))
    .returning()
    .get();
  return row ? toAlert(row) : undefined;
}

/** Set an open alert's folded list and message (the alert service tells the bus). */
export function updateOpenAlert(db: DbLike, id: number, change: { folded: string[]; message: string }): Alert | undefined {
  const row = db
    .update(alerts)
    .set({ folded: JSON.stringify(change.folded), message: change.message })
    .where(and(eq(alerts.id, id), isNull(alerts.resolvedAt)))
    .returning()
    .get();
  return row ? toAlert(row) : undefined;
}

/** Open alerts and the most recent resolved ones, newest first. */
export function listAlerts({ ctx, recentLimit = 100 }: { ctx: Ctx; recentLimit?: number }): { open: Alert[]; recent: Alert[] } {
  const open = ctx.db.select().from(alerts).where(isNull(alerts.resolvedAt)).orderBy(desc(alerts.id)).all().map(toAlert);
  const recent = ctx.db.select().from(alerts).where(isNotNull(alerts.resolvedAt)).orderBy(desc(alerts.id)).limit(recentLimit).all().map(toAlert);
  return { open, recent };
}

/** Acknowledge an alert (someone is on it); `not_found` for an unknown id. */
export function acknowledgeAlert({ ctx, id }: { ctx: Ctx; id: number }): Alert {
  const row = ctx.db.select().from(alerts).where(eq(alerts.id, id)).get();
  if (!row) throw new RigmapError('not_found', `no alert with id ${id}`, { id });
  if (row.acknowledgedAt) return toAlert(row);
  const updated = ctx.db
    .update(alerts)
    .set({ acknowledgedAt: new Date().toISOString(), acknowledgedBy: ctx.actor ?? 'unknown' })
    .where(eq(alerts.id, id))
    .returning()
    .get();
  return toAlert(updated as AlertRow);
}
