/**
 * Rig-wide settings as the crew gives them (`iso=800 shutter=1/50 wb=5600
 * format=1920x1080p25`), parsed and bounded, and the per-camera report of a
 * fan-out with read-back. Shared by the verb, the API, the CLI and the dashboard.
 */
import { RigmapError } from '../errors.ts';
import { frameRateValue, parseFormatName } from './format.ts';

/** The settings rigmap can set on a camera; each is optional. */
export interface LookSettings {
  /** Video format name, "1920x1080p25". */
  format?: string;
  iso?: number;
  /** Shutter speed as 1/x s (50 = 1/50). */
  shutter?: number;
  /** White balance in kelvin. */
  wb?: number;
  tint?: number;
  /** Auto exposure mode. */
  ae?: 'Off' | 'Continuous' | 'OneShot';
}

export type SettingKey = keyof LookSettings;
export const SETTING_KEYS: SettingKey[] = ['format', 'ae', 'iso', 'shutter', 'wb', 'tint'];

/** Words for each setting in reports. */
export const SETTING_WORDS: Record<SettingKey, string> = { format: 'format', iso: 'ISO', shutter: 'shutter', wb: 'white balance', tint: 'tint', ae: 'auto exposure' };

const AE: Record<string, LookSettings['ae']> = { off: 'Off', continuous: 'Continuous', auto: 'Continuous', on: 'Continuous', oneshot: 'OneShot' };

/** Check and normalise settings from JSON (the API) or from `key=value` words (the CLI). */
export function parseSettings(input: unknown): LookSettings {
  const raw: Record<string, unknown> = Array.isArray(input) ? fromWords(input) : input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  const out: LookSettings = {};
  const bad = (key: string, why: string) => new RigmapError('validation_failed', `${key}: ${why}`, { field: key });
  for (const [key, value] of Object.entries(raw)) {
    switch (key) {
      case 'format': {
        const f = typeof value === 'string' ? parseFormatName(value) : null;
        if (!f || frameRateValue(f.frameRate) === null) throw bad(key, 'must be a video format like 1920x1080p25');
        out.format = `${f.width}x${f.height}${f.interlaced ? 'i' : 'p'}${f.frameRate}`;
        break;
      }
      case 'iso': out.iso = int(value, 1, 1_000_000, () => bad(key, 'must be a whole number, e.g. 800')); break;
      case 'shutter': {
        // "1/50", "50" or 50: a shutter speed of 1/50 s.
        const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.replace(/^1\//, '') : '';
        out.shutter = int(Number(text), 1, 50_000, () => bad(key, 'must be a shutter speed like 1/50'));
        break;
      }
      case 'wb': out.wb = int(typeof value === 'string' ? Number(value.replace(/k$/i, '')) : value, 1000, 20_000, () => bad(key, 'must be kelvin from 1000 to 20000, e.g. 5600')); break;
      case 'tint': out.tint = int(value, -100, 100, () => bad(key, 'must be a whole number from -100 to 100')); break;
      case 'ae': {
        const mode = typeof value === 'string' ? AE[value.toLowerCase()] : undefined;
        if (!mode) throw bad(key, 'must be off, continuous or oneshot');
        out.ae = mode;
        break;
      }
      default:
        throw bad(key.slice(0, 40), `not a setting rigmap knows; use ${SETTING_KEYS.join(', ')}`);
    }
  }
  if (!Object.keys(out).length) throw new RigmapError('validation_failed', `no settings given; e.g. iso=800 shutter=1/50 wb=5600 format=1920x1080p25`);
  return out;
}

function int(v: unknown, min: number, max: number, err: () => Error): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw err();
  return n;
}

function fromWords(words: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const w of words.slice(0, 16)) {
    const m = typeof w === 'string' ? /^([a-z]+)=(.{1,40})$/i.exec(w) : null;
    if (!m) throw new RigmapError('validation_failed', `"${String(w).slice(0, 40)}" is not key=value (e.g. iso=800)`);
    out[m[1]!.toLowerCase()] = m[2];
  }
  return out;
}

/** What became of one setting on one camera. */
export interface SettingResult {
  key: SettingKey;
  wanted: string | number;
  /** applied: read back as asked; refused: the camera (or its supported list) said no; not_confirmed: sent, but the read-back differs or failed. */
  outcome: 'applied' | 'refused' | 'not_confirmed';
  /** HTTP status of the camera's refusal, when it answered one. */
  status?: number | null;
  /** In a crew member's words: "locked while auto exposure is on", "not on this camera", "out of range: supported 20–1920". */
  reason?: string;
  /** What the camera reads back. */
  readBack?: string | number | null;
}

/** One camera's part of a settings fan-out. */
export interface CameraSettingsResult {
  deviceId: string;
  name: string;
  /** applied: every setting read back; partly: some not; refused: none applied; unreachable: no answer at all. */
  outcome: 'applied' | 'partly' | 'refused' | 'unreachable';
  settings: SettingResult[];
  error?: string;
  ms: number;
}

/** The answer of a settings fan-out. */
export interface SettingsReport {
  settings: LookSettings;
  total: number;
  applied: number;
  notApplied: number;
  cameras: CameraSettingsResult[];
  /** The preset applied, when it came from one. */
  preset?: string;
  sentAt: string;
  ms: number;
}
