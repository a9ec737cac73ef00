/**
 * The frame pump of one node connection (upstream) of the preview hub: checks
 * the node's answer, parses its MJPEG at most HUB_MAX_FPS_FACTOR × the asked
 * rate (frame-gate.ts; above it TCP holds the node back), hands each viewer the
 * newest frame (one waiting frame each, so a slow reader skips frames), drops a
 * viewer that stopped reading, and cuts a node that went quiet for idleMs.
 * Timers run on the hub's injected clock.
 */
import type { IncomingMessage } from 'node:http';
import type { Clock, TimerHandle } from '../clock.ts';
import { RigmapError } from '../errors.ts';
import { FrameGate } from './frame-gate.ts';
import { HUB_BOUNDARY, HUB_MAX_FPS_FACTOR, HUB_UPSTREAM, type Upstream, type Viewer } from './hub-types.ts';
import { boundaryOf, encodePart, MjpegParser } from './mjpeg.ts';

/** What the pump needs of the hub. */
export interface PumpHost {
  clock: Clock;
  /** No frame this long: the node is cut. */
  idleMs: number;
  /** A waiting frame untaken this long: the viewer is dropped. */
  stallMs: number;
  /** The node stream broke: log it once and end its viewers with the error. */
  broken(up: Upstream, err: Error): void;
  /** The node stream ended cleanly (or was closed by the hub). */
  close(up: Upstream): void;
  dropStalled(up: Upstream, v: Viewer, stallMs: number): void;
}

/** Pump `res` (the node's answer) into `up`'s viewers; throws (rejecting `ready`) when the answer is not a preview. */
export function pumpFrames(up: Upstream, res: IncomingMessage, host: PumpHost): void {
  const fail = (message: string, cause: string) => {
    res.destroy();
    throw new RigmapError('upstream_failed', message, { cause });
  };
  if (up.abort.signal.aborted) fail(`the live preview of ${up.deviceId} was closed`, 'closed');
  if (res.statusCode !== 200) fail(`${up.deviceId} does not serve a live preview (HTTP ${res.statusCode}); it needs camera-node contract v1.1`, `http_${res.statusCode}`);
  const boundary = boundaryOf(String(res.headers['content-type'] ?? ''));
  if (!boundary) fail(`${up.deviceId} answered its live preview with ${String(res.headers['content-type'] ?? 'no content type').slice(0, 60)}, not multipart/x-mixed-replace`, 'content_type');
  const idleMs = host.idleMs;
  const stallMs = host.stallMs;
  let idle: TimerHandle | undefined;
  let resume: TimerHandle | undefined;
  const broken = (err: Error) => host.broken(up, err);
  const touch = () => {
    host.clock.clearTimeout(idle);
    idle = host.clock.setTimeout(() => broken(new RigmapError('upstream_failed', `${up.deviceId} sent no preview frame for ${idleMs} ms`, { cause: 'idle' })), idleMs);
  };
  touch();
  const gate = new FrameGate(host.clock, HUB_MAX_FPS_FACTOR * HUB_UPSTREAM.fps);
  const parser = new MjpegParser(boundary!, (jpeg) => {
    touch();
    up.frames++;
    up.latest = jpeg;
    for (const w of [...up.waiters]) w();
    const part = encodePart(HUB_BOUNDARY, jpeg);
    const t = host.clock.now();
    for (const v of [...up.viewers]) {
      if (v.slot && v.key !== null && t - v.slotSince >= stallMs) {
        host.dropStalled(up, v, stallMs);
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
      resume = host.clock.setTimeout(() => res.resume(), wait);
    }
  });
  let ended = false;
  res.on('end', () => {
    ended = true;
  });
  const end = () => {
    host.clock.clearTimeout(idle);
    host.clock.clearTimeout(resume);
    if (!ended && !up.abort.signal.aborted) broken(new RigmapError('upstream_failed', `${up.deviceId}'s live preview connection broke`, { cause: 'connection_broke' }));
    else host.close(up);
  };
  res.on('close', end);
  res.on('error', () => undefined);
  up.abort.signal.addEventListener('abort', () => {
    host.clock.clearTimeout(idle);
    host.clock.clearTimeout(resume);
    res.destroy();
  }, { once: true });
}
