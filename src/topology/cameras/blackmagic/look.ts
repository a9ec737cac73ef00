/**
 * A Blackmagic camera's look: video format, codec, dynamic range, ISO,
 * shutter, white balance and tint, auto exposure and focus mode, one REST
 * endpoint each (SystemControl, VideoControl, LensControl; the phone app per
 * docs/camera-api.md of obs-bmagicam). Every answer is hostile: types checked,
 * strings capped. A 404 or 501 means "not on this camera", never an error.
 */
import type { CameraLook, LookField } from '../../health-types.ts';
import { emptyLook, parseFormatName } from '../../look/format.ts';

/** The endpoint (and event WebSocket property) of each reading. */
export const LOOK_READS = {
  videoFormat: '/system/videoFormat',
  format: '/system/format',
  dynamicRange: '/system/dynamicRange',
  iso: '/video/iso',
  shutter: '/video/shutter',
  whiteBalance: '/video/whiteBalance',
  whiteBalanceTint: '/video/whiteBalanceTint',
  autoExposure: '/video/autoExposure',
  focusMode: '/lens/focus/autoFocus',
} as const;

export type LookKey = keyof typeof LOOK_READS;
export const LOOK_KEYS = Object.keys(LOOK_READS) as LookKey[];

/** The look field a missing endpoint takes away. */
const FIELD_OF: Record<LookKey, LookField> = {
  videoFormat: 'format', format: 'codec', dynamicRange: 'dynamicRange', iso: 'iso', shutter: 'shutter',
  whiteBalance: 'whiteBalance', whiteBalanceTint: 'whiteBalanceTint', autoExposure: 'autoExposure', focusMode: 'focusMode',
};

const MAX_TEXT = 64;
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v.slice(0, MAX_TEXT).replace(/[\u0000-\u001f]/g, ' ') : null);
const int = (v: unknown, min: number, max: number): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? Math.round(v * 100) / 100 : null);
const rate = (v: unknown): string | null => {
  const s = typeof v === 'number' ? String(v) : str(v);
  return s !== null && /^\d{1,3}(\.\d{1,3})?$/.test(s) ? s : null;
};

/** Raw answers by key, as last heard (poll or WebSocket). */
export type LookAnswers = Partial<Record<LookKey, unknown>>;

/** Fold the answers into one look; `missing` are the endpoints the camera answered 404/501 to. */
export function buildLook(answers: LookAnswers, missing: Iterable<LookKey>): CameraLook {
  const look = emptyLook();
  const vf = obj(answers.videoFormat);
  const sf = obj(answers.format);
  const named = str(vf?.name) ? parseFormatName(str(vf!.name)!) : null;
  const res = obj(sf?.recordResolution);
  const width = named?.width ?? int(vf?.width, 1, 20000) ?? int(res?.width, 1, 20000);
  const height = named?.height ?? int(vf?.height, 1, 20000) ?? int(res?.height, 1, 20000);
  const frameRate = named?.frameRate ?? rate(vf?.frameRate) ?? rate(sf?.frameRate);
  const codec = str(sf?.codec);
  const dynamicRange = str(obj(answers.dynamicRange)?.dynamicRange);
  if (width !== null || height !== null || frameRate !== null || codec !== null || dynamicRange !== null) {
    look.format = { width, height, frameRate, interlaced: named?.interlaced ?? vf?.interlaced === true, codec, dynamicRange };
  }
  look.iso = int(obj(answers.iso)?.iso, 0, 2_147_483_647);
  const sh = obj(answers.shutter);
  look.shutterSpeed = int(sh?.shutterSpeed, 1, 50_000);
  // The definitions say angle × 100; the phone answers plain degrees (obs-bmagicam, quirks): both read as degrees.
  const angle = int(sh?.shutterAngle, 0.1, 36_000);
  look.shutterAngle = angle === null ? null : angle > 360 ? angle / 100 : angle;
  look.whiteBalance = int(obj(answers.whiteBalance)?.whiteBalance, 1000, 20_000);
  look.whiteBalanceTint = int(obj(answers.whiteBalanceTint)?.whiteBalanceTint, -100, 100);
  look.autoExposure = str(obj(answers.autoExposure)?.mode);
  // Shutter under continuous auto exposure counts as auto exposure on, whatever /video/autoExposure said.
  if (sh?.continuousShutterAutoExposure === true && (look.autoExposure === null || look.autoExposure === 'Off')) look.autoExposure = 'Continuous';
  const af = obj(answers.focusMode);
  if (af) look.focusMode = af.enabled === false ? 'Manual' : str(af.mode) ?? (af.enabled === true ? 'Auto' : null);
  look.notOffered = [...new Set([...missing].map((k) => FIELD_OF[k]))].filter((f) => !(f === 'format' && look.format));
  return look;
}

/** The property a WebSocket event names, as a look key. */
export const LOOK_BY_PROPERTY = new Map(Object.entries(LOOK_READS).map(([k, p]) => [p as string, k as LookKey]));
