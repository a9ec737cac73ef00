/** GET /api/check: the roll call, judged on the running probe engine's live health. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { RigmapError } from '../../topology/errors.ts';
import { presetDriftOf } from '../../topology/look/presets.ts';
import { runRollCall } from '../../topology/rollcall.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

export function checkRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) => {
    const health = deviceHealthOf(deps);
    if (!health) throw new RigmapError('unavailable', 'probing is off on this server (--probes off), so there is no live health to check; run `rigmap check` from a shell instead');
    const by = c.req.query('conformBy') ?? deps.config.conformBy;
    if (by !== 'role' && by !== 'tag') throw new RigmapError('validation_failed', `conformBy must be role or tag (got "${by.slice(0, 40)}")`);
    const ctx = ctxOf(deps, c);
    const report = runRollCall({
      ctx,
      health,
      options: {
        batteryLow: deps.config.batteryLow, storageLow: deps.config.storageLow, clockOffsetMs: deps.config.clockOffsetMs, runwayMinutes: deps.config.runwayMinutes,
        conformBy: by, presetDrift: presetDriftOf(ctx),
      },
    });
    return c.json(report);
  });
}
