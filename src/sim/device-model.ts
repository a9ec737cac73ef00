/**
 * The simulated state of one camera node: recording, battery, thermal, storage.
 * Pure: time comes in as an argument, so unit tests can step it.
 */
import type { CameraLook } from '../topology/health-types.ts';
import { SimLook } from './look.ts';

export type NodeState = 'idle' | 'recording' | 'streaming' | 'error';
export type Thermal = 'nominal' | 'fair' | 'serious' | 'critical';

/** `GET /api/v1/status` of contract v1. */
export interface NodeStatusBody {
  id: string;
  state: NodeState;
  battery: { level: number; charging: boolean; drainPerHour: number };
  thermal: Thermal;
  storage: { freeBytes: number; totalBytes: number };
  uptimeSec: number;
  time: string;
  /** Contract v1.1: the take in progress (times on the node's clock), or null. */
  recording: { since: string; clip: string; bitrateBps: number } | null;
  /** Contract v1.1: why the last take ended without a record.stop (app crash, storage full), else null. */
  stopReason: string | null;
  /** Contract v1.2: format, ISO, shutter, white balance, auto exposure, focus. */
  look: CameraLook;
}

/** Rates per second; faster than a real phone so a demo visibly moves. */
const DRAIN_IDLE = 0.0002;
const DRAIN_RECORDING = 0.00027;
const CHARGE = 0.0009;
const HEAT_RECORDING = 0.004;
const COOL_IDLE = 0.006;
const WRITE_BYTES_PER_SEC = 25_000_000;
const TOTAL_BYTES = 256_000_000_000;
/** What the recording writes, in bits per second (status.recording.bitrateBps). */
export const BITRATE_BPS = WRITE_BYTES_PER_SEC * 8;
/** The furthest ahead a `record.start` `args.at` may be (a typo of a day is refused, not armed). */
export const MAX_ARM_AHEAD_MS = 3_600_000;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** The mutable simulated state of a camera. */
export class CameraModel {
  state: NodeState = 'idle';
  level: number;
  charging: boolean;
  heat = 0;
  freeBytes: number;
  readonly totalBytes = TOTAL_BYTES;
  recordingSince: number | null = null;
  markers = 0;
  identifyUntil = 0;
  /** How far the node's clock runs off the true one (the `clock-skew` fault). */
  clockSkewMs = 0;
  /** The true instant (ms) an `args.at` start is armed for, or null. */
  armedAt: number | null = null;
  clip: string | null = null;
  clips = 0;
  stopReason: string | null = null;
  /** Contract v1.2 settings (src/sim/look.ts). */
  readonly look = new SimLook('camera-node');
  /** The clip name the next start was given (`record.start` `args.clip`, v1.2), used once. */
  nextClip: string | null = null;
  private last: number;

  constructor(
    readonly id: string,
    index: number,
    readonly startedAt: number,
  ) {
    // Deterministic spread so a rig looks varied but reproducible.
    this.level = 0.55 + ((index * 37) % 45) / 100;
    this.charging = index % 3 === 2;
    this.freeBytes = Math.round(TOTAL_BYTES * (0.4 + ((index * 53) % 50) / 100));
    this.last = startedAt;
  }

  get thermal(): Thermal {
    if (this.heat < 0.35) return 'nominal';
    if (this.heat < 0.6) return 'fair';
    if (this.heat < 0.85) return 'serious';
    return 'critical';
  }

  /** Advance the physics to `now` (ms since epoch). */
  step(now: number): void {
    const dt = Math.max(0, (now - this.last) / 1000);
    this.last = now;
    if (this.armedAt !== null && now >= this.armedAt) {
      // The node starts at the instant it was armed for, as a phone's capture clock does.
      this.beginRecording(this.armedAt);
    }
    if (dt === 0) return;
    const recording = this.state === 'recording';
    const drain = recording ? DRAIN_RECORDING : DRAIN_IDLE;
    this.level = clamp(this.level + (this.charging ? CHARGE - drain : -drain) * dt, 0.01, 1);
    // A crew member plugs a low phone in and unplugs a full one.
    if (this.level <= 0.2) this.charging = true;
    else if (this.level >= 0.98) this.charging = false;
    this.heat = clamp(this.heat + (recording ? HEAT_RECORDING : -COOL_IDLE) * dt + (this.charging ? 0.0005 * dt : 0), 0, 1);
    if (recording) {
      this.freeBytes = Math.max(0, this.freeBytes - Math.round(WRITE_BYTES_PER_SEC * dt));
      if (this.freeBytes === 0) this.stopBySelf('error', 'storage full', now);
    }
  }

  /** Start a take at `at` (true ms): a new clip name, no stop reason. */
  beginRecording(at: number): void {
    this.armedAt = null;
    this.state = 'recording';
    this.recordingSince = at;
    this.clips++;
    this.clip = this.nextClip ?? `${this.id.toUpperCase().replace(/-/g, '')}_${String(this.clips).padStart(4, '0')}`;
    this.nextClip = null;
    this.stopReason = null;
  }

  /** The take ends without a record.stop (app crash, full disk, the `record-stop` fault). */
  stopBySelf(state: 'error' | 'idle', reason: string, _now: number): boolean {
    if (this.state !== 'recording' && this.armedAt === null) return false;
    this.armedAt = null;
    this.state = state;
    this.recordingSince = null;
    this.stopReason = reason.slice(0, 200);
    return true;
  }

  /** The node's own clock at true time `now`. */
  nodeTime(now: number): string {
    return new Date(now + this.clockSkewMs).toISOString();
  }

  /** The body of `GET /api/v1/status`. */
  status(now: number): NodeStatusBody {
    return {
      id: this.id,
      state: this.state,
      battery: { level: Math.round(this.level * 100) / 100, charging: this.charging, drainPerHour: Math.round((this.state === 'recording' ? DRAIN_RECORDING : DRAIN_IDLE) * 3600 * 10_000) / 10_000 },
      thermal: this.thermal,
      storage: { freeBytes: this.freeBytes, totalBytes: this.totalBytes },
      uptimeSec: Math.floor((now - this.startedAt) / 1000),
      time: this.nodeTime(now),
      recording: this.state === 'recording' && this.recordingSince !== null ? { since: this.nodeTime(this.recordingSince), clip: this.clip ?? '', bitrateBps: BITRATE_BPS } : null,
      stopReason: this.stopReason,
      look: lookOf(this.look),
    };
  }

  /**
   * What a `status` event is sent on: a change of state, charging, battery
   * percent, thermal state or free storage to the nearest 100 MB.
   */
  changeKey(): string {
    return `${this.state}|${this.charging}|${Math.round(this.level * 100)}|${this.thermal}|${Math.floor(this.freeBytes / 100_000_000)}|${JSON.stringify(lookOf(this.look))}`;
  }
}

/** Contract v1.2 `look` of a node's settings (what it lacks is listed, not sent). */
export function lookOf(l: SimLook): CameraLook {
  const has = (e: Parameters<SimLook['has']>[0]) => l.has(e);
  const notOffered = ([['videoFormat', 'format'], ['format', 'codec'], ['dynamicRange', 'dynamicRange'], ['iso', 'iso'], ['shutter', 'shutter'], ['whiteBalance', 'whiteBalance'],
    ['whiteBalanceTint', 'whiteBalanceTint'], ['autoExposure', 'autoExposure'], ['focus', 'focusMode']] as const).filter(([e]) => !has(e)).map(([, f]) => f);
  return {
    format: has('videoFormat') ? { width: l.width, height: l.height, frameRate: l.frameRate, interlaced: l.interlaced, codec: has('format') ? l.codec : null, dynamicRange: has('dynamicRange') ? l.dynamicRange : null } : null,
    iso: has('iso') ? l.iso : null,
    shutterSpeed: has('shutter') ? l.shutterSpeed : null,
    shutterAngle: null,
    whiteBalance: has('whiteBalance') ? l.whiteBalance : null,
    whiteBalanceTint: has('whiteBalanceTint') ? l.whiteBalanceTint : null,
    autoExposure: has('autoExposure') ? l.autoExposure : null,
    focusMode: has('focus') ? l.focusMode : null,
    notOffered,
  };
}

/** The outcome of a command: the HTTP status and body to answer. */
export interface CommandOutcome {
  status: number;
  body: unknown;
  /** A `marker` event to publish, if any. */
  marker?: { seq: number; label: string; time: string };
  /** The true instant (ms) a start was armed for: the device wakes the model then. */
  armedAt?: number;
}

const error = (status: number, code: string, message: string): CommandOutcome => ({ status, body: { error: { code, message } } });

/** Apply `POST /api/v1/commands` to a camera. */
export function runCommand(cam: CameraModel, input: unknown, now: number): CommandOutcome {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return error(400, 'bad_request', 'body must be a JSON object {"action", "args"?}');
  const { action, args } = input as { action?: unknown; args?: unknown };
  const ok = (): CommandOutcome => ({ status: 200, body: { ok: true, state: cam.state } });
  switch (action) {
    case 'record.start': {
      if (cam.state === 'recording') return ok();
      if (cam.freeBytes === 0) return error(409, 'storage_full', 'storage is full: free space before recording');
      const at = parseStartAt(args, cam.clockSkewMs, now);
      if (typeof at === 'string') return error(400, 'bad_args', at);
      // v1.2: args.clip names the take's clip (the slate: scene, take, camera letter).
      const clip = (args as { clip?: unknown } | undefined)?.clip;
      if (clip !== undefined && (typeof clip !== 'string' || clip.length === 0 || clip.length > 120 || /[\u0000-\u001f/\\]/.test(clip))) {
        return error(400, 'bad_args', 'args.clip must be 1-120 characters without slashes or control characters');
      }
      cam.nextClip = typeof clip === 'string' ? clip : null;
      if (at !== null && at > now) {
        cam.armedAt = at;
        return { status: 200, body: { ok: true, state: 'armed' }, armedAt: at };
      }
      cam.beginRecording(now);
      return ok();
    }
    case 'record.stop':
      if (cam.state === 'recording') cam.state = 'idle';
      cam.recordingSince = null;
      cam.armedAt = null;
      cam.stopReason = null;
      return ok();
    case 'marker': {
      if (cam.state !== 'recording') return error(409, 'not_recording', 'a marker needs a recording in progress');
      const label = typeof (args as { label?: unknown } | undefined)?.label === 'string' ? String((args as { label: string }).label).slice(0, 200) : '';
      cam.markers++;
      return { ...ok(), marker: { seq: cam.markers, label, time: cam.nodeTime(now) } };
    }
    case 'identify': {
      const raw = (args as { seconds?: unknown } | undefined)?.seconds;
      const seconds = typeof raw === 'number' && raw > 0 && raw <= 300 ? raw : 10;
      cam.identifyUntil = now + seconds * 1000;
      return ok();
    }
    default:
      return error(400, 'unknown_action', `unknown action ${JSON.stringify(action)}; use record.start, record.stop, marker or identify`);
  }
}

/**
 * `args.at` of record.start: the true instant to start (ms), null for "now", or
 * why it is refused. Hostile input: an ISO 8601 string of at most 40 characters,
 * on the node's clock, no more than MAX_ARM_AHEAD_MS ahead; a past instant starts at once.
 */
export function parseStartAt(args: unknown, skewMs: number, now: number): number | null | string {
  if (args === undefined || args === null) return null;
  if (typeof args !== 'object' || Array.isArray(args)) return 'args must be an object, e.g. {"at":"2026-11-23T23:04:12.000Z"}';
  const raw = (args as { at?: unknown }).at;
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || raw.length > 40 || !ISO_TIME.test(raw)) return 'args.at must be an ISO 8601 time on the node\'s clock, e.g. 2026-11-23T23:04:12.000Z';
  const atNode = Date.parse(raw);
  if (!Number.isFinite(atNode)) return 'args.at is not a valid time';
  const nodeNow = now + skewMs;
  if (atNode - nodeNow > MAX_ARM_AHEAD_MS) return `args.at is more than ${MAX_ARM_AHEAD_MS / 60_000} minutes ahead of the node's clock`;
  return atNode - skewMs;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
