/**
 * Rig presets: a camera's settings saved under a name in the map (SQLite),
 * applied to a group with the same read-back report as `rigmap set`; the camera
 * each was applied to is remembered, so the roll call says which cameras no
 * longer match (a phone app restarted and forgot its settings).
 */
import { eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import type { CameraLook } from '../health-types.ts';
import type { DbLike } from '../store/db.ts';
import { presetApplications, presets } from '../store/schema.ts';
import { formatKey, sameFormat } from './format.ts';
import { type LookSettings, parseSettings, SETTING_WORDS, type SettingKey } from './settings-types.ts';

/** A stored preset. */
export interface Preset {
  name: string;
  settings: LookSettings;
  fromDevice: string | null;
  savedAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !NAME.test(name)) throw new RigmapError('validation_failed', 'a preset name is 1-64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit');
  return name;
}

/** The settings a camera's look amounts to (what `preset save --from` stores). */
export function settingsOfLook(look: CameraLook | null | undefined): LookSettings {
  const out: LookSettings = {};
  if (!look) return out;
  const key = formatKey(look.format);
  if (key) out.format = key;
  if (look.autoExposure === 'Off' || look.autoExposure === 'Continuous' || look.autoExposure === 'OneShot') out.ae = look.autoExposure;
  // Under auto exposure ISO and shutter are the camera's own choice of the moment: not part of the look to keep.
  const auto = out.ae !== undefined && out.ae !== 'Off';
  if (look.iso !== null && !auto) out.iso = look.iso;
  if (look.shutterSpeed !== null && !auto) out.shutter = look.shutterSpeed;
  if (look.whiteBalance !== null) out.wb = look.whiteBalance;
  if (look.whiteBalanceTint !== null) out.tint = look.whiteBalanceTint;
  return out;
}

/** One setting as the look reads it (for the read-back and the drift check). */
export function lookValue(look: CameraLook | null | undefined, key: SettingKey): string | number | null {
  if (!look) return null;
  switch (key) {
    case 'format': return formatKey(look.format);
    case 'iso': return look.iso;
    case 'shutter': return look.shutterSpeed;
    case 'wb': return look.whiteBalance;
    case 'tint': return look.whiteBalanceTint;
    case 'ae': return look.autoExposure;
  }
}

/** Whether a look holds one wanted setting. */
export function holds(look: CameraLook | null | undefined, key: SettingKey, wanted: string | number): boolean {
  const v = lookValue(look, key);
  if (v === null) return false;
  return key === 'format' ? sameFormat(String(v), String(wanted)) : v === wanted;
}

/** "ISO 400 (preset 800)" for each setting a look no longer holds; the camera's lacks are not drift. */
export function driftOf(look: CameraLook | null | undefined, settings: LookSettings): string[] {
  const out: string[] = [];
  for (const [key, wanted] of Object.entries(settings) as Array<[SettingKey, string | number]>) {
    if (holds(look, key, wanted)) continue;
    const v = lookValue(look, key);
    if (v === null) continue;
    out.push(`${SETTING_WORDS[key]} ${v} (preset ${wanted})`);
  }
  return out;
}

/** Save (or replace) a preset. */
export function savePreset({ ctx, name, settings, fromDevice }: { ctx: Ctx; name: string; settings: unknown; fromDevice?: string | null }): Preset {
  return upsertPresetRow(ctx.db, { name, settings, fromDevice });
}

/** Write one preset row (checked: name and settings), in a transaction or not (inventory import). */
export function upsertPresetRow(db: DbLike, p: { name: string; settings: unknown; fromDevice?: string | null }): Preset {
  const row = { name: checkName(p.name), settings: parseSettings(p.settings), fromDevice: p.fromDevice ?? null, savedAt: new Date().toISOString() };
  const values = { ...row, settings: JSON.stringify(row.settings) };
  db.insert(presets).values(values).onConflictDoUpdate({ target: presets.name, set: values }).run();
  return row;
}

/** Every preset, by name. */
export function listPresets({ ctx }: { ctx: Ctx }): Preset[] {
  return ctx.db.select().from(presets).orderBy(presets.name).all().map((r) => ({ ...r, settings: JSON.parse(r.settings) as LookSettings }));
}

/** One preset; not_found names it. */
export function getPreset({ ctx, name }: { ctx: Ctx; name: string }): Preset {
  const p = listPresets({ ctx }).find((x) => x.name === name);
  if (!p) throw new RigmapError('not_found', `no preset "${String(name).slice(0, 64)}" in the map`);
  return p;
}

/** Delete a preset (and the record of where it was applied). */
export function deletePreset({ ctx, name }: { ctx: Ctx; name: string }): void {
  getPreset({ ctx, name });
  ctx.db.delete(presets).where(eq(presets.name, name)).run();
}

/** Remember that a preset was applied to these cameras. */
export function recordPresetApplied({ ctx, name, deviceIds }: { ctx: Ctx; name: string; deviceIds: string[] }): void {
  const appliedAt = new Date().toISOString();
  for (const deviceId of deviceIds) {
    ctx.db.insert(presetApplications).values({ deviceId, presetName: name, appliedAt }).onConflictDoUpdate({ target: presetApplications.deviceId, set: { presetName: name, appliedAt } }).run();
  }
}

/** Which preset each camera had applied last. */
export function appliedPresets({ ctx }: { ctx: Ctx }): Map<string, string> {
  return new Map(ctx.db.select().from(presetApplications).all().map((r) => [r.deviceId, r.presetName]));
}

/** The roll call's preset check: why a camera no longer matches its applied preset, or null. */
export function presetDriftOf(ctx: Ctx): (deviceId: string, look: CameraLook | null | undefined) => string | null {
  const applied = appliedPresets({ ctx });
  if (!applied.size) return () => null;
  const byName = new Map(listPresets({ ctx }).map((p) => [p.name, p]));
  return (deviceId, look) => {
    const preset = byName.get(applied.get(deviceId) ?? '');
    if (!preset || !look) return null;
    const drift = driftOf(look, preset.settings);
    return drift.length ? `no longer matches preset "${preset.name}": ${drift.join(', ')} (camera app restarted or changed by hand? apply it again: rigmap preset apply ${preset.name.includes(' ') ? JSON.stringify(preset.name) : preset.name})` : null;
  };
}
