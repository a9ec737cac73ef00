/**
 * Node-level faults of contract v1.1 (clock-skew, record-stop, storage). Unlike
 * the path faults they change the simulated phone, not its network, so they
 * leave the node's path fault as it is: a skewed clock can also hang.
 */
import type { SimDevice } from './device.ts';
import type { SimFault } from './types.ts';

/** Apply `fault` if it is a node-level one; false for path faults (the caller stores those). */
export function applyNodeFault(device: SimDevice, fault: SimFault, now: number): boolean {
  const cam = device.cam;
  switch (fault.mode) {
    case 'clock-skew':
      if (cam) cam.clockSkewMs = fault.ms;
      return true;
    case 'record-stop':
      // As when the app crashes or the disk fills mid-take: the node stops by itself and says why.
      if (cam) {
        cam.step(now);
        const state = fault.state ?? 'error';
        cam.stopBySelf(state, fault.reason ?? (state === 'error' ? 'the capture app stopped recording' : 'recording stopped on the phone'), now);
        device.publishStatusIfChanged(now);
      }
      return true;
    case 'storage':
      if (cam) {
        cam.step(now);
        cam.freeBytes = Math.min(fault.freeBytes, cam.totalBytes);
        device.publishStatusIfChanged(now);
      }
      return true;
    case 'ok':
      // `ok` restores everything, the clock included.
      if (cam) cam.clockSkewMs = 0;
      return false;
    default:
      return false;
  }
}
