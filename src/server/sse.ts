/**
 * The browser event stream: every bus event kept in a bounded ring so a browser
 * that reconnects with `Last-Event-ID` gets what it missed, then live events,
 * with a comment line now and then so proxies keep the stream open.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { roleMeets, type Requirement, type UserRole } from '../topology/access/roles.ts';
import type { EventBus, RigEvent, RigEventType } from '../topology/events.ts';

/**
 * Events only some roles may see on the stream (everything else: any viewer).
 * access.changed names users, roles and token names: what GET /api/users and
 * /api/tokens show only to admins.
 */
export const EVENT_NEEDS: Partial<Record<RigEventType, Requirement>> = {
  'access.changed': 'admin',
};

/** May a caller of `role` receive events of `type`? */
export const eventVisibleTo = (type: RigEventType, role: UserRole | null): boolean => roleMeets(role, EVENT_NEEDS[type] ?? 'viewer');

/** The last `capacity` bus events, in order. */
export class EventRing {
  private readonly buffer: RigEvent[] = [];
  private readonly listeners = new Set<(e: RigEvent) => void>();
  private readonly off: () => void;

  constructor(bus: EventBus, private readonly capacity = 10_000) {
    this.off = bus.onAny((event) => {
      this.buffer.push(event);
      if (this.buffer.length > this.capacity) this.buffer.shift();
      for (const l of this.listeners) l(event);
    });
  }

  /**
   * Events after `lastId`; `complete` is false when some were already dropped,
   * or when `lastId` is beyond the last event (an id from before a restart,
   * which counts from 1 again: what it missed cannot be told).
   */
  since(lastId: number): { events: RigEvent[]; complete: boolean } {
    const first = this.buffer[0];
    const last = this.buffer.at(-1);
    const complete = lastId <= (last?.seq ?? 0) && (!first || first.seq <= lastId + 1);
    return { events: this.buffer.filter((e) => e.seq > lastId), complete };
  }

  /** Listen to new events; returns the unsubscribe function. */
  subscribe(listener: (e: RigEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.off();
    this.listeners.clear();
  }
}

/**
 * Answer `GET /api/events`: replay after Last-Event-ID (header or `?lastEventId=`),
 * then live; replayed and live events alike only those `role` may see.
 */
export function streamEvents(c: Context, ring: EventRing, opts: { keepAliveMs?: number; role: UserRole | null }) {
  const raw = c.req.header('last-event-id') ?? c.req.query('lastEventId');
  const lastId = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : null;
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    const write = (e: RigEvent) => {
      if (eventVisibleTo(e.type, opts.role)) void stream.writeSSE({ id: String(e.seq), event: e.type, data: JSON.stringify(e.data) }).catch(() => undefined);
    };
    // Replay and subscribe in the same tick: the bus is synchronous, so nothing slips between.
    if (lastId !== null) {
      const { events, complete } = ring.since(lastId);
      // Too far behind: tell the browser to reload the whole picture.
      if (!complete) void stream.writeSSE({ event: 'resync', data: JSON.stringify({ reason: 'missed events were dropped from the buffer' }) }).catch(() => undefined);
      for (const e of events) write(e);
    } else {
      void stream.write(': connected\n\n').catch(() => undefined);
    }
    const off = ring.subscribe(write);
    // Real time on purpose: a comment line that keeps a real connection open through proxies, not a rule.
    const keepAlive = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), opts.keepAliveMs ?? 15_000);
    await new Promise<void>((resolve) => stream.onAbort(() => resolve()));
    clearInterval(keepAlive);
    off();
  });
}
