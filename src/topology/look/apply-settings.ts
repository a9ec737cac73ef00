/**
 * Rig-wide settings with read-back: for every selected camera, read what it
 * supports, check each value against it before anything is sent, write the
 * settings one by one (auto exposure first: it unlocks ISO and shutter), then
 * read the camera back and report each setting as applied, refused (with the
 * camera's reason in crew words) or not confirmed. Bounded concurrency, a
 * deadline per camera; published on the bus (`settings.applied`) for the audit.
 */
import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { z } from 'zod';
import { type Clock, sleepOn, systemClock } from '../clock.ts';
import { cameraProtocol } from '../cameras/registry.ts';
import type { CameraRequest, CameraSettingsRead, SupportedSettings } from '../cameras/protocol.ts';
import { selectDevices } from '../commands/fan-out.ts';
import type { CommandSelection } from '../commands/types.ts';
import type { Ctx } from '../context.ts';
import { parseOrThrow, RigmapError } from '../errors.ts';
import type { CameraLook, DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { NodeRequestError } from '../relay/node-request.ts';
import { orderPaths } from '../relay/paths.ts';
import { cameraService } from '../services.ts';
import { trustOf } from '../trust/pins.ts';
import { readBefore, type SupportedCache } from './first-read.ts';
import { sameFormat } from './format.ts';
import { holds, lookValue } from './presets.ts';
import { type CameraSettingsResult, type LookSettings, parseSettings, type SettingKey, type SettingResult, type SettingsReport } from './settings-types.ts';

/** The order settings are written in: auto exposure off first unlocks ISO and shutter; the format before the exposure it may reset. */
const WRITE_ORDER: SettingKey[] = ['ae', 'format', 'iso', 'shutter', 'wb', 'tint'];
/** A read-back that finds no answer is tried again this often within the deadline (a phone pauses after a format change). */
const READ_BACK_RETRY_MS = 400;
/** How long a read-back that does not show the value yet is asked again (then: not confirmed). */
export const READ_BACK_WINDOW_MS = 3000;

export const settingsInputSchema = z.strictObject({
  settings: z.union([z.record(z.string(), z.unknown()), z.array(z.string()).max(16)]),
  role: z.string().min(1).max(64).optional(),
  tag: z.string().min(1).max(64).optional(),
  devices: z.array(z.string().min(1).max(128)).min(1).max(5000).optional(),
  /** Per-camera deadline in ms (default 8000: reads, writes and the read-back). */
  timeoutMs: z.number().int().min(500).max(60_000).optional(),
  concurrency: z.number().int().min(1).max(256).optional(),
}).refine((v) => [v.role, v.tag, v.devices].filter((x) => x !== undefined).length === 1, { error: 'pick the cameras with exactly one of role, tag or devices', path: ['role'] });

/** A refusal's reason in a crew member's words. */
export function refusalReason(key: SettingKey, status: number | null, said: string | null, look: CameraLook | null, supported: SupportedSettings | null): string {
  if (status === 404 || status === 501) return 'not on this camera';
  if (status === 403) {
    const auto = look?.autoExposure && look.autoExposure !== 'Off';
    if ((key === 'iso' || key === 'shutter') && auto) return 'locked while auto exposure is on';
    return said ?? 'locked in the camera\'s current state';
  }
  if (status === 400) return outOfRange(key, supported) ?? said ?? 'the camera refused the value';
  if (status === 409) return said ?? 'not possible in the camera\'s current state';
  return said ?? `the camera answered HTTP ${status}`;
}

/** "out of range: supported 20–1920" from what the camera supports, where it says. */
function outOfRange(key: SettingKey, s: SupportedSettings | null): string | null {
  const list = key === 'iso' ? s?.isos : key === 'shutter' ? s?.shutters : null;
  if (list?.length) return `out of range: supported ${Math.min(...list)}–${Math.max(...list)}${key === 'shutter' ? ' (1/x s)' : ''}`;
  const r = key === 'wb' ? s?.whiteBalance : key === 'tint' ? s?.tint : null;
  if (r) return `out of range: supported ${r.min}–${r.max}${key === 'wb' ? ' K' : ''}`;
  if (key === 'format' && s?.formats?.length) return `not one of the camera's formats (${s.formats.slice(0, 6).join(', ')}${s.formats.length > 6 ? ', …' : ''})`;
  return null;
}

/** Checked against what the camera says it supports before anything is sent: the reason it cannot be, or null. */
export function checkSupported(key: SettingKey, value: string | number, look: CameraLook, s: SupportedSettings | null): string | null {
  const lacks = (f: string) => look.notOffered.includes(f as never);
  const field = { format: 'format', iso: 'iso', shutter: 'shutter', wb: 'whiteBalance', tint: 'whiteBalanceTint', ae: 'autoExposure' }[key];
  if (lacks(field) && lookValue(look, key) === null) return 'not on this camera';
  if (!s) return null;
  switch (key) {
    case 'format': return s.formats && !s.formats.some((f) => sameFormat(f, String(value))) ? outOfRange(key, s) ?? 'not on this camera' : null;
    case 'iso': return s.isos && !s.isos.includes(Number(value)) ? outOfRange(key, s) ?? 'not on this camera' : null;
    case 'shutter': return s.shutters && !s.shutters.includes(Number(value)) ? outOfRange(key, s) ?? 'not on this camera' : null;
    case 'wb': return s.whiteBalance && (Number(value) < s.whiteBalance.min || Number(value) > s.whiteBalance.max) ? outOfRange(key, s) : null;
    case 'tint': return s.tint && (Number(value) < s.tint.min || Number(value) > s.tint.max) ? outOfRange(key, s) : null;
    case 'ae': return null;
  }
}

/**
 * An AbortSignal that fires after `ms` on `clock` (the deadline follows the injected
 * clock like the read-back's retries do); `clear` drops the timer once the work is done.
 */
export function deadlineOn(clock: Clock, ms: number): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  // A settings read asks a dozen endpoints at once on this one deadline.
  setMaxListeners(64, controller.signal);
  const timer = clock.setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clock.clearTimeout(timer) };
}

/** Apply settings to one camera and read it back. Never rejects. */
export async function applyToCamera({ clock = systemClock, ...rest }: {
  device: Device; settings: LookSettings; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs: number; ctx: Ctx; clock?: Clock;
  /** What cameras support, kept between changes (the server's; the CLI reads afresh). */
  supported?: SupportedCache;
}): Promise<CameraSettingsResult> {
  const deadline = deadlineOn(clock, rest.timeoutMs);
  try {
    return await applyWithin({ ...rest, clock, signal: deadline.signal });
  } finally {
    deadline.clear();
  }
}

async function applyWithin({ device, settings, scope, health, timeoutMs, ctx, clock, signal, supported }: {
  device: Device; settings: LookSettings; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs: number; ctx: Ctx; clock: Clock; signal: AbortSignal; supported?: SupportedCache;
}): Promise<CameraSettingsResult> {
  const started = clock.now();
  const keys = WRITE_ORDER.filter((k) => settings[k] !== undefined);
  const done = (r: Omit<CameraSettingsResult, 'deviceId' | 'name' | 'ms'>): CameraSettingsResult => ({ deviceId: device.id, name: device.name, ...r, ms: clock.now() - started });
  const unreachable = (error: string) => done({ outcome: 'unreachable', error, settings: keys.map((key) => ({ key, wanted: settings[key]!, outcome: 'not_confirmed', reason: error })) });
  const camera = cameraService(device);
  const protocol = camera ? cameraProtocol(camera.protocol) : undefined;
  if (!camera || !protocol?.readSettings || !protocol.writeSetting) return unreachable('this device has no camera service that takes settings');
  const paths = orderPaths({ device, service: camera.service, scope, health, trust: trustOf(ctx) });
  if (!paths.length) return unreachable('no address of this camera is inside the probe scope');
  // The first path that answers carries the whole change: settings are not split across paths.
  const first = await readBefore({ paths, protocol, health, signal, timeoutMs, ...(supported ? { cache: supported } : {}) });
  if ('error' in first) return unreachable(first.error);
  const { path, before } = first;
  const req: CameraRequest = { path, signal, timeoutMs };
  const results = new Map<SettingKey, SettingResult>();
  const writeOne = async (key: SettingKey): Promise<void> => {
    const wanted = settings[key]!;
    const early = checkSupported(key, wanted, before!.look, before!.supported);
    if (early) {
      results.set(key, { key, wanted, outcome: 'refused', status: null, reason: early });
      return;
    }
    try {
      const w = await protocol.writeSetting!({ ...req, key, value: wanted });
      if (!w.ok) results.set(key, { key, wanted, outcome: 'refused', status: w.status, reason: refusalReason(key, w.status, w.said, before!.look, before!.supported) });
    } catch (err) {
      const e = err as NodeRequestError;
      results.set(key, { key, wanted, outcome: 'not_confirmed', status: null, reason: signal.aborted ? `no answer within ${timeoutMs} ms` : `sent, no answer: ${e.message}` });
    }
  };
  // Auto exposure, then the format, one at a time (each may change what the next is judged by); the rest together.
  for (const key of keys.filter((k) => k === 'ae' || k === 'format')) await writeOne(key);
  await Promise.all(keys.filter((k) => k !== 'ae' && k !== 'format').map(writeOne));
  // Read back what was sent (and not refused): the camera's own reading is the only proof.
  const sent = keys.filter((k) => !results.has(k));
  if (sent.length) {
    let after: CameraSettingsRead | null = null;
    let why = 'no answer to the read-back';
    const readFrom = clock.now();
    while (!signal.aborted) {
      try {
        after = await protocol.readSettings({ ...req, supported: false, keys: sent });
        if (sent.every((k) => holds(after!.look, k, settings[k]!))) break;
      } catch (err) {
        why = `no answer to the read-back (${(err as Error).message})`;
      }
      // Not yet as asked: a camera may apply a format a moment later. Asked again until the deadline's last second.
      const now = clock.now();
      if (now - readFrom + READ_BACK_RETRY_MS > READ_BACK_WINDOW_MS || now - started + READ_BACK_RETRY_MS > timeoutMs - 250) break;
      await sleepOn(clock, READ_BACK_RETRY_MS);
    }
    for (const key of sent) {
      const wanted = settings[key]!;
      const readBack = after ? lookValue(after.look, key) : null;
      if (after && holds(after.look, key, wanted)) results.set(key, { key, wanted, outcome: 'applied', readBack });
      else results.set(key, { key, wanted, outcome: 'not_confirmed', readBack, reason: after ? `the camera reads ${readBack ?? 'nothing'} after it was sent ${wanted}${key === 'shutter' && after.look.autoExposure === 'Continuous' ? ' (auto exposure holds the shutter)' : ''}` : why });
    }
  }
  const list = keys.map((k) => results.get(k)!);
  const applied = list.filter((r) => r.outcome === 'applied').length;
  return done({ outcome: applied === list.length ? 'applied' : applied === 0 && list.every((r) => r.outcome === 'refused') ? 'refused' : 'partly', settings: list });
}

/** Apply settings to every selected camera; resolves when each has been read back or timed out. */
export async function applySettings({ ctx, input, scope, health, preset, clock = systemClock, supported }: {
  ctx: Ctx; input: unknown; scope: ProbeScope; health?: (id: string) => DeviceHealth | null | undefined; preset?: string; clock?: Clock; supported?: SupportedCache;
}): Promise<SettingsReport> {
  const parsed = parseOrThrow(settingsInputSchema, input, 'settings');
  const settings = parseSettings(parsed.settings);
  const selection: CommandSelection = parsed.devices ? { devices: parsed.devices } : parsed.tag ? { tag: parsed.tag } : { role: parsed.role! };
  const devices = selectDevices({ ctx, selection });
  if (!devices.length) throw new RigmapError('not_found', 'no camera matches that selection', { selection });
  const started = clock.now();
  // A settings change is a handful of small requests per camera: 64 cameras at once by default.
  const limit = pLimit(parsed.concurrency ?? 64);
  const cameras = await Promise.all(devices.map((device) => limit(() => applyToCamera({ device, settings, scope, health: health?.(device.id), timeoutMs: parsed.timeoutMs ?? 8000, ctx, clock, ...(supported ? { supported } : {}) }))));
  const applied = cameras.filter((c) => c.outcome === 'applied').length;
  const report: SettingsReport = { settings, total: cameras.length, applied, notApplied: cameras.length - applied, cameras, ...(preset ? { preset } : {}), sentAt: new Date(started).toISOString(), ms: clock.now() - started };
  ctx.bus.emit('settings.applied', { report, actor: ctx.actor });
  return report;
}

/** The report as `rigmap set` prints it: one line per camera, one indented line per setting not applied. */
export function formatSettingsReport(r: SettingsReport): string {
  const lines: string[] = [];
  const word = (s: SettingResult) => `${s.key}=${s.key === 'shutter' ? `1/${s.wanted}` : s.wanted}`;
  for (const c of r.cameras) {
    const mark = c.outcome === 'applied' ? '✔' : '✖';
    lines.push(`${mark} ${c.deviceId.padEnd(16)} ${c.outcome === 'applied' ? 'applied and read back' : c.outcome}${c.error ? `: ${c.error}` : ''}`);
    for (const s of c.settings) if (s.outcome !== 'applied' && c.outcome !== 'unreachable') lines.push(`    ✖ ${word(s)} ${s.outcome === 'refused' ? 'refused' : 'not confirmed'}: ${s.reason}`);
  }
  lines.push('');
  lines.push(`${r.preset ? `preset "${r.preset}": ` : ''}${r.applied} of ${r.total} camera(s) applied and read back${r.notApplied ? `; ${r.notApplied} not (${r.cameras.filter((c) => c.outcome !== 'applied').map((c) => c.deviceId).join(', ')})` : ''}`);
  return lines.join('\n');
}
