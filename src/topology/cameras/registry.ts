/** Every camera protocol rigmap speaks, by name (a service's protocol comes from ../services.ts). */
import type { CameraProtocolName } from '../health-types.ts';
import type { ProbeKind } from '../probes/targets.ts';
import { blackmagicProtocol } from './blackmagic/protocol.ts';
import { cameraNodeProtocol } from './camera-node.ts';
import type { CameraProtocol } from './protocol.ts';

const PROTOCOLS: Record<CameraProtocolName, CameraProtocol> = {
  'camera-node': cameraNodeProtocol,
  blackmagic: blackmagicProtocol,
};

/** The protocol of a name or probe kind; undefined for kinds that are not cameras (http, tcp). */
export function cameraProtocol(name: CameraProtocolName | ProbeKind): CameraProtocol | undefined {
  return Object.hasOwn(PROTOCOLS, name) ? PROTOCOLS[name as CameraProtocolName] : undefined;
}
