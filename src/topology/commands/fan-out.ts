/**
 * Fan-out: send one contract command to a group of nodes at once, with bounded
 * concurrency and a per-node deadline, over the path that works (live health
 * first, LAN before Tailscale). Another path is tried only when the first one
 * failed before the command could have left (connect refused or timed out), so
 * a command is never delivered twice.
 */
import { systemClock, type Clock } from '../clock.ts';
import { trustOf } from '../trust/pins.ts';
import pLimit from 'p-limit';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { listDevices } from '../devices.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import type { DeviceHealth } from '../health-types.ts';
import { isJsonDepthWithin, MAX_JSON_DEPTH } from '../json-depth.ts';
import type { Device } from '../model.ts';
import type { ClockBook } from '../probes/clock-offset.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { cameraService } from '../services.ts';
import { sendToNode } from './send-one.ts';
import { nextTakeNumber, setSlates, slateInputSchema, slatesFor } from './slates.ts';
import { syncRecordStart } from './sync-start.ts';
import { COMMAND_ACTIONS, type CommandReport, type CommandSelection } from './types.ts';

export const commandInputSchema = z.strictObject({
  action: z.enum(COMMAND_ACTIONS, { error: `must be one of ${COMMAND_ACTIONS.join(', ')}` }),
  args: z.record(z.string(), z.unknown()).refine((v) => isJsonDepthWithin(v), { error: `nests deeper than ${MAX_JSON_DEPTH} levels` }).optional(),
  role: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
  devices: z.array(z.string().min(1)).min(1, { error: 'must list at least one device' }).max(5000).optional(),
  /** Per-node deadline in ms (default 5000). */
  timeoutMs: z.number().int().min(100).max(60_000).optional(),
  /** Nodes at once (default 16). */
  concurrency: z.number().int().min(1).max(256).optional(),
  /** record.start only: start every node at this instant ("+3s", "+500ms", "+1m" or ISO 8601), in rigmap's clock. */
  at: z.string().min(1).max(64).optional(),
  /** record.start only: name each camera's clip for the take (scene, take, camera letter) and put it on the cameras' slates. */
  slate: slateInputSchema.optional(),
}).refine((v) => v.at === undefined || v.action === 'record.start', { error: 'at goes with record.start only', path: ['at'] })
  .refine((v) => v.slate === undefined || v.action === 'record.start', { error: 'slate goes with record.start only', path: ['slate'] }).refine((v) => [v.role, v.tag, v.devices].filter((x) => x !== undefined).length === 1, { error: 'pick the nodes with exactly one of role, tag or devices', path: ['role'] });

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

/**
 * Send a command to every selected node; resolves when each has answered,
 * failed or timed out. Publishes `command.sent` with the report.
 */
export async function sendCommand({ ctx, input, scope, health, clocks, clock }: {
  ctx: Ctx; input: unknown; scope: ProbeScope; health?: (id: string) => DeviceHealth | null | undefined;
  /** rigmap's clock (a synchronized start's instant and waits, answer times); the system clock when absent. */
  clock?: Clock;
  /** Clock offset estimators (the probe engine's); a synchronized start measures the clocks it lacks. */
  clocks?: ClockBook;
}): Promise<CommandReport> {
  const parsed = parseOrThrow(commandInputSchema, input, 'command');
  const selection: CommandSelection = parsed.devices ? { devices: parsed.devices } : parsed.tag ? { tag: parsed.tag } : { role: parsed.role! };
  const devices = selectDevices({ ctx, selection });
  if (!devices.length) throw new RigmapError('not_found', 'no camera node matches that selection', { selection });
  ctx.bus.emit('command.sending', { action: parsed.action, deviceIds: devices.map((d) => d.id), actor: ctx.actor });
  // A slated take names each camera's clip for it (scene, take, camera letter).
  const take = parsed.slate ? (parsed.slate.take ?? nextTakeNumber(ctx)) : 0;
  const slates = parsed.slate ? slatesFor(devices, parsed.slate, take) : null;
  if (parsed.at !== undefined) {
    // A synchronized start arms camera-node cameras only (a Blackmagic camera cannot start at an
    // instant), so its slate is each armed camera's clip name, sent with the scheduled start.
    const synced = await syncRecordStart({ devices, selection, at: parsed.at, args: parsed.args, clipOf: (id) => slates?.get(id)?.clipName, scope, health, clocks, timeoutMs: parsed.timeoutMs ?? 5000, concurrency: parsed.concurrency ?? 16, trust: trustOf(ctx), clock });
    const report: CommandReport = slates && parsed.slate
      ? { ...synced, slate: { scene: parsed.slate.scene, take }, results: synced.results.map((r) => (r.ok ? { ...r, clip: slates.get(r.deviceId)?.clipName } : r)) }
      : synced;
    ctx.bus.emit('command.sent', { report, actor: ctx.actor });
    return report;
  }
  const body = JSON.stringify({ action: parsed.action, ...(parsed.args ? { args: parsed.args } : {}) });
  const limit = pLimit(parsed.concurrency ?? 16);
  const timeoutMs = parsed.timeoutMs ?? 5000;
  // Slates first (Blackmagic /slates/nextClip), then each camera starts with its own clip name for the take.
  const slateProblems = slates ? await setSlates({ ctx, devices, slates, scope, health, timeoutMs: Math.min(timeoutMs, 3000) }) : new Map<string, string>();
  const bodyOf = (id: string) => {
    const clip = slates?.get(id)?.clipName;
    return clip ? JSON.stringify({ action: parsed.action, args: { ...parsed.args, clip } }) : body;
  };
  const sentAt = new Date((clock ?? systemClock).now()).toISOString();
  const results = await Promise.all(devices.map((device) => limit(async () => {
    const r = await sendToNode({ device, body: bodyOf(device.id), scope, health: health?.(device.id), timeoutMs, trust: trustOf(ctx), clock });
    const clip = slates?.get(device.id)?.clipName;
    const problem = slateProblems.get(device.id);
    return clip ? { ...r, clip, ...(problem ? { note: [r.note, problem].filter(Boolean).join('; ') } : {}) } : r;
  })));
  const report: CommandReport = {
    action: parsed.action, selection, sentAt, total: results.length,
    ...(parsed.slate ? { slate: { scene: parsed.slate.scene, take } } : {}),
    ...(parsed.action === 'marker' && typeof parsed.args?.label === 'string' ? { label: parsed.args.label.slice(0, 200) } : {}),
    ok: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length, timedOut: results.filter((r) => r.timedOut).length, results,
  };
  ctx.bus.emit('command.sent', { report, actor: ctx.actor });
  return report;
}
