/** Reading health history: recent transitions, per-minute latency series, 24 h availability. */
import { systemClock, type Clock } from '../clock.ts';
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { Network } from '../model.ts';
import { healthPaths, healthRollups, healthTransitions } from '../store/schema.ts';

/** One stored transition. */
export interface TransitionRecord {
  service: string;
  network: Network;
  address: string;
  port: number;
  from: string;
  to: string;
  reason: string;
  at: string;
}

/** One minute of one network for the sparkline. */
export interface LatencyPoint {
  minute: string;
  network: Network;
  avgMs: number | null;
  maxMs: number | null;
  availability: number | null;
}

/** The most recent transitions of a device, newest first. */
export function listTransitions({ ctx, deviceId, limit = 50 }: { ctx: Ctx; deviceId: string; limit?: number }): TransitionRecord[] {
  return ctx.db
    .select()
    .from(healthTransitions)
    .where(eq(healthTransitions.deviceId, deviceId))
    .orderBy(desc(healthTransitions.at), desc(healthTransitions.id))
    .limit(limit)
    .all()
    .map((r) => ({ service: r.service, network: r.network as Network, address: r.address, port: r.port, from: r.fromState, to: r.toState, reason: r.reason, at: new Date(r.at).toISOString() }));
}

/** Per-minute latency and availability by network over the last `minutes`. */
export function latencySeries({ ctx, deviceId, minutes = 60, clock = systemClock }: { ctx: Ctx; deviceId: string; minutes?: number; clock?: Clock }): LatencyPoint[] {
  const from = Math.floor(clock.now() / 60_000) - minutes;
  const rows = ctx.db
    .select({
      minute: healthRollups.minute,
      network: healthPaths.network,
      ok: sql<number>`sum(${healthRollups.okCount})`,
      fail: sql<number>`sum(${healthRollups.failCount})`,
      n: sql<number>`sum(${healthRollups.latencyCount})`,
      sum: sql<number>`sum(${healthRollups.latencySumMs})`,
      max: sql<number>`max(${healthRollups.latencyMaxMs})`,
    })
    .from(healthRollups)
    .innerJoin(healthPaths, eq(healthPaths.id, healthRollups.pathId))
    .where(and(eq(healthPaths.deviceId, deviceId), gte(healthRollups.minute, from)))
    .groupBy(healthRollups.minute, healthPaths.network)
    .orderBy(healthRollups.minute)
    .all();
  return rows.map((r) => ({
    minute: new Date(r.minute * 60_000).toISOString(),
    network: r.network as Network,
    avgMs: r.n > 0 ? Math.round((r.sum / r.n) * 10) / 10 : null,
    maxMs: r.n > 0 ? r.max : null,
    availability: r.ok + r.fail > 0 ? r.ok / (r.ok + r.fail) : null,
  }));
}

/** Share of successful probes over the last 24 h, overall and by network (null when never probed). */
export function availability24h({ ctx, deviceId, clock = systemClock }: { ctx: Ctx; deviceId: string; clock?: Clock }): { overall: number | null; byNetwork: Record<string, number | null> } {
  const from = Math.floor(clock.now() / 60_000) - 24 * 60;
  const rows = ctx.db
    .select({ network: healthPaths.network, ok: sql<number>`sum(${healthRollups.okCount})`, fail: sql<number>`sum(${healthRollups.failCount})` })
    .from(healthRollups)
    .innerJoin(healthPaths, eq(healthPaths.id, healthRollups.pathId))
    .where(and(eq(healthPaths.deviceId, deviceId), gte(healthRollups.minute, from)))
    .groupBy(healthPaths.network)
    .all();
  let ok = 0;
  let total = 0;
  const byNetwork: Record<string, number | null> = {};
  for (const r of rows) {
    ok += r.ok;
    total += r.ok + r.fail;
    byNetwork[r.network] = r.ok + r.fail > 0 ? r.ok / (r.ok + r.fail) : null;
  }
  return { overall: total > 0 ? ok / total : null, byNetwork };
}
