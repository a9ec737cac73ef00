/** What the camera protocols add to a device's live health: which protocol it speaks (runway is src/topology/runway.ts, for every camera). */
import type { CameraProtocolName } from '../health-types.ts';
import type { ProbeKind } from '../probes/targets.ts';
import { cameraProtocol } from './registry.ts';

/** `protocol` from the device's probed paths (its camera service). */
export function cameraProtocolOf(kinds: ProbeKind[]): { protocol?: CameraProtocolName } {
  const protocol = kinds.map((k) => cameraProtocol(k)?.name).find((n) => n !== undefined);
  return protocol ? { protocol } : {};
}
