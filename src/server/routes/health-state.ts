/** GET /api/devices/:id/health: live paths, recent transitions, per-minute latency, 24 h availability. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { z } from 'zod';
import { getDevice } from '../../topology/devices.ts';
import { parseOrThrow } from '../../topology/errors.ts';
import { availability24h, latencySeries, listTransitions } from '../../topology/history/queries.ts';
import { type AppDeps, ctxOf, deviceHealthOf } from '../deps.ts';

const querySchema = z.object({
  minutes: z.coerce.number().int().min(1).max(24 * 60).default(60),
  transitions: z.coerce.number().int().min(1).max(1000).default(50),
});

export function healthStateRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().get('/:id/health', documented({ summary: 'One device: live paths, transitions, latency, 24 h availability', query: querySchema }), (c) => {
    const ctx = ctxOf(deps, c);
    const device = getDevice({ ctx, id: c.req.param('id') });
    const q = parseOrThrow(querySchema, c.req.query(), 'query');
    // This device's samples of the current minute are still in memory: write them so its series is current.
    deps.healthService?.history.flushDevice(device.id);
    const health = deviceHealthOf(deps)?.(device.id) ?? { deviceId: device.id, state: 'unknown', paths: [], status: null, lastSeen: null, clock: null, runway: null };
    // The tailnet path (direct or relayed) and tailscaled's own ping, when the Local API is wired.
    const tailnet = deps.tailscale?.getTailnetHealth(device.id) ?? null;
    return c.json({
      ...health,
      tailnet,
      transitions: listTransitions({ ctx, deviceId: device.id, limit: q.transitions }),
      latency: latencySeries({ ctx, deviceId: device.id, minutes: q.minutes, clock: deps.clock }),
      availability24h: availability24h({ ctx, deviceId: device.id, clock: deps.clock }),
    });
  });
}
