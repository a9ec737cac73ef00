/**
 * Contract v1.2 `status.look` (docs/camera-node-contract.md), read as hostile
 * input: every field type-checked and bounded; a wrong one is dropped, not the status.
 */
import type { CameraLook, LookField } from '../health-types.ts';
import { emptyLook } from '../look/format.ts';

const LOOK_FIELDS: LookField[] = ['format', 'codec', 'dynamicRange', 'iso', 'shutter', 'whiteBalance', 'whiteBalanceTint', 'autoExposure', 'focusMode'];
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown, max = 64): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, max).replace(/[\u0000-\u001f]/g, ' ') : null);
const num = (v: unknown, min: number, max: number): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : null);

/** The look of a raw status; undefined when the node does not send one (v1, v1.1). */
export function parseLookField(raw: Record<string, unknown>): CameraLook | null | undefined {
  if (!('look' in raw)) return undefined;
  const l = obj(raw.look);
  if (!l) return null;
  const look = emptyLook();
  const f = obj(l.format);
  if (f) {
    const rate = typeof f.frameRate === 'number' ? String(f.frameRate) : str(f.frameRate, 8);
    look.format = {
      width: num(f.width, 1, 20000), height: num(f.height, 1, 20000),
      frameRate: rate !== null && /^\d{1,3}(\.\d{1,3})?$/.test(rate) ? rate : null,
      interlaced: f.interlaced === true, codec: str(f.codec), dynamicRange: str(f.dynamicRange),
    };
  }
  look.iso = num(l.iso, 0, 1_000_000);
  look.shutterSpeed = num(l.shutterSpeed, 1, 50_000);
  look.shutterAngle = num(l.shutterAngle, 0.1, 360);
  look.whiteBalance = num(l.whiteBalance, 1000, 20_000);
  look.whiteBalanceTint = num(l.whiteBalanceTint, -100, 100);
  look.autoExposure = str(l.autoExposure);
  look.focusMode = str(l.focusMode);
  look.notOffered = Array.isArray(l.notOffered) ? l.notOffered.slice(0, 16).filter((x): x is LookField => LOOK_FIELDS.includes(x as LookField)) : [];
  return look;
}
