/** GET /api/events: SSE of the bus events the caller's role may see, with Last-Event-ID resume. */
import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { documented } from '../openapi.ts';
import { callerOf } from '../auth.ts';
import type { AppDeps } from '../deps.ts';
import { type EventRing, streamEvents } from '../sse.ts';

/** The ring is built by the wiring (main.ts, or buildApp for a bare test app). */
export function eventRoutes(_deps: AppDeps, ring: EventRing) {
  return new Hono<AppEnv>().get('/', documented({ summary: 'Live events (SSE); replays after Last-Event-ID', queryNames: { lastEventId: 'replay after this event id (as the Last-Event-ID header)' } }), (c) => streamEvents(c, ring, { role: callerOf(c).role }));
}
