/**
 * Which registered service is a device's camera-node API: one rule, shared by
 * discovery, probes, reach and the relay, so a node that is probed as a camera
 * node is also offered as one (snapshot, status, commands).
 */
import type { CameraProtocolName } from './health-types.ts';
import type { Device, Service } from './model.ts';

/** The contract's service name and base path. */
export const CAMERA_NODE_SERVICE = 'camera-node';
export const CAMERA_NODE_PATH = '/api/v1';

/** Is `service` the camera-node API: named `camera-node` or served at `/api/v1`, over http(s)? */
export function isCameraNodeService(service: Pick<Service, 'name' | 'protocol' | 'path'>): boolean {
  return (service.name === CAMERA_NODE_SERVICE || service.path === CAMERA_NODE_PATH) && (service.protocol === 'http' || service.protocol === 'https');
}

/** The camera-node API of a device (see {@link isCameraNodeService}), the one named `camera-node` first. */
export function cameraNodeService(device: Pick<Device, 'services'>): Service | undefined {
  const all = device.services.filter(isCameraNodeService);
  return all.find((s) => s.name === CAMERA_NODE_SERVICE) ?? all[0];
}

/** The Blackmagic Camera Control REST API: service name, base path and the cameras' default port. */
export const BLACKMAGIC_SERVICE = 'blackmagic';
export const BLACKMAGIC_PATH = '/control/api/v1';
export const BLACKMAGIC_DEFAULT_PORT = 80;

/** Is `service` a Blackmagic camera's REST API: named `blackmagic`, over http(s)? */
export function isBlackmagicService(service: Pick<Service, 'name' | 'protocol'>): boolean {
  return service.name === BLACKMAGIC_SERVICE && (service.protocol === 'http' || service.protocol === 'https');
}

/** Which camera protocol a service speaks, or null for a service that is not a camera API. */
export function cameraProtocolOf(service: Pick<Service, 'name' | 'protocol' | 'path'>): CameraProtocolName | null {
  if (isBlackmagicService(service)) return 'blackmagic';
  if (isCameraNodeService(service)) return 'camera-node';
  return null;
}

/** A device's camera API, whichever protocol it speaks (a camera-node one first). */
export function cameraService(device: Pick<Device, 'services'>): { service: Service; protocol: CameraProtocolName } | undefined {
  const node = cameraNodeService(device);
  if (node) return { service: node, protocol: 'camera-node' };
  const bmd = device.services.find(isBlackmagicService);
  return bmd ? { service: bmd, protocol: 'blackmagic' } : undefined;
}
