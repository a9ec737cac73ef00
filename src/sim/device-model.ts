/**
 * The simulated state of one camera node: recording, battery, thermal, storage.
 * Pure: time comes in as an argument, so unit tests can step it.
 */

export type NodeState = 'idle' | 'recording' | 'streaming' | 'error';
export type Thermal = 'nominal' | 'fair' | 'serious' | 'critical';

/** `GET /api/v1/status` of contract v1. */
export interface NodeStatusBody {
  id: string;
  state: NodeState;
  battery: { level: number; charging: boolean };
  thermal: Thermal;
  storage: { freeBytes: number; totalBytes: number };
  uptimeSec: number;
  time: string;
}

/** Rates per second; faster than a real phone so a demo visibly moves. */
const DRAIN_IDLE = 0.0002;
const DRAIN_RECORDING = 0.0006;
const CHARGE = 0.0009;
const HEAT_RECORDING = 0.004;
const COOL_IDLE = 0.006;
const WRITE_BYTES_PER_SEC = 25_000_000;
const TOTAL_BYTES = 256_000_000_000;

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
      if (this.freeBytes === 0) {
        this.state = 'error';
        this.recordingSince = null;
      }
    }
  }

  /** The body of `GET /api/v1/status`. */
  status(now: number): NodeStatusBody {
    return {
      id: this.id,
      state: this.state,
      battery: { level: Math.round(this.level * 100) / 100, charging: this.charging },
      thermal: this.thermal,
      storage: { freeBytes: this.freeBytes, totalBytes: this.totalBytes },
      uptimeSec: Math.floor((now - this.startedAt) / 1000),
      time: new Date(now).toISOString(),
    };
  }

  /**
   * What a `status` event is sent on: a change of state, charging, battery
   * percent, thermal state or free storage to the nearest 100 MB.
   */
  changeKey(): string {
    return `${this.state}|${this.charging}|${Math.round(this.level * 100)}|${this.thermal}|${Math.floor(this.freeBytes / 100_000_000)}`;
  }
}

/** The outcome of a command: the HTTP status and body to answer. */
export interface CommandOutcome {
  status: number;
  body: unknown;
  /** A `marker` event to publish, if any. */
  marker?: { seq: number; label: string; time: string };
}

const error = (status: number, code: string, message: string): CommandOutcome => ({ status, body: { error: { code, message } } });

/** Apply `POST /api/v1/commands` to a camera. */
export function runCommand(cam: CameraModel, input: unknown, now: number): CommandOutcome {
  if (!input || typeof input !== 'object' || Array.isArray(input)) return error(400, 'bad_request', 'body must be a JSON object {"action", "args"?}');
  const { action, args } = input as { action?: unknown; args?: unknown };
  const ok = (): CommandOutcome => ({ status: 200, body: { ok: true, state: cam.state } });
  switch (action) {
    case 'record.start':
      if (cam.state === 'recording') return ok();
      if (cam.freeBytes === 0) return error(409, 'storage_full', 'storage is full: free space before recording');
      cam.state = 'recording';
      cam.recordingSince = now;
      return ok();
    case 'record.stop':
      if (cam.state === 'recording') cam.state = 'idle';
      cam.recordingSince = null;
      return ok();
    case 'marker': {
      if (cam.state !== 'recording') return error(409, 'not_recording', 'a marker needs a recording in progress');
      const label = typeof (args as { label?: unknown } | undefined)?.label === 'string' ? String((args as { label: string }).label).slice(0, 200) : '';
      cam.markers++;
      return { ...ok(), marker: { seq: cam.markers, label, time: new Date(now).toISOString() } };
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

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
