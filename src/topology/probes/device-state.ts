/** A device's state from its paths: up (all up), degraded (some down), down (all down), unknown. */
import type { DeviceState, NodeStatus, PathHealth } from '../health-types.ts';

/** Derive the device state; out-of-scope paths do not count either way. */
export function deriveDeviceState(paths: PathHealth[]): DeviceState {
  const probed = paths.filter((p) => p.state !== 'out_of_scope');
  if (probed.length === 0) return 'unknown';
  if (probed.some((p) => p.flapping)) return 'flapping';
  const down = probed.filter((p) => p.state === 'down').length;
  const up = probed.filter((p) => p.state === 'up').length;
  // A refusal from a phone's app port proves the phone answers: not lost, the app is off screen.
  if (down === probed.length) return probed.some((p) => p.failure === 'app_closed') ? 'app_closed' : 'down';
  if (up === probed.length) return 'up';
  if (down > 0) return 'degraded';
  return 'unknown';
}

/**
 * What of a node status is news. time and uptime change on every answer, battery and
 * storage by a hair; only a change a crew member sees (state, charging, whole battery %,
 * thermal, 0.1 GB free) is. Raw floats made every poll news: a bus event, three alert
 * queries and an SSE write per poll per path (≈ 3 s CPU per minute at 1,000 nodes).
 */
export function statusNewsKey(status: NodeStatus): string {
  return `${status.state}|${status.battery?.charging}|${Math.floor((status.battery?.level ?? 0) * 100)}|${status.thermal}|${Math.floor((status.storage?.freeBytes ?? 0) / 1e8)}|${status.storage?.totalBytes}|${lookNewsKey(status.look)}`;
}

/** A look change is news, except ISO and shutter wandering under auto exposure (they move with every frame). */
function lookNewsKey(look: NodeStatus['look']): string {
  if (!look) return '';
  const f = look.format;
  const auto = look.autoExposure !== null && look.autoExposure !== 'Off';
  return [f?.width, f?.height, f?.frameRate, f?.interlaced, f?.codec, f?.dynamicRange, look.whiteBalance, look.whiteBalanceTint, look.autoExposure, look.focusMode,
    auto ? 'auto' : look.iso, auto ? 'auto' : `${look.shutterSpeed}/${look.shutterAngle}`, look.notOffered.join(',')].join(';');
}
