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
import { FrameGate } from './frame-gate.ts';
import { StreamSlots } from '../relay/stream-slots.ts';
import { boundaryOf, encodePart, MjpegParser } from './mjpeg.ts';

/** The boundary rigmap's relayed preview uses. */
export const HUB_BOUNDARY = 'rigmap-preview';
/** A relayed preview's stream parameters: the node's frames are asked for once, at these. */
export const HUB_UPSTREAM = { fps: 10, width: 480 };
/** An upstream that sends no frame this long is cut (a hung node), and its viewers' streams end. */
export const HUB_IDLE_MS = 10_000;
/** A viewer that has not taken a waiting frame for this long has stopped reading: it is dropped. */
export const HUB_STALL_MS = 10_000;
/** Frames a second taken from a node, as a multiple of the asked rate; the rest are skipped unparsed. */
export const HUB_MAX_FPS_FACTOR = 2;
/** How long a device's preview stays open after the last single-frame poll. */
export const POLL_KEEP_MS = 5000;
/** Distinct (device, cause) failures remembered for log-once; past it, failures are not logged. */
const MAX_LOGGED_FAILURES = 1000;

/** Opens the node's preview; the hub reads the answer and closes it when done. */
export type PreviewConnect = (deviceId: string, signal: AbortSignal) => Promise<IncomingMessage>;

/** Who is subscribing, for the per-caller cap, and how to cut their connection. */
export interface PreviewCaller {
  /** A login or token name, else the address: streams are counted per key. */
  key: string;
  /** Cut the viewer's connection at once (the Node response); without it the stream errors. */
  abort?: () => void;
}

interface Viewer {
  key: string | null;
  /** Frees the viewer's stream slot (absent for the hub's own pollers). */
  release?: () => void;
  minGapMs: number;
  lastSent: number;
  /** The newest frame not yet taken by this viewer (older ones were skipped). */
  slot: Buffer | null;
  /** When the slot was filled while empty: a slot untaken for stallMs is a stalled viewer. */
  slotSince: number;
  wake: (() => void) | null;
  closed: boolean;
  sentBytes: number;
  controller: ReadableStreamDefaultController<Uint8Array> | null;
  abort?: () => void;
}

interface Upstream {
  deviceId: string;
  viewers: Set<Viewer>;
  abort: AbortController;
  ready: Promise<void>;
  frames: number;
  /** The newest JPEG, for viewers that poll single frames. */
  latest: Buffer | null;
  /** Waiting for the first frame. */
  waiters: Set<() => void>;
  parser: MjpegParser | null;
}

/** A viewer's side: the stream to send and a way to leave. */
export interface PreviewSubscription {
  stream: ReadableStream<Uint8Array>;
  contentType: string;
  leave(): void;
}

/** Figures for tests, /metrics and benchmarks. */
export interface HubStats {
  upstreams: number;
  viewers: number;
  /** Bytes held in viewers' waiting frames right now. */
  bufferedBytes: number;
  /** Upstream connections opened since start. */
  opened: number;
  /** Frames parsed from nodes since start, and frames skipped unparsed (above the rate cap). */
  framesParsed: number;
  framesSkipped: number;
  /** Viewers dropped because they stopped reading. */
  stalledDropped: number;
}

export interface PreviewHubOptions {
  maxStreams: number;
  /** Streams one caller may hold at once (default: all of maxStreams). */
  maxPerCaller?: number;
  connect: PreviewConnect;
  idleMs?: number;
  stallMs?: number;
  clock?: Clock;
  /** Called once per device and cause of failure (the wiring logs it). */
  onError?: (deviceId: string, err: Error) => void;
}

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
    const fail = (message: string, cause: string) => {
      res.destroy();
      throw new RigmapError('upstream_failed', message, { cause });
    };
    if (up.abort.signal.aborted) fail(`the live preview of ${up.deviceId} was closed`, 'closed');
    if (res.statusCode !== 200) fail(`${up.deviceId} does not serve a live preview (HTTP ${res.statusCode}); it needs camera-node contract v1.1`, `http_${res.statusCode}`);
    const boundary = boundaryOf(String(res.headers['content-type'] ?? ''));
    if (!boundary) fail(`${up.deviceId} answered its live preview with ${String(res.headers['content-type'] ?? 'no content type').slice(0, 60)}, not multipart/x-mixed-replace`, 'content_type');
    const idleMs = this.opts.idleMs ?? HUB_IDLE_MS;
    const stallMs = this.opts.stallMs ?? HUB_STALL_MS;
    let idle: TimerHandle | undefined;
    let resume: TimerHandle | undefined;
    const broken = (err: Error) => {
      this.report(up.deviceId, err);
      this.close(up, err);
    };
    const touch = () => {
      this.clock.clearTimeout(idle);
      idle = this.clock.setTimeout(() => broken(new RigmapError('upstream_failed', `${up.deviceId} sent no preview frame for ${idleMs} ms`, { cause: 'idle' })), idleMs);
    };
    touch();
    const gate = new FrameGate(this.clock, HUB_MAX_FPS_FACTOR * HUB_UPSTREAM.fps);
    const parser = new MjpegParser(boundary!, (jpeg) => {
      touch();
      up.frames++;
      up.latest = jpeg;
      for (const w of [...up.waiters]) w();
      const part = encodePart(HUB_BOUNDARY, jpeg);
      const t = this.clock.now();
      for (const v of [...up.viewers]) {
        if (v.slot && v.key !== null && t - v.slotSince >= stallMs) {
          this.dropStalled(up, v, stallMs);
          continue;
        }
        // Per-viewer rate: a thumbnail asking 2 fps gets every fifth frame of a 10 fps node.
        if (t - v.lastSent < v.minGapMs * 0.8 && v.lastSent !== 0) continue;
        if (!v.slot) v.slotSince = t;
        v.slot = part; // replaces an unread frame: skipped, not queued
        v.wake?.();
      }
    }, undefined, () => gate.take());
    up.parser = parser;
    res.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        return broken(err as Error);
      }
      // Over the frame budget: stop reading until the next frame is due (TCP holds the node back).
      const wait = gate.waitMs();
      if (wait > 0 && !res.isPaused()) {
        res.pause();
        resume = this.clock.setTimeout(() => res.resume(), wait);
      }
    });
    let ended = false;
    res.on('end', () => {
      ended = true;
    });
    const end = () => {
      this.clock.clearTimeout(idle);
      this.clock.clearTimeout(resume);
      if (!ended && !up.abort.signal.aborted) broken(new RigmapError('upstream_failed', `${up.deviceId}'s live preview connection broke`, { cause: 'connection_broke' }));
      else this.close(up, null);
    };
    res.on('close', end);
    res.on('error', () => undefined);
    up.abort.signal.addEventListener('abort', () => {
      this.clock.clearTimeout(idle);
      this.clock.clearTimeout(resume);
      res.destroy();
    }, { once: true });
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
