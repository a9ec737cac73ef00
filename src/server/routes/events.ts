/** GET /api/events: SSE of every bus event, with Last-Event-ID resume. */
import { Hono } from 'hono';
import type { AppDeps } from '../deps.ts';
import { EventRing, streamEvents } from '../sse.ts';

export function eventRoutes(deps: AppDeps) {
  // A test app without main.ts wiring gets its own ring on its bus.
  const ring = deps.eventRing ?? new EventRing(deps.bus);
  return new Hono().get('/', (c) => streamEvents(c, ring));
}
