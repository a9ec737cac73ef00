/**
 * The dashboard's side of the event stream: live.ts delivers typed events, and
 * each view subscribes here to the types it needs (`on('path.state', …)`), so no
 * part of the page re-casts another's payloads. The stream opens before the map
 * is read; what arrives before `start()` is queued and replayed in order once
 * the views have subscribed (too much of it, or a resync, asks for a re-read).
 */
import type { RigEventMap, RigEventType } from '../topology/events.ts';

type Handler<K extends RigEventType> = (data: RigEventMap[K]) => void;

/** Events queued before the views exist; past this the page reads the map again instead. */
export const EARLY_EVENTS_MAX = 10_000;

export class LiveBus {
  private readonly handlers = new Map<RigEventType, Handler<never>[]>();
  private readonly resyncs: (() => void)[] = [];
  private early: { type: RigEventType; data: unknown }[] | null = [];
  private missed = false;

  /** Call `fn` with every event of `type`. */
  on<K extends RigEventType>(type: K, fn: Handler<K>): void {
    const list = this.handlers.get(type) ?? [];
    list.push(fn as Handler<never>);
    this.handlers.set(type, list);
  }

  /** Call `fn` when events may have been missed (the page should re-read what it shows). */
  onResync(fn: () => void): void {
    this.resyncs.push(fn);
  }

  /** An event from the stream (live.ts `onEvent`). */
  deliver<K extends RigEventType>(type: K, data: RigEventMap[K]): void {
    if (this.early) {
      if (this.early.length < EARLY_EVENTS_MAX) this.early.push({ type, data });
      else this.missed = true;
      return;
    }
    for (const fn of this.handlers.get(type) ?? []) (fn as Handler<K>)(data);
  }

  /** The stream says something may have been missed (live.ts `onResync`). */
  resync(): void {
    if (this.early) this.missed = true;
    else for (const fn of this.resyncs) fn();
  }

  /** The views have subscribed: replay what came early, in order, then deliver live. */
  start(): void {
    const queued = this.early ?? [];
    this.early = null;
    for (const { type, data } of queued) this.deliver(type, data as RigEventMap[typeof type]);
    if (this.missed) this.resync();
  }
}
