/**
 * "How to talk to a camera": the one small interface the probe engine, group
 * control, the board and the roll call use, with one module per protocol (the
 * camera-node contract, the Blackmagic Camera Control REST API). A third kind of
 * camera is one more module in ./registry.ts, never a special case elsewhere.
 */
import type { CameraProtocolName } from '../health-types.ts';
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
}
