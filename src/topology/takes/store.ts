/**
 * Takes (shoot): rows of the takes and take_cameras tables, and the verbs that
 * read them (list, CSV for the editor). The tracker (tracker.ts) writes them.
 */
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { DbLike } from '../store/db.ts';
import { takeCameras, takes } from '../store/schema.ts';

/** What can be wrong with one camera in a take. */
export type TakeProblem = 'stopped_early' | 'never_started' | 'clock_off';

/** One camera of a take, times in rigmap's clock (ISO). */
export interface TakeCamera {
  deviceId: string;
  clip: string | null;
  startedAt: string | null;
  stoppedAt: string | null;
  offsetMs: number | null;
  stopReason: string | null;
  problems: TakeProblem[];
  markers: Array<{ time: string; label: string }>;
}

/** A take: the rig from one start to its stop. */
export interface Take {
  id: number;
  startedBy: 'rigmap' | 'node';
  targetAt: string | null;
  startedAt: string;
  stoppedAt: string | null;
  cameras: TakeCamera[];
}

type CameraRow = typeof takeCameras.$inferSelect;

function toCamera(r: CameraRow): TakeCamera {
  return {
    deviceId: r.deviceId, clip: r.clip, startedAt: r.startedAt, stoppedAt: r.stoppedAt, offsetMs: r.offsetMs, stopReason: r.stopReason,
    problems: JSON.parse(r.problems) as TakeProblem[], markers: JSON.parse(r.markers) as TakeCamera['markers'],
  };
}

/** The open take's id, if one is running. */
export function findOpenTake(db: DbLike): number | null {
  return db.select({ id: takes.id }).from(takes).where(isNull(takes.stoppedAt)).orderBy(desc(takes.id)).get()?.id ?? null;
}

/** Start a take. */
export function insertTake(db: DbLike, t: { startedBy: Take['startedBy']; startedAt: string; targetAt?: string | null }): number {
  return db.insert(takes).values({ startedBy: t.startedBy, startedAt: t.startedAt, targetAt: t.targetAt ?? null }).returning({ id: takes.id }).get().id;
}

/** Change a take's own fields (rigmap claims a take it started, or it stops). */
export function updateTake(db: DbLike, id: number, set: Partial<{ startedBy: Take['startedBy']; targetAt: string | null; stoppedAt: string }>): void {
  db.update(takes).set(set).where(eq(takes.id, id)).run();
}

/** A camera of a take, created empty on first use. */
export function takeCamera(db: DbLike, takeId: number, deviceId: string): TakeCamera {
  const row = db.select().from(takeCameras).where(and(eq(takeCameras.takeId, takeId), eq(takeCameras.deviceId, deviceId))).get()
    ?? db.insert(takeCameras).values({ takeId, deviceId }).returning().get();
  return toCamera(row);
}

/** Write a camera of a take back. */
export function saveTakeCamera(db: DbLike, takeId: number, c: TakeCamera): void {
  takeCamera(db, takeId, c.deviceId);
  db.update(takeCameras).set({
    clip: c.clip, startedAt: c.startedAt, stoppedAt: c.stoppedAt, offsetMs: c.offsetMs, stopReason: c.stopReason,
    problems: JSON.stringify([...new Set(c.problems)]), markers: JSON.stringify(c.markers.slice(-500)),
  }).where(and(eq(takeCameras.takeId, takeId), eq(takeCameras.deviceId, c.deviceId))).run();
}

/** Every camera of a take. */
export function camerasOfTake(db: DbLike, takeId: number): TakeCamera[] {
  return db.select().from(takeCameras).where(eq(takeCameras.takeId, takeId)).orderBy(takeCameras.deviceId).all().map(toCamera);
}

/** The newest takes first, with their cameras. */
export function listTakes({ ctx, limit = 50 }: { ctx: Ctx; limit?: number }): Take[] {
  const rows = ctx.db.select().from(takes).orderBy(desc(takes.id)).limit(Math.max(1, Math.min(limit, 1000))).all();
  return rows.map((t) => ({ id: t.id, startedBy: t.startedBy as Take['startedBy'], targetAt: t.targetAt, startedAt: t.startedAt, stoppedAt: t.stoppedAt, cameras: camerasOfTake(ctx.db, t.id) }));
}

/** A cell an editor's spreadsheet will not run as a formula (clip names and labels come from nodes and users). */
function csvCell(v: string | number | null): string {
  let s = v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Takes as CSV for the editor: one row per camera per take, oldest take first. */
export function takesToCsv(list: Take[]): string {
  const header = ['take', 'camera', 'clip', 'start', 'stop', 'duration_s', 'clock_offset_ms', 'markers', 'problems', 'stop_reason'];
  const rows = [...list].reverse().flatMap((t) => t.cameras.map((c) => {
    const dur = c.startedAt && c.stoppedAt ? Math.round((Date.parse(c.stoppedAt) - Date.parse(c.startedAt)) / 100) / 10 : null;
    return [t.id, c.deviceId, c.clip, c.startedAt, c.stoppedAt, dur, c.offsetMs, c.markers.map((m) => `${m.time} ${m.label}`.trim()).join('; '), c.problems.join(';'), c.stopReason];
  }));
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
