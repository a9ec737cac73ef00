/**
 * The SSE side of a simulated node: event framing, the replay ring for
 * `Last-Event-ID`, and writing to open streams according to each path's fault.
 */
import type { ServerResponse } from 'node:http';
import type { PathMode, SimPath } from './types.ts';

/** Reconnect delay announced to clients in the `retry:` field. */
export const SSE_RETRY_MS = 2000;
/** Events kept per node for `Last-Event-ID` resume. */
export const RING_SIZE = 64;

/** One open `GET /api/v1/events` response and the path it came in on. */
export interface SseStream {
  res: ServerResponse;
  path: SimPath;
  /** Beats on its own (faster) cadence (contract v1.1): the shared tick's heartbeats skip it. */
  ownBeat?: boolean;
}

/** One event in the replay ring. */
export interface RingEvent {
  id: number;
  text: string;
}

/** Frame one SSE event; `id` undefined leaves the client's last event id alone. */
export function formatEvent(event: string, data: unknown, id?: number): string {
  return `${id !== undefined ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * What a broken node sends instead of an event: a non-numeric id, data that
 * is not JSON split over two lines, and a line of binary noise.
 */
export function garbleEvent(text: string): string {
  const name = /^event: (.*)$/m.exec(text)?.[1] ?? 'status';
  return `id: ??\nevent: ${name}\ndata: {"${name}":\ndata: \u0000\u00ff not json]]\n\u00fe\u00fd\u0007\n\n`;
}

/** Write already-framed text to a stream as the path's fault allows. */
export function writeToStream(stream: SseStream, text: string, mode: PathMode): void {
  const { res } = stream;
  if (res.destroyed || res.writableEnded) return;
  switch (mode.mode) {
    case 'ok':
      res.write(text);
      return;
    case 'garbage':
      res.write(garbleEvent(text));
      return;
    case 'slow': {
      const timer = setTimeout(() => {
        if (!res.destroyed && !res.writableEnded) res.write(text);
      }, mode.ms);
      timer.unref();
      return;
    }
    // hang: the stream stays open and silent (a Wi-Fi drop). down: streams are already cut.
    default:
      return;
  }
}

/** Events after `lastId` if the ring still holds all of them, else null (a gap). */
export function replaySince(ring: readonly RingEvent[], lastId: number, nextId: number): RingEvent[] | null {
  if (!Number.isInteger(lastId) || lastId < 0 || lastId >= nextId) return null;
  if (lastId === nextId - 1) return [];
  const oldest = ring[0]?.id;
  if (oldest === undefined || lastId < oldest - 1) return null;
  return ring.filter((e) => e.id > lastId);
}

/** Append to a bounded ring. */
export function pushRing(ring: RingEvent[], event: RingEvent): void {
  ring.push(event);
  if (ring.length > RING_SIZE) ring.shift();
}
