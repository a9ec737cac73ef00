/**
 * One command to one node over the path that works (live health first, LAN
 * before Tailscale). Another path is tried only when the first one failed
 * before the command could have left, so a command is never delivered twice.
 * Each camera protocol (src/topology/cameras) speaks its own API.
 */
import { systemClock, type Clock } from '../clock.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { cameraProtocol } from '../cameras/registry.ts';
import { NodeRequestError } from '../relay/node-request.ts';
import { orderPaths } from '../relay/paths.ts';
import { cameraService } from '../services.ts';
import type { NodeCommandResult } from './types.ts';
import type { TrustStore } from '../trust/pins.ts';

/** Send `body` to the node's /commands; resolves with what happened (never rejects). */
export async function sendToNode({ device, body, scope, health, timeoutMs, trust, clock = systemClock }: {
  device: Device; body: string; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs: number;
  /** Times the answer (`ms`). */
  clock?: Clock;
  /** Pins of https peers (src/topology/trust/): https commands go only to the pinned certificate. */
  trust?: TrustStore;
}): Promise<NodeCommandResult> {
  const started = clock.now();
  const result = (r: Partial<NodeCommandResult>): NodeCommandResult => ({
    deviceId: device.id, ok: false, state: null, status: null, error: null, timedOut: false, network: null, address: null, ...r, ms: clock.now() - started,
  });
  const camera = cameraService(device);
  if (!camera) return result({ error: 'this device has no camera service (camera-node or blackmagic)' });
  const { service } = camera;
  const protocol = cameraProtocol(camera.protocol)!;
  const paths = orderPaths({ device, service, scope, health, trust });
  if (!paths.length) return result({ error: 'no address of this device is inside the probe scope' });
  const signal = AbortSignal.timeout(timeoutMs);
  let last: NodeCommandResult | null = null;
  for (const path of paths) {
    const where = { network: path.network, address: path.address };
    try {
      // The dispatch point: each camera protocol translates the contract command and reads its own answer.
      const { note, ...outcome } = await protocol.sendCommand({ path, body, signal, timeoutMs });
      return result({ ...where, ...outcome, ...(note ? { note } : {}) });
    } catch (err) {
      const e = err as NodeRequestError;
      const timedOut = signal.aborted || e.timedOut === true;
      last = result({ ...where, error: signal.aborted ? `no answer within ${timeoutMs} ms` : e.message, timedOut });
      // Only a path the command certainly never left on may be retried on another path.
      if (!(e instanceof NodeRequestError) || !e.beforeSend || signal.aborted) return last;
    }
  }
  return last!;
}
