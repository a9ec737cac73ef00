/**
 * Which registered service is a device's camera-node API: one rule, shared by
 * discovery, probes, reach and the relay, so a node that is probed as a camera
 * node is also offered as one (snapshot, status, commands).
 */
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
