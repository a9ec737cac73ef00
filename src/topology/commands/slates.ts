/**
 * Slates that match the takes: before a record.start, each camera's next clip
 * is named for the take ("S12_T03_C": scene, take, camera letter). Blackmagic
 * cameras get it on their slate first (`/slates/nextClip`: scene, take, reel)
 * and as the clip name; camera nodes get it as `record.start` `args.clip`
 * (contract v1.2). The takes log then lists per camera the clip it recorded.
 */
import { z } from 'zod';
import { cameraProtocol } from '../cameras/registry.ts';
import type { NextClipSlate } from '../cameras/protocol.ts';
import type { Ctx } from '../context.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { Device } from '../model.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { orderPaths } from '../relay/paths.ts';
import { cameraService } from '../services.ts';
import { listTakes } from '../takes/store.ts';
import { trustOf } from '../trust/pins.ts';

/** What the crew gives: the scene, and the take when it is not the next one. */
export const slateInputSchema = z.strictObject({
  scene: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,15}$/, { error: 'scene: 1-16 letters, digits, dots or dashes, e.g. 12 or 12A' }),
  take: z.number().int().min(1).max(99).optional(),
});
export type SlateInput = z.infer<typeof slateInputSchema>;

/** The letter a camera names itself by ("Cam C", a phone's letter set in the app), or null. */
export function ownLetter(device: Device): string | null {
  const m = /(?:^|\s)([A-Z])$/i.exec(device.name.trim());
  return m ? m[1]!.toUpperCase() : null;
}

/** Each camera's letter for its clip names: its own where it has one, else the next letter no other camera uses (A, B, …). */
export function cameraLetters(devices: Device[]): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const d of devices) {
    const own = ownLetter(d);
    if (own && !used.has(own)) {
      out.set(d.id, own);
      used.add(own);
    }
  }
  let next = 0;
  for (const d of devices) {
    if (out.has(d.id)) continue;
    while (next < 26 && used.has(String.fromCharCode(65 + next))) next++;
    const letter = next < 26 ? String.fromCharCode(65 + next) : `C${out.size + 1}`;
    used.add(letter);
    out.set(d.id, letter);
  }
  return out;
}

/** The take number when the crew did not give one: one more than the takes rigmap has logged. */
export function nextTakeNumber(ctx: Ctx): number {
  const last = listTakes({ ctx, limit: 1 })[0]?.id ?? 0;
  return ((last) % 99) + 1;
}

/** Each camera's slate for this take. */
export function slatesFor(devices: Device[], slate: SlateInput, take: number): Map<string, NextClipSlate> {
  const letters = cameraLetters(devices);
  return new Map(devices.map((d, i) => {
    const letter = letters.get(d.id)!;
    return [d.id, { scene: slate.scene, take, reel: i + 1, clipName: `S${slate.scene}_T${String(take).padStart(2, '0')}_${letter}` }];
  }));
}

/**
 * Put the slate on every camera whose protocol has slates (Blackmagic), at once;
 * returns per camera why it could not be set (the start goes on: the clip name still carries the take).
 */
export async function setSlates({ ctx, devices, slates, scope, health, timeoutMs }: {
  ctx: Ctx; devices: Device[]; slates: Map<string, NextClipSlate>; scope: ProbeScope; health?: (id: string) => DeviceHealth | null | undefined; timeoutMs: number;
}): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  await Promise.all(devices.map(async (device) => {
    const camera = cameraService(device);
    const protocol = camera ? cameraProtocol(camera.protocol) : undefined;
    const slate = slates.get(device.id);
    if (!camera || !protocol?.setSlate || !slate) return;
    const path = orderPaths({ device, service: camera.service, scope, health: health?.(device.id), trust: trustOf(ctx) })[0];
    if (!path) return;
    try {
      const w = await protocol.setSlate({ path, signal: AbortSignal.timeout(timeoutMs), timeoutMs, slate });
      if (!w.ok) problems.set(device.id, w.status === 404 || w.status === 501 ? 'no slate on this camera (the clip name carries the take)' : `the camera refused the slate (HTTP ${w.status})`);
    } catch (err) {
      problems.set(device.id, `slate not set: ${(err as Error).message}`);
    }
  }));
  return problems;
}
