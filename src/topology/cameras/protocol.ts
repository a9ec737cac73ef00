/**
 * "How to talk to a camera": the one small interface the probe engine, group
 * control, the board and the roll call use, with one module per protocol (the
 * camera-node contract, the Blackmagic Camera Control REST API). A third kind of
 * camera is one more module in ./registry.ts, never a special case elsewhere.
 */
import type { CameraLook, CameraProtocolName } from '../health-types.ts';
import type { SettingKey } from '../look/settings-types.ts';
import type { ProbeRunner, RunnerDeps } from '../probes/runner.ts';
import type { NodePath } from '../relay/paths.ts';

/** One group-control command for one camera over one path. */
export interface CameraCommandRequest {
  path: NodePath;
  /** The command as the camera-node contract's JSON body (`{"action","args"?}`): group control's lingua franca, which each protocol translates. */
  body: string;
  /** Aborts at the fan-out's per-camera deadline. */
  signal: AbortSignal;
  timeoutMs: number;
}

/** What one command came to on one camera (the fan-out adds who, where and how long). */
export interface CameraCommandOutcome {
  ok: boolean;
  /** HTTP status of the camera's answer that decided it (null: refused before sending). */
  status: number | null;
  /** The camera's state after the command, when known (`recording`, `idle`). */
  state: string | null;
  /** Why it failed, in words a crew member reads. */
  error: string | null;
  /** Worth knowing though it did not fail (e.g. "started at once: no camera clock"). */
  note?: string;
}

/** One read or write of settings over one path. */
export interface CameraRequest {
  path: NodePath;
  signal: AbortSignal;
  timeoutMs: number;
}

/** What a camera says it supports; null where it does not say (or lacks the setting). */
export interface SupportedSettings {
  formats: string[] | null;
  isos: number[] | null;
  shutters: number[] | null;
  whiteBalance: { min: number; max: number } | null;
  tint: { min: number; max: number } | null;
}

/** A camera's settings now: its look and, when asked, what it supports. */
export interface CameraSettingsRead {
  look: CameraLook;
  supported: SupportedSettings | null;
}

/** What one setting write came to (HTTP status of the camera's answer; its own words when it gave any). */
export interface SettingWriteOutcome {
  ok: boolean;
  status: number | null;
  said: string | null;
}

/** The slate of the next clip: scene, take and the camera's letter (reel), where the camera has slates. */
export interface NextClipSlate {
  scene: string;
  take: number;
  /** Reel number (Blackmagic); the camera letter goes in the clip name. */
  reel?: number;
  /** The clip name the take gives this camera ("S12_T03_A"). */
  clipName: string;
}

/** One camera protocol. */
export interface CameraProtocol {
  readonly name: CameraProtocolName;
  /** Words for people: "camera-node contract", "Blackmagic REST API". */
  readonly label: string;
  /** The prober of one path: liveness, latency, status and live events. */
  createRunner(deps: RunnerDeps): ProbeRunner;
  /**
   * Send one command over one path. Rejects with a NodeRequestError when the
   * request failed (its `beforeSend` says whether another path may be tried).
   */
  sendCommand(req: CameraCommandRequest): Promise<CameraCommandOutcome>;
  /** Read the camera's look (and, with `supported`, its supported lists) now. Rejects with a NodeRequestError when it cannot. */
  readSettings?(req: CameraRequest & { supported: boolean; keys?: SettingKey[] }): Promise<CameraSettingsRead>;
  /** Write one setting; resolves with the camera's answer (rejects only when the request failed). */
  writeSetting?(req: CameraRequest & { key: SettingKey; value: string | number }): Promise<SettingWriteOutcome>;
  /** Set the next clip's slate before a start; undefined when the protocol carries it in record.start itself. */
  setSlate?(req: CameraRequest & { slate: NextClipSlate }): Promise<SettingWriteOutcome>;
}
