/**
 * Settings on a Blackmagic camera (and the Blackmagic Camera app): read the
 * look and the supported lists (`/system/supportedVideoFormats`,
 * `/video/supportedISOs`, `/video/supportedShutters`,
 * `/video/whiteBalance/description`), write one setting per PUT, set the next
 * clip's slate (`/slates/nextClip`). Answers are hostile: lists capped.
 */
import type { SettingKey } from '../../look/settings-types.ts';
import { BLACKMAGIC_PATH } from '../../services.ts';
import { cameraJson } from '../json-request.ts';
import type { CameraRequest, CameraSettingsRead, NextClipSlate, SettingWriteOutcome, SupportedSettings } from '../protocol.ts';
import { buildLook, LOOK_READS, type LookAnswers, type LookKey } from './look.ts';

const MAX_LIST = 256;

/** The endpoint and body of each setting. */
const WRITES: Record<SettingKey, { endpoint: string; body: (v: string | number) => unknown }> = {
  format: { endpoint: '/system/videoFormat', body: (v) => ({ name: v }) },
  iso: { endpoint: '/video/iso', body: (v) => ({ iso: v }) },
  shutter: { endpoint: '/video/shutter', body: (v) => ({ shutterSpeed: v }) },
  wb: { endpoint: '/video/whiteBalance', body: (v) => ({ whiteBalance: v }) },
  tint: { endpoint: '/video/whiteBalanceTint', body: (v) => ({ whiteBalanceTint: v }) },
  ae: { endpoint: '/video/autoExposure', body: (v) => ({ mode: v }) },
};

/** The look endpoints a read-back of these settings needs (auto exposure always: it explains a lock). */
const READS_FOR: Record<SettingKey, LookKey[]> = {
  format: ['videoFormat', 'format'], iso: ['iso'], shutter: ['shutter'], wb: ['whiteBalance'], tint: ['whiteBalanceTint'], ae: ['autoExposure'],
};

const base = (req: CameraRequest) => req.path.basePath || BLACKMAGIC_PATH;
const numbers = (v: unknown): number[] | null => (Array.isArray(v) ? v.slice(0, MAX_LIST).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : null);
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** GET one endpoint: the value, 'missing' for 404/501, undefined for anything else. */
async function read(req: CameraRequest, endpoint: string): Promise<unknown> {
  const { status, json } = await cameraJson({ ...req, method: 'GET', pathAndQuery: `${base(req)}${endpoint}` });
  if (status === 404 || status === 501) return 'missing';
  return status === 200 ? json : undefined;
}

/** Read the look (the endpoints of `keys`, or all) and the supported lists. */
export async function readBlackmagicSettings(req: CameraRequest & { supported: boolean; keys?: SettingKey[] }): Promise<CameraSettingsRead> {
  const keys: LookKey[] = req.keys ? [...new Set([...req.keys.flatMap((k) => READS_FOR[k]), 'autoExposure' as const])] : (Object.keys(LOOK_READS) as LookKey[]);
  const answers: LookAnswers = {};
  const missing: LookKey[] = [];
  const looks = Promise.all(keys.map(async (k) => {
    const v = await read(req, LOOK_READS[k]);
    if (v === 'missing') missing.push(k);
    else if (v !== undefined) answers[k] = v;
  }));
  const lists = req.supported
    ? Promise.all(['/system/supportedVideoFormats', '/video/supportedISOs', '/video/supportedShutters', '/video/whiteBalance/description'].map((e) => read(req, e)))
    : Promise.resolve(null);
  const [, got] = await Promise.all([looks, lists]);
  let supported: SupportedSettings | null = null;
  if (got) {
    const [formats, isos, shutters, wb] = got.map((v) => (v === 'missing' ? null : obj(v)));
    const range = obj(wb?.whiteBalance);
    supported = {
      formats: Array.isArray(formats?.videoFormats) ? formats.videoFormats.slice(0, MAX_LIST).filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 32)) : null,
      isos: numbers(isos?.supportedISOs),
      shutters: numbers(shutters?.shutterSpeeds),
      whiteBalance: typeof range?.min === 'number' && typeof range?.max === 'number' ? { min: range.min, max: range.max } : null,
      // The tint range is fixed by the definitions (−50…50).
      tint: { min: -50, max: 50 },
    };
  }
  return { look: buildLook(answers, missing), supported };
}

/** PUT one setting. */
export async function writeBlackmagicSetting(req: CameraRequest & { key: SettingKey; value: string | number }): Promise<SettingWriteOutcome> {
  const w = WRITES[req.key];
  const { status, json } = await cameraJson({ ...req, method: 'PUT', pathAndQuery: `${base(req)}${w.endpoint}`, body: w.body(req.value) });
  const o = obj(json);
  return { ok: status >= 200 && status < 300, status, said: typeof o?.message === 'string' ? o.message.slice(0, 200) : null };
}

/** PUT /slates/nextClip: scene, take and reel of the next clip (take 1-99, reel 1-999 as the definitions allow). */
export async function setBlackmagicSlate(req: CameraRequest & { slate: NextClipSlate }): Promise<SettingWriteOutcome> {
  const { scene, take, reel } = req.slate;
  const clip = { scene: scene.slice(0, 32), take: Math.min(99, Math.max(1, take)), ...(reel !== undefined ? { reel: Math.min(999, Math.max(1, reel)) } : {}) };
  const { status } = await cameraJson({ ...req, method: 'PUT', pathAndQuery: `${base(req)}/slates/nextClip`, body: { clip } });
  return { ok: status >= 200 && status < 300, status, said: null };
}
