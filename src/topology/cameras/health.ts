/** What the camera protocols add to a device's live health: which protocol it speaks, and its runway where the camera tells it. */
import type { CameraProtocolName, NodeStatus, Runway } from '../health-types.ts';
import type { ProbeKind } from '../probes/targets.ts';
import { runwayOf } from './blackmagic/read.ts';
import { cameraProtocol } from './registry.ts';

/** `protocol` from the device's probed paths (its camera service), `runway` from the camera's own record time left. */
export function cameraHealthExtras(kinds: ProbeKind[], status: NodeStatus | null): { protocol?: CameraProtocolName; runway?: Runway } {
  const protocol = kinds.map((k) => cameraProtocol(k)?.name).find((n) => n !== undefined);
  const runway = runwayOf(status);
  return { ...(protocol ? { protocol } : {}), ...(runway ? { runway } : {}) };
}
