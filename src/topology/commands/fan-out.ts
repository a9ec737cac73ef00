/**
 * Fan-out: send one contract command to a group of nodes at once, with bounded
 * concurrency and a per-node deadline, over the path that works (live health
 * first, LAN before Tailscale). Another path is tried only when the first one
 * failed before the command could have left (connect refused or timed out), so
 * a command is never delivered twice.
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { listDevices } from '../devices.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { cameraProtocol } from '../cameras/registry.ts';
import { NodeRequestError } from '../relay/node-request.ts';
import { orderPaths } from '../relay/paths.ts';
import { cameraService } from '../services.ts';
import { COMMAND_ACTIONS, type CommandReport, type CommandSelection, type NodeCommandResult } from './types.ts';

export const commandInputSchema = z.strictObject({
  action: z.enum(COMMAND_ACTIONS, { error: `must be one of ${COMMAND_ACTIONS.join(', ')}` }),
  args: z.record(z.string(), z.unknown()).optional(),
  role: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
  devices: z.array(z.string().min(1)).min(1, { error: 'must list at least one device' }).max(5000).optional(),
  /** Per-node deadline in ms (default 5000). */
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  /** Nodes at once (default 16). */
  concurrency: z.number().int().min(1).max(256).optional(),
}).refine((v) => [v.role, v.tag, v.devices].filter((x) => x !== undefined).length === 1, { error: 'pick the nodes with exactly one of role, tag or devices', path: ['role'] });

export type CommandInput = z.input<typeof commandInputSchema>;

/** The devices a selection names; unknown ids in a list are an error naming them. */
export function selectDevices({ ctx, selection }: { ctx: Ctx; selection: CommandSelection }): Device[] {
  if ('devices' in selection) {
    const all = new Map(listDevices({ ctx }).map((d) => [d.id, d]));
    const missing = selection.devices.filter((id) => !all.has(id));
    if (missing.length) throw new RigmapError('not_found', `no device ${missing.map((m) => `"${m}"`).join(', ')} in the map`, { missing });
    return [...new Set(selection.devices)].map((id) => all.get(id)!);
  }
  const filter = 'role' in selection ? { role: selection.role as Device['role'] } : { tag: selection.tag };
  return listDevices({ ctx, filter }).filter((d) => cameraService(d));
}

async function sendOne({ device, body, scope, health, timeoutMs }: {
  device: Device; body: string; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs: number;
}): Promise<NodeCommandResult> {
  const started = Date.now();
  const result = (r: Partial<NodeCommandResult>): NodeCommandResult => ({
    deviceId: device.id, ok: false, state: null, status: null, error: null, timedOut: false, network: null, address: null, ...r, ms: Date.now() - started,
  });
  const camera = cameraService(device);
  if (!camera) return result({ error: 'this device has no camera service (camera-node or blackmagic)' });
  const { service } = camera;
  const protocol = cameraProtocol(camera.protocol)!;
  const paths = orderPaths({ device, service, scope, health });
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

/**
 * Send a command to every selected node; resolves when each has answered,
 * failed or timed out. Publishes `command.sent` with the report.
 */
export async function sendCommand({ ctx, input, scope, health }: {
  ctx: Ctx; input: unknown; scope: ProbeScope; health?: (id: string) => DeviceHealth | null | undefined;
}): Promise<CommandReport> {
  const parsed = parseOrThrow(commandInputSchema, input, 'command');
  const selection: CommandSelection = parsed.devices ? { devices: parsed.devices } : parsed.tag ? { tag: parsed.tag } : { role: parsed.role! };
  const devices = selectDevices({ ctx, selection });
  if (!devices.length) throw new RigmapError('not_found', 'no camera node matches that selection', { selection });
  const body = JSON.stringify({ action: parsed.action, ...(parsed.args ? { args: parsed.args } : {}) });
  const limit = pLimit(parsed.concurrency ?? 16);
  const timeoutMs = parsed.timeoutMs ?? 5000;
  const sentAt = new Date().toISOString();
  const results = await Promise.all(devices.map((device) => limit(() => sendOne({ device, body, scope, health: health?.(device.id), timeoutMs }))));
  const report: CommandReport = {
    action: parsed.action, selection, sentAt, total: results.length,
    ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, timedOut: results.filter((r) => r.timedOut).length, results,
  };
  ctx.bus.emit('command.sent', { report, actor: ctx.actor });
  return report;
}
