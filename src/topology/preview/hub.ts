/**
 * The preview hub: relays a node's live preview (contract v1.1) to viewers who
 * cannot reach the node. One upstream connection per node is shared by all of
 * its viewers; it opens with the first viewer and closes when the last leaves.
 * Each viewer holds at most ONE waiting frame: a viewer that reads slowly (or
 * not at all) skips frames, so memory stays bounded whatever it does. The
 * number of simultaneous viewer streams is capped.
 */
import type { IncomingMessage } from 'node:http';
import { RigmapError } from '../errors.ts';
import { boundaryOf, encodePart, MjpegParser } from './mjpeg.ts';

/** The boundary rigmap's relayed preview uses. */
export const HUB_BOUNDARY = 'rigmap-preview';
/** A relayed preview's stream parameters: the node's frames are asked for once, at these. */
export const HUB_UPSTREAM = { fps: 10, width: 480 };
/** An upstream that sends no frame this long is cut (a hung node), and its viewers' streams end. */
export const HUB_IDLE_MS = 10_000;

/** Opens the node's preview; the hub reads the answer and closes it when done. */
export type PreviewConnect = (deviceId: string, signal: AbortSignal) => Promise<IncomingMessage>;

interface Viewer {
  minGapMs: number;
  lastSent: number;
  /** The newest frame not yet taken by this viewer (older ones were skipped). */
  slot: Buffer | null;
  wake: (() => void) | null;
  closed: boolean;
  sentBytes: number;
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
}

/** How long a device's preview stays open after the last single-frame poll. */
export const POLL_KEEP_MS = 5000;

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
}

export class PreviewHub {
  private readonly upstreams = new Map<string, Upstream>();
  private viewerCount = 0;
  private openedCount = 0;
  /** Devices polled frame by frame: one hidden viewer each, left when polls stop. */
  private readonly pollers = new Map<string, { sub: PreviewSubscription; until: number; timer: NodeJS.Timeout; up: Upstream | undefined }>();

  constructor(private readonly opts: { maxStreams: number; connect: PreviewConnect; idleMs?: number; now?: () => number; onError?: (deviceId: string, err: Error) => void }) {}

  /**
   * Join the preview of `deviceId` at up to `fps` frames a second. Rejects with
   * 'unavailable' at the stream cap, or with the node's error when it cannot be opened.
   */
  async subscribe(deviceId: string, fps: number): Promise<PreviewSubscription> {
    if (this.viewerCount >= this.opts.maxStreams) {
      throw new RigmapError('unavailable', `already relaying ${this.opts.maxStreams} live previews (the --preview-max-streams cap): close one and try again`);
    }
    const now = this.opts.now ?? Date.now;
    const viewer: Viewer = { minGapMs: fps > 0 ? 1000 / fps : 0, lastSent: 0, slot: null, wake: null, closed: false, sentBytes: 0 };
    this.viewerCount++;
    let up = this.upstreams.get(deviceId);
    if (!up) up = this.open(deviceId);
    up.viewers.add(viewer);
    const upstream = up;
    const leave = () => {
      if (viewer.closed) return;
      viewer.closed = true;
      viewer.slot = null;
      this.viewerCount--;
      upstream.viewers.delete(viewer);
      viewer.wake?.();
      // The last viewer of a node leaving closes the node's connection.
      if (upstream.viewers.size === 0) this.close(upstream);
    };
    try {
      await upstream.ready;
    } catch (err) {
      leave();
      throw err;
    }
    if (viewer.closed) throw new RigmapError('upstream_failed', `the live preview of ${deviceId} ended before it started`);
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => new Promise<void>((resolve) => {
        const take = () => {
          viewer.wake = null;
          if (viewer.closed) {
            try {
              controller.close();
            } catch { /* already closed */ }
            return resolve();
          }
          const frame = viewer.slot;
          if (!frame) {
            viewer.wake = take;
            return;
          }
          viewer.slot = null;
          viewer.lastSent = now();
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
   * the last poll; the first poll waits for a frame, up to `waitMs`.
   */
  async frame(deviceId: string, waitMs = 5000): Promise<Buffer> {
    const now = this.opts.now ?? Date.now;
    let poller = this.pollers.get(deviceId);
    if (poller && this.upstreams.get(deviceId) !== poller.up) {
      // Its node connection ended (and maybe another opened): start over on the current one.
      clearInterval(poller.timer);
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
        const timer = setInterval(() => {
          const p = this.pollers.get(deviceId);
          if (p && (p.until < now() || !this.upstreams.has(deviceId))) {
            clearInterval(p.timer);
            this.pollers.delete(deviceId);
            p.sub.leave();
          }
        }, 1000);
        timer.unref();
        this.pollers.set(deviceId, { sub, until: 0, timer, up: this.upstreams.get(deviceId) });
      }
      poller = this.pollers.get(deviceId)!;
    }
    poller.until = now() + POLL_KEEP_MS;
    const up = this.upstreams.get(deviceId);
    if (!up) throw new RigmapError('upstream_failed', `the live preview of ${deviceId} ended`);
    if (up.latest) return up.latest;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, waitMs);
      function done() {
        clearTimeout(t);
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
    for (const up of this.upstreams.values()) {
      for (const v of up.viewers) {
        viewers++;
        bufferedBytes += v.slot?.length ?? 0;
      }
    }
    return { upstreams: this.upstreams.size, viewers, bufferedBytes, opened: this.openedCount };
  }

  /** End every stream and upstream (server shutdown). */
  closeAll(): void {
    for (const p of this.pollers.values()) clearInterval(p.timer);
    this.pollers.clear();
    for (const up of [...this.upstreams.values()]) this.close(up);
  }

  private open(deviceId: string): Upstream {
    const abort = new AbortController();
    const up: Upstream = { deviceId, viewers: new Set(), abort, frames: 0, ready: Promise.resolve(), latest: null, waiters: new Set() };
    this.upstreams.set(deviceId, up);
    this.openedCount++;
    up.ready = this.opts.connect(deviceId, abort.signal).then((res) => this.pump(up, res));
    // Failures reach the waiting viewers through `ready`; the upstream is gone either way.
    up.ready.catch(() => this.close(up));
    return up;
  }

  private pump(up: Upstream, res: IncomingMessage): void {
    const fail = (message: string) => {
      res.destroy();
      throw new RigmapError('upstream_failed', message);
    };
    if (up.abort.signal.aborted) fail(`the live preview of ${up.deviceId} was closed`);
    if (res.statusCode !== 200) fail(`${up.deviceId} does not serve a live preview (HTTP ${res.statusCode}); it needs camera-node contract v1.1`);
    const boundary = boundaryOf(String(res.headers['content-type'] ?? ''));
    if (!boundary) fail(`${up.deviceId} answered its live preview with ${String(res.headers['content-type'] ?? 'no content type').slice(0, 60)}, not multipart/x-mixed-replace`);
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        this.opts.onError?.(up.deviceId, new RigmapError('upstream_failed', `${up.deviceId} sent no preview frame for ${this.opts.idleMs ?? HUB_IDLE_MS} ms`));
        this.close(up);
      }, this.opts.idleMs ?? HUB_IDLE_MS);
    };
    touch();
    const now = this.opts.now ?? Date.now;
    const parser = new MjpegParser(boundary!, (jpeg) => {
      touch();
      up.frames++;
      up.latest = jpeg;
      for (const w of [...up.waiters]) w();
      const part = encodePart(HUB_BOUNDARY, jpeg);
      const t = now();
      for (const v of up.viewers) {
        // Per-viewer rate: a thumbnail asking 2 fps gets every fifth frame of a 10 fps node.
        if (t - v.lastSent < v.minGapMs * 0.8 && v.lastSent !== 0) continue;
        v.slot = part; // replaces an unread frame: skipped, not queued
        v.wake?.();
      }
    });
    res.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        this.opts.onError?.(up.deviceId, err as Error);
        this.close(up);
      }
    });
    const end = () => {
      clearTimeout(idle);
      this.close(up);
    };
    res.on('end', end);
    res.on('close', end);
    res.on('error', end);
    up.abort.signal.addEventListener('abort', () => {
      clearTimeout(idle);
      res.destroy();
    }, { once: true });
  }

  private close(up: Upstream): void {
    if (this.upstreams.get(up.deviceId) === up) this.upstreams.delete(up.deviceId);
    up.abort.abort();
    up.latest = null;
    for (const w of [...up.waiters]) w();
    for (const v of [...up.viewers]) {
      if (v.closed) continue;
      v.closed = true;
      v.slot = null;
      this.viewerCount--;
      v.wake?.();
    }
    up.viewers.clear();
  }
}
