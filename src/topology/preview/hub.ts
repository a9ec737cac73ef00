/**
 * The preview hub: relays a node's live preview (contract v1.1) to viewers who
 * cannot reach the node. One upstream connection per node is shared by all of
 * its viewers; it opens with the first viewer and closes when the last leaves.
 * Each viewer holds at most ONE waiting frame: a viewer that reads slowly skips
 * frames, so memory stays bounded whatever it does, and one that stops reading
 * is dropped after `stallMs`. Streams are capped in total and per caller (a
 * login or token, else an address), so one client cannot take every slot; the
 * board's single-frame polls never count against either cap. A node is taken
 * at most 2× the asked frame rate (frame-gate.ts), and a broken node stream
 * ends its viewers' answers as errors, logged once per device and cause.
 */
import type { IncomingMessage } from 'node:http';
import { type Clock, systemClock, type TimerHandle } from '../clock.ts';
import { RigmapError } from '../errors.ts';
import { StreamSlots } from '../relay/stream-slots.ts';
import { pumpFrames } from './frame-pump.ts';
import {
  HUB_BOUNDARY, HUB_IDLE_MS, HUB_STALL_MS, MAX_LOGGED_FAILURES, POLL_KEEP_MS,
  type HubStats, type PreviewCaller, type PreviewHubOptions, type PreviewSubscription, type Upstream, type Viewer,
} from './hub-types.ts';

// The hub's vocabulary lives in hub-types.ts; importers keep reading it from here.
export {
  HUB_BOUNDARY, HUB_IDLE_MS, HUB_MAX_FPS_FACTOR, HUB_STALL_MS, HUB_UPSTREAM, POLL_KEEP_MS,
  type HubStats, type PreviewCaller, type PreviewConnect, type PreviewHubOptions, type PreviewSubscription,
} from './hub-types.ts';

export class PreviewHub {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly slots: StreamSlots;
  private openedCount = 0;
  private parsedBefore = 0;
  private skippedBefore = 0;
  private stalledCount = 0;
  private readonly logged = new Set<string>();
  private readonly clock: Clock;
  /** Devices polled frame by frame: one hidden viewer each, left when polls stop. */
  private readonly pollers = new Map<string, { sub: PreviewSubscription; until: number; timer: TimerHandle; up: Upstream | undefined }>();

  constructor(private readonly opts: PreviewHubOptions) {
    this.clock = opts.clock ?? systemClock;
    this.slots = new StreamSlots(opts.maxStreams, opts.maxPerCaller ?? opts.maxStreams, { what: 'live previews', totalFlag: '--preview-max-streams', perCallerFlag: '--preview-max-streams-per-caller' });
  }

  /**
   * Join the preview of `deviceId` at up to `fps` frames a second. Rejects with
   * 'unavailable' at the total or the caller's stream cap, or with the node's
   * error when it cannot be opened. Without `caller` the stream is the hub's
   * own (single-frame polls) and counts against no cap.
   */
  async subscribe(deviceId: string, fps: number, caller?: PreviewCaller): Promise<PreviewSubscription> {
    const key = caller?.key ?? null;
    const release = key !== null ? this.slots.take(key) : undefined;
    const viewer: Viewer = { key, release, minGapMs: fps > 0 ? 1000 / fps : 0, lastSent: 0, slot: null, slotSince: 0, wake: null, closed: false, sentBytes: 0, controller: null, abort: caller?.abort };
    let up = this.upstreams.get(deviceId);
    if (!up) up = this.open(deviceId);
    up.viewers.add(viewer);
    const upstream = up;
    const leave = () => {
      if (viewer.closed) return;
      this.endViewer(viewer, null);
      upstream.viewers.delete(viewer);
      // The last viewer of a node leaving closes the node's connection.
      if (upstream.viewers.size === 0) this.close(upstream, null);
    };
    try {
      await upstream.ready;
    } catch (err) {
      leave();
      throw err;
    }
    if (viewer.closed) throw new RigmapError('upstream_failed', `the live preview of ${deviceId} ended before it started`);
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        viewer.controller = controller;
      },
      pull: (controller) => new Promise<void>((resolve) => {
        const take = () => {
          viewer.wake = null;
          if (viewer.closed) return resolve();
          const frame = viewer.slot;
          if (!frame) {
            viewer.wake = take;
            return;
          }
          viewer.slot = null;
          viewer.lastSent = this.clock.now();
          viewer.sentBytes += frame.length;
          controller.enqueue(new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength));
          resolve();
        };
        take();
      }),
      cancel: leave,
    }, { highWaterMark: 0 });
    return { stream, contentType: `multipart/x-mixed-replace; boundary=${HUB_BOUNDARY}`, leave };
  }

  /**
   * The newest frame of a device's preview as one JPEG, for viewers that cannot
   * hold many streams open (a browser allows six connections per host). The node
   * connection is shared with streaming viewers and kept for POLL_KEEP_MS after
   * the last poll; the first poll waits for a frame, up to `waitMs`. Never
   * refused for want of stream slots: the poller is the hub's own viewer.
   */
  async frame(deviceId: string, waitMs = 5000): Promise<Buffer> {
    let poller = this.pollers.get(deviceId);
    if (poller && this.upstreams.get(deviceId) !== poller.up) {
      // Its node connection ended (and maybe another opened): start over on the current one.
      this.clock.clearInterval(poller.timer);
      this.pollers.delete(deviceId);
      poller.sub.leave();
      poller = undefined;
    }
    if (!poller) {
      const sub = await this.subscribe(deviceId, 0.5);
      // A poller may have been made while we waited: keep one.
      const again = this.pollers.get(deviceId);
      if (again) sub.leave();
      else {
        const timer = this.clock.setInterval(() => {
          const p = this.pollers.get(deviceId);
          if (p && (p.until < this.clock.now() || !this.upstreams.has(deviceId))) {
            this.clock.clearInterval(p.timer);
            this.pollers.delete(deviceId);
            p.sub.leave();
          }
        }, 1000);
        this.pollers.set(deviceId, { sub, until: 0, timer, up: this.upstreams.get(deviceId) });
      }
      poller = this.pollers.get(deviceId)!;
    }
    poller.until = this.clock.now() + POLL_KEEP_MS;
    const up = this.upstreams.get(deviceId);
    if (!up) throw new RigmapError('upstream_failed', `the live preview of ${deviceId} ended`);
    if (up.latest) return up.latest;
    await new Promise<void>((resolve) => {
      const t = this.clock.setTimeout(done, waitMs);
      const clock = this.clock;
      function done() {
        clock.clearTimeout(t);
        up!.waiters.delete(done);
        resolve();
      }
      up.waiters.add(done);
    });
    if (!up.latest) throw new RigmapError('upstream_failed', `${deviceId} sent no preview frame within ${waitMs} ms`);
    return up.latest;
  }

  stats(): HubStats {
    let bufferedBytes = 0;
    let viewers = 0;
    let framesParsed = this.parsedBefore;
    let framesSkipped = this.skippedBefore;
    for (const up of this.upstreams.values()) {
      framesParsed += up.parser?.parsed ?? 0;
      framesSkipped += up.parser?.skipped ?? 0;
      for (const v of up.viewers) {
        viewers++;
        bufferedBytes += v.slot?.length ?? 0;
      }
    }
    return { upstreams: this.upstreams.size, viewers, bufferedBytes, opened: this.openedCount, framesParsed, framesSkipped, stalledDropped: this.stalledCount };
  }

  /** End every stream and upstream (server shutdown). */
  closeAll(): void {
    for (const p of this.pollers.values()) this.clock.clearInterval(p.timer);
    this.pollers.clear();
    for (const up of [...this.upstreams.values()]) this.close(up, null);
  }

  private open(deviceId: string): Upstream {
    const abort = new AbortController();
    const up: Upstream = { deviceId, viewers: new Set(), abort, frames: 0, ready: Promise.resolve(), latest: null, waiters: new Set(), parser: null };
    this.upstreams.set(deviceId, up);
    this.openedCount++;
    up.ready = this.opts.connect(deviceId, abort.signal).then((res) => this.pump(up, res));
    // Failures reach the waiting viewers through `ready`; the upstream is gone either way.
    up.ready.catch((err: Error) => {
      if (!abort.signal.aborted) this.report(deviceId, err);
      this.close(up, null);
    });
    return up;
  }

  private pump(up: Upstream, res: IncomingMessage): void {
    pumpFrames(up, res, {
      clock: this.clock,
      idleMs: this.opts.idleMs ?? HUB_IDLE_MS,
      stallMs: this.opts.stallMs ?? HUB_STALL_MS,
      broken: (u, err) => {
        this.report(u.deviceId, err);
        this.close(u, err);
      },
      close: (u) => this.close(u, null),
      dropStalled: (u, v, stallMs) => this.dropStalled(u, v, stallMs),
    });
  }

  private dropStalled(up: Upstream, v: Viewer, stallMs: number): void {
    this.stalledCount++;
    this.endViewer(v, new RigmapError('unavailable', `a viewer of ${up.deviceId}'s live preview read nothing for ${stallMs} ms and was dropped`));
    up.viewers.delete(v);
    if (up.viewers.size === 0) this.close(up, null);
  }

  /** End one viewer's stream: cleanly (null) or as an error, so the viewer sees a cut, not an end. */
  private endViewer(v: Viewer, err: Error | null): void {
    if (v.closed) return;
    v.closed = true;
    v.slot = null;
    v.release?.();
    try {
      if (err && v.abort) {
        v.abort();
        v.controller?.close();
      } else if (err) v.controller?.error(err);
      else v.controller?.close();
    } catch { /* already closed or cancelled */ }
    v.wake?.();
  }

  /** Tell the wiring of a failure once per device and cause (a flapping node is not a log storm). */
  private report(deviceId: string, err: Error): void {
    const details = err instanceof RigmapError ? (err.details as { cause?: unknown } | undefined) : undefined;
    const cause = typeof details?.cause === 'string' ? details.cause : err.message;
    const key = `${deviceId}\u0000${cause}`;
    if (this.logged.has(key) || this.logged.size >= MAX_LOGGED_FAILURES) return;
    this.logged.add(key);
    this.opts.onError?.(deviceId, err);
  }

  private close(up: Upstream, err: Error | null): void {
    if (this.upstreams.get(up.deviceId) === up) this.upstreams.delete(up.deviceId);
    if (up.parser) {
      this.parsedBefore += up.parser.parsed;
      this.skippedBefore += up.parser.skipped;
      up.parser = null;
    }
    up.abort.abort();
    up.latest = null;
    for (const w of [...up.waiters]) w();
    for (const v of [...up.viewers]) this.endViewer(v, err);
    up.viewers.clear();
  }
}
