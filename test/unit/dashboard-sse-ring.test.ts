/**
 * The event ring behind `GET /api/events`: what a browser resuming with
 * Last-Event-ID gets replayed, and when it must be told to resync instead.
 */
import { describe, expect, it } from 'vitest';
import { EventRing } from '../../src/server/sse.ts';
import { EventBus } from '../../src/topology/events.ts';

const emit = (bus: EventBus, n: number) => {
  for (let i = 0; i < n; i++) bus.emit('link.changed', { linkId: i, change: 'updated', actor: 'test' } as never);
};

describe('EventRing.since', () => {
  it('replays what was missed when it still holds it', () => {
    const bus = new EventBus();
    const ring = new EventRing(bus, 5);
    emit(bus, 4);
    expect(ring.since(2)).toMatchObject({ complete: true, events: [{ seq: 3 }, { seq: 4 }] });
    expect(ring.since(4)).toEqual({ complete: true, events: [] });
    expect(ring.since(0).complete).toBe(true);
    ring.close();
  });

  it('is incomplete when events were dropped from the buffer', () => {
    const bus = new EventBus();
    const ring = new EventRing(bus, 3);
    emit(bus, 6);
    expect(ring.since(2)).toMatchObject({ complete: false, events: [{ seq: 4 }, { seq: 5 }, { seq: 6 }] });
    expect(ring.since(3).complete).toBe(true);
    ring.close();
  });

  it('is incomplete for an id beyond the last event (the browser saw a server that has since restarted)', () => {
    const bus = new EventBus();
    const ring = new EventRing(bus, 10);
    expect(ring.since(40)).toEqual({ complete: false, events: [] });
    emit(bus, 2);
    expect(ring.since(40)).toEqual({ complete: false, events: [] });
    ring.close();
  });
});
