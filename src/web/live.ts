/**
 * Live updates over `GET /api/events` (SSE). EventSource reconnects by itself and
 * sends Last-Event-ID, so a dropped connection resumes where it stopped: the
 * server replays what was missed and nothing is refetched. The page reloads the
 * whole picture from the REST API only when it may have missed something: the
 * server says `event: resync` (the id is older than its buffer, or from before a
 * restart), or the server refused the stream outright (EventSource then gives
 * up) and a new one had to be opened after a back-off, without an id.
 */
import type { RigEventMap, RigEventType } from '../topology/events.ts';

const TYPES: RigEventType[] = ['path.state', 'device.state', 'node.status', 'alert.raised', 'alert.changed', 'alert.resolved', 'device.changed', 'link.changed', 'inventory.imported', 'device.discovered', 'device.shoot', 'tailnet.path'];

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  onEvent<K extends RigEventType>(type: K, data: RigEventMap[K], seq: number): void;
  onStatus(status: LiveStatus): void;
  /** Called when state may have been missed: the server asked (`resync`), or a fresh stream had to be opened. */
  onResync(): void;
}

/** Open the stream; returns a function that closes it. */
export function connectLive(handlers: LiveHandlers, url = '/api/events'): () => void {
  let es: EventSource | null = null;
  let retryMs = 1000;
  let timer = 0;
  let closed = false;
  let opened = false;

  const open = () => {
    handlers.onStatus(opened ? 'reconnecting' : 'connecting');
    // A new EventSource has no Last-Event-ID: after the first, its stream starts from now.
    let fresh = opened;
    es = new EventSource(url);
    es.onopen = () => {
      retryMs = 1000;
      // EventSource's own reconnects resume with Last-Event-ID and get the replay: no refetch.
      if (fresh) handlers.onResync();
      fresh = false;
      opened = true;
      handlers.onStatus('live');
    };
    // Sent by the server before the replay when it cannot give everything that was missed.
    es.addEventListener('resync', () => handlers.onResync());
    es.onerror = () => {
      if (!es || closed) return;
      if (es.readyState === EventSource.CLOSED) {
        handlers.onStatus('offline');
        es.close();
        timer = window.setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 15000);
      } else {
        handlers.onStatus('reconnecting');
      }
    };
    for (const type of TYPES) {
      es.addEventListener(type, (ev) => {
        const msg = ev as MessageEvent<string>;
        let data: unknown;
        try {
          data = JSON.parse(msg.data);
        } catch {
          return;
        }
        handlers.onEvent(type, data as RigEventMap[typeof type], Number(msg.lastEventId) || 0);
      });
    }
  };
  open();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    es?.close();
  };
}
