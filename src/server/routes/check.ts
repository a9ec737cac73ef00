/** GET /api/check: the roll call, judged on the running probe engine's live health. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { RigmapError } from '../../topology/errors.ts';
import { runRollCall } from '../../topology/rollcall.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

export function checkRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) => {
    const health = deviceHealthOf(deps);
    if (!health) throw new RigmapError('unavailable', 'probing is off on this server (--probes off), so there is no live health to check; run `rigmap check` from a shell instead');
    const report = runRollCall({
      ctx: ctxOf(deps, c),
      health,
      options: { batteryLow: deps.config.batteryLow, storageLow: deps.config.storageLow, clockOffsetMs: deps.config.clockOffsetMs, runwayMinutes: deps.config.runwayMinutes },
    });
    return c.json(report);
  });
}
