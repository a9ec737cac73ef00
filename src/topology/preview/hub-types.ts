/**
 * The preview hub's vocabulary: its limits, what a viewer and a node connection
 * (upstream) hold, and the options and figures of the hub (hub.ts) and its frame
 * pump (frame-pump.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../clock.ts';
import type { MjpegParser } from './mjpeg.ts';

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
export const MAX_LOGGED_FAILURES = 1000;

/** Opens the node's preview; the hub reads the answer and closes it when done. */
export type PreviewConnect = (deviceId: string, signal: AbortSignal) => Promise<IncomingMessage>;

/** Who is subscribing, for the per-caller cap, and how to cut their connection. */
export interface PreviewCaller {
  /** A login or token name, else the address: streams are counted per key. */
  key: string;
  /** Cut the viewer's connection at once (the Node response); without it the stream errors. */
  abort?: () => void;
}

export interface Viewer {
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

export interface Upstream {
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
