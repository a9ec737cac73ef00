/** GET /api/events: SSE of the bus events the caller's role may see, with Last-Event-ID resume. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { callerOf } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { EventRing, streamEvents } from '../sse.ts';

export function eventRoutes(deps: AppDeps) {
  // A test app without main.ts wiring gets its own ring on its bus.
  const ring = deps.eventRing ?? new EventRing(deps.bus);
  return new Hono<AppEnv>().get('/', (c) => streamEvents(c, ring, { role: callerOf(c).role }));
}
