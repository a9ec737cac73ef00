/**
 * One command to one node over the path that works (live health first, LAN
 * before Tailscale). Another path is tried only when the first one failed
 * before the command could have left, so a command is never delivered twice.
 */
import type { DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { NodeRequestError, openNodeRequest, readBody } from '../relay/node-request.ts';
import { cameraNodeService, orderPaths } from '../relay/paths.ts';
import type { NodeCommandResult } from './types.ts';

/** Send `body` to the node's /commands; resolves with what happened (never rejects). */
export async function sendToNode({ device, body, scope, health, timeoutMs }: {
  device: Device; body: string; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs: number;
}): Promise<NodeCommandResult> {
  const started = Date.now();
  const result = (r: Partial<NodeCommandResult>): NodeCommandResult => ({
    deviceId: device.id, ok: false, state: null, status: null, error: null, timedOut: false, network: null, address: null, ...r, ms: Date.now() - started,
  });
  const service = cameraNodeService(device);
  if (!service) return result({ error: 'this device has no camera-node service' });
  const paths = orderPaths({ device, service, scope, health });
  if (!paths.length) return result({ error: 'no address of this device is inside the probe scope' });
  const signal = AbortSignal.timeout(timeoutMs);
  let last: NodeCommandResult | null = null;
  for (const path of paths) {
    const where = { network: path.network, address: path.address };
    try {
      const res = await openNodeRequest({ path, method: 'POST', pathAndQuery: `${path.basePath}/commands`, body, signal, connectTimeoutMs: Math.min(3000, timeoutMs) });
      const text = (await readBody(res, 64 * 1024)).toString('utf8');
      let json: { ok?: unknown; state?: unknown; error?: { message?: unknown } } | null = null;
      try {
        json = JSON.parse(text);
      } catch {
        return result({ ...where, status: res.statusCode ?? null, error: `the node answered something that is not JSON (HTTP ${res.statusCode})` });
      }
      const status = res.statusCode ?? null;
      const state = typeof json?.state === 'string' ? json.state : null;
      if (status !== null && status < 300 && json?.ok === true) return result({ ...where, ok: true, status, state });
      const why = typeof json?.error?.message === 'string' ? json.error.message : `the node answered HTTP ${status}`;
      return result({ ...where, status, state, error: why });
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
