/** A device's state from its paths: up (all up), degraded (some down), down (all down), unknown. */
import type { DeviceState, PathHealth } from '../health-types.ts';

/** Derive the device state; out-of-scope paths do not count either way. */
export function deriveDeviceState(paths: PathHealth[]): DeviceState {
  const probed = paths.filter((p) => p.state !== 'out_of_scope');
  if (probed.length === 0) return 'unknown';
  if (probed.some((p) => p.flapping)) return 'flapping';
  const down = probed.filter((p) => p.state === 'down').length;
  const up = probed.filter((p) => p.state === 'up').length;
  if (down === probed.length) return 'down';
  if (up === probed.length) return 'up';
  if (down > 0) return 'degraded';
  return 'unknown';
}
