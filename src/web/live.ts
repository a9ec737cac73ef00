/**
 * Live updates over `GET /api/events` (SSE). EventSource reconnects by itself and
 * sends Last-Event-ID, so a dropped connection resumes where it stopped. When the
 * server refuses the stream outright (EventSource then gives up), we open a new
 * one after a back-off and resynchronise from the REST API instead.
 */
import type { RigEventMap, RigEventType } from '../topology/events.ts';

const TYPES: RigEventType[] = ['path.state', 'device.state', 'node.status', 'alert.raised', 'alert.resolved', 'device.changed', 'link.changed', 'inventory.imported', 'device.discovered'];

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveHandlers {
  onEvent<K extends RigEventType>(type: K, data: RigEventMap[K], seq: number): void;
  onStatus(status: LiveStatus): void;
  /** Called when a fresh stream had to be opened: state may have been missed. */
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
    es = new EventSource(url);
    es.onopen = () => {
      retryMs = 1000;
      if (opened) handlers.onResync();
      opened = true;
      handlers.onStatus('live');
    };
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
