/**
 * One probed path inside the engine (its target, state machine, runner and last
 * heartbeat) and the flapping tick over all of them. Shared by the scheduler
 * (engine.ts) and the derivation (device-health-book.ts) so neither reaches into the other.
 */
import type https from 'node:https';
import type { PathMachine } from './path-machine.ts';
import type { ProbeRunner } from './runner.ts';
import type { ProbeTarget } from './targets.ts';

/** A path the engine probes. */
export interface PathEntry {
  target: ProbeTarget;
  machine: PathMachine;
  runner: ProbeRunner | null;
  lastBeat: number | null;
  /** Pinned-certificate agents of an https path (poll, stream). */
  tls: { poll: https.Agent; stream: https.Agent } | null;
}

/**
 * Age every path's flap window: flapping ends by time alone (no result needed),
 * so this runs on the engine's clock. Returns the devices whose flapping changed.
 */
export function tickFlapping(entries: Iterable<PathEntry>, now: number): Set<string> {
  const changed = new Set<string>();
  for (const entry of entries) if (entry.machine.tick(now)) changed.add(entry.target.deviceId);
  return changed;
}
