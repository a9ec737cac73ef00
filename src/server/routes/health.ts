/** GET /healthz: is the server up and its database answering. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { sql } from 'drizzle-orm';
import { systemClock } from '../../topology/clock.ts';
import type { AppDeps } from '../deps.ts';

export function healthRoutes(deps: AppDeps) {
  // Uptime on the app's clock, from when the app was built (not when this module was first imported).
  const clock = deps.clock ?? systemClock;
  const startedAt = clock.now();
  return new Hono<AppEnv>().get('/', (c) => {
    let database: 'ok' | 'error' = 'ok';
    try {
      deps.db.get(sql`select 1`);
    } catch {
      database = 'error';
    }
    const ok = database === 'ok';
    // Tailscale sync state (null when no sync runs); a failing sync does not make the server unhealthy.
    const tailscale = deps.tailscale?.sync?.status() ?? null;
    // Probe engine state (null when probing is off): counts of paths up, down, unknown, outside scope.
    const probes = deps.healthService?.engine.summary() ?? null;
    return c.json({ ok, database, uptimeSec: Math.round((clock.now() - startedAt) / 1000), tailscale, probes }, ok ? 200 : 503);
  });
}
