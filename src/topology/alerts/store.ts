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

/** Insert a new open alert. */
export function insertAlert(db: DbLike, a: { kind: AlertKind; deviceId: string; network: Network | null; severity: Alert['severity']; message: string }): Alert {
  const row = db.insert(alerts).values({ ...a, raisedAt: new Date().toISOString() }).returning().get();
  return toAlert(row);
}

/** Mark an alert resolved; returns it, or undefined when it was already resolved. */
export function resolveAlertRow(db: DbLike, id: number, message?: string): Alert | undefined {
  const row = db
    .update(alerts)
    .set({ resolvedAt: new Date().toISOString(), ...(message ? { message } : {}) })
    .where(and(eq(alerts.id, id), isNull(alerts.resolvedAt)))
    .returning()
    .get();
  return row ? toAlert(row) : undefined;
}

/** Add a device to the folded list of an alert. */
export function foldIntoAlert(db: DbLike, id: number, deviceId: string): Alert | undefined {
  const row = db.select().from(alerts).where(eq(alerts.id, id)).get();
  if (!row) return undefined;
  const folded = new Set(JSON.parse(row.folded) as string[]);
  folded.add(deviceId);
  const updated = db.update(alerts).set({ folded: JSON.stringify([...folded].sort()) }).where(eq(alerts.id, id)).returning().get();
  return updated ? toAlert(updated) : undefined;
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

/** Take a device off the folded list of an alert (it came back on its own). */
export function unfoldFromAlert(db: DbLike, id: number, deviceId: string): Alert | undefined {
  const row = db.select().from(alerts).where(eq(alerts.id, id)).get();
  if (!row) return undefined;
  const folded = (JSON.parse(row.folded) as string[]).filter((d) => d !== deviceId);
  const updated = db.update(alerts).set({ folded: JSON.stringify(folded) }).where(eq(alerts.id, id)).returning().get();
  return updated ? toAlert(updated) : undefined;
}

/** Reword an open alert (an upstream's alert says which devices it covers and which it does not). */
export function setAlertMessage(db: DbLike, id: number, message: string): Alert | undefined {
  const row = db.update(alerts).set({ message }).where(and(eq(alerts.id, id), isNull(alerts.resolvedAt))).returning().get();
  return row ? toAlert(row) : undefined;
}
