/**
 * The dashboard's live bus (src/web/live-bus.ts): each view gets the typed
 * events it subscribed to; what arrives before the views exist is replayed in
 * order; an overflow or a resync before start asks for one re-read after it.
 */
import { describe, expect, it } from 'vitest';
import { EARLY_EVENTS_MAX, LiveBus } from '../../src/web/live-bus.ts';
import type { Alert } from '../../src/topology/health-types.ts';

const alert = (id: number) => ({ id }) as unknown as Alert;

describe('live bus', () => {
  it('queues events until start, then replays them in order to the subscribers of their type only', () => {
    const bus = new LiveBus();
    const seen: string[] = [];
    bus.deliver('alert.raised', { alert: alert(1) });
    bus.deliver('node.status', { deviceId: 'cam-1', status: null as never });
    bus.on('alert.raised', (d) => seen.push(`raised ${d.alert.id}`));
    bus.on('alert.resolved', (d) => seen.push(`resolved ${d.alert.id}`));
    bus.deliver('alert.resolved', { alert: alert(1) });
    expect(seen).toEqual([]);
    bus.start();
    expect(seen).toEqual(['raised 1', 'resolved 1']);
    bus.deliver('alert.raised', { alert: alert(2) });
    expect(seen).toEqual(['raised 1', 'resolved 1', 'raised 2']);
  });

  it('a resync before start, or more early events than it keeps, is one re-read after start', () => {
    for (const cause of ['resync', 'overflow'] as const) {
      const bus = new LiveBus();
      let resyncs = 0;
      let raised = 0;
      bus.onResync(() => resyncs++);
      bus.on('alert.raised', () => raised++);
      if (cause === 'resync') bus.resync();
      else for (let i = 0; i <= EARLY_EVENTS_MAX; i++) bus.deliver('alert.raised', { alert: alert(i) });
      expect(resyncs).toBe(0);
      bus.start();
      expect(resyncs, cause).toBe(1);
      expect(raised).toBe(cause === 'resync' ? 0 : EARLY_EVENTS_MAX);
      bus.resync();
      expect(resyncs).toBe(2);
    }
  });
});
