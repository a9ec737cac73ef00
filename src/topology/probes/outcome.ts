/**
 * The one road a probe result takes: a runner reports to the engine's sink, the
 * engine runs the path machine and publishes one `probe.outcome` on the bus.
 * Metrics (metrics.ts) and history (history/recorder.ts) subscribe to it; alerting
 * and browsers get the derived `path.state` / `device.state`, published right after
 * (so a transition's row is written before anything reacts to it).
 */
import type { DeviceHealth, DeviceState, PathHealth, PathState } from '../health-types.ts';
import type { ProbeSource } from './path-machine.ts';
import type { ProbeTarget } from './targets.ts';

/** One probe result, after the path machine. */
export interface ProbeOutcome {
  target: ProbeTarget;
  ok: boolean;
  /** Round trip of a poll that answered; null for stream events and failures. */
  latencyMs: number | null;
  /** When (the injected clock's ms). */
  at: number;
  source: ProbeSource;
  /** A failure's short label (refused, timeout, heartbeat_silent …), for metrics; null when ok. */
  category: string | null;
  /** The path's state as shown (a changed certificate shows untrusted) and its last heartbeat. */
  path: { state: PathState; lastBeat: number | null };
  /** Set when this result moved the path machine (the same data as the `path.state` event). */
  transition: { from: PathState; to: PathState; reason: string; path: PathHealth } | null;
  /** The device's state after this result. */
  deviceState: DeviceState;
  /** The device's health, when this result changed the path (null otherwise: nothing new to tell). */
  device: DeviceHealth | null;
}

/** The paths the engine probes after a (re)load of the map: subscribers keep per-path state from it. */
export interface ProbeMap {
  targets: ProbeTarget[];
  /** Every device of the map and its state (a device without a probeable path is unknown). */
  devices: Array<{ deviceId: string; state: DeviceState }>;
}
