/** Preset verbs that talk to cameras: save one from a camera's live settings, apply one to a group with read-back. */
import type { CameraProtocol } from '../cameras/protocol.ts';
import { cameraProtocol } from '../cameras/registry.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { listDevices } from '../devices.ts';
import { RigmapError } from '../errors.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { type NodePath, orderPaths } from '../relay/paths.ts';
import { cameraService } from '../services.ts';
import { trustOf } from '../trust/pins.ts';
import { applySettings, deadlineOn } from './apply-settings.ts';
import type { SupportedCache } from './first-read.ts';
import { getPreset, type Preset, recordPresetApplied, savePreset, settingsOfLook } from './presets.ts';
import type { SettingsReport } from './settings-types.ts';

/** Read a camera's settings now and store them as preset `name`. */
export async function savePresetFromCamera({ ctx, name, deviceId, scope, health, timeoutMs = 5000, clock = systemClock }: {
  ctx: Ctx; name: string; deviceId: string; scope: ProbeScope; health?: DeviceHealth | null; timeoutMs?: number; clock?: Clock;
}): Promise<Preset> {
  const device = listDevices({ ctx }).find((d) => d.id === deviceId);
  if (!device) throw new RigmapError('not_found', `no device "${deviceId.slice(0, 128)}" in the map`);
  const camera = cameraService(device);
  const protocol = camera ? cameraProtocol(camera.protocol) : undefined;
  if (!camera || !protocol?.readSettings) throw new RigmapError('validation_failed', `${device.name} has no camera service that tells its settings`);
  const { signal, clear } = deadlineOn(clock, timeoutMs);
  try {
    return await saveFirstAnswer({ ctx, name, device, protocol, paths: orderPaths({ device, service: camera.service, scope, health, trust: trustOf(ctx) }), signal, timeoutMs });
  } finally {
    clear();
  }
}

/** The first path whose camera tells its settings gives the preset. */
async function saveFirstAnswer({ ctx, name, device, protocol, paths, signal, timeoutMs }: {
  ctx: Ctx; name: string; device: Device; protocol: CameraProtocol; paths: NodePath[]; signal: AbortSignal; timeoutMs: number;
}): Promise<Preset> {
  let lastError = 'no address inside the probe scope';
  for (const path of paths) {
    try {
      const read = await protocol.readSettings!({ path, signal, timeoutMs, supported: false });
      const settings = settingsOfLook(read.look);
      if (!Object.keys(settings).length) throw new RigmapError('validation_failed', `${device.name} tells none of its settings (format, ISO, shutter, white balance): nothing to save`);
      return savePreset({ ctx, name, settings, fromDevice: device.id });
    } catch (err) {
      if (err instanceof RigmapError) throw err;
      lastError = signal.aborted ? `no answer within ${timeoutMs} ms` : (err as Error).message;
    }
  }
  throw new RigmapError('unavailable', `could not read ${device.name}'s settings: ${lastError}`);
}

/** Apply preset `name` to a selection with the read-back report; remembers it on every camera that answered. */
export async function applyPreset({ ctx, name, selection, scope, health, timeoutMs, concurrency, clock, supported }: {
  ctx: Ctx; name: string; selection: Record<string, unknown>; scope: ProbeScope; health?: (id: string) => DeviceHealth | null | undefined; timeoutMs?: number; concurrency?: number; clock?: Clock; supported?: SupportedCache;
}): Promise<SettingsReport> {
  const preset = getPreset({ ctx, name });
  const report = await applySettings({ ctx, input: { ...selection, settings: preset.settings, ...(timeoutMs ? { timeoutMs } : {}), ...(concurrency ? { concurrency } : {}) }, scope, health, preset: preset.name, ...(clock ? { clock } : {}), ...(supported ? { supported } : {}) });
  recordPresetApplied({ ctx, name: preset.name, deviceIds: report.cameras.filter((c) => c.outcome !== 'unreachable').map((c) => c.deviceId) });
  return report;
}
