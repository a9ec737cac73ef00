/**
 * Settings on a camera node (contract v1.2): `GET /api/v1/settings` gives the
 * look and the supported lists, `PATCH /api/v1/settings` one field at a time.
 * A v1/v1.1 node answers 404: every setting is "not on this camera".
 */
import type { SettingKey } from '../look/settings-types.ts';
import { parseLookField } from '../probes/look-fields.ts';
import { cameraJson, saidOf } from './json-request.ts';
import type { CameraRequest, CameraSettingsRead, SettingWriteOutcome } from './protocol.ts';
import { NodeRequestError } from '../relay/node-request.ts';
import { emptyLook } from '../look/format.ts';

const FIELD: Record<SettingKey, string> = { format: 'videoFormat', iso: 'iso', shutter: 'shutterSpeed', wb: 'whiteBalance', tint: 'whiteBalanceTint', ae: 'autoExposure' };
const obj = (v: unknown): Record<string, unknown> | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const nums = (v: unknown): number[] | null => (Array.isArray(v) ? v.slice(0, 256).filter((x): x is number => typeof x === 'number' && Number.isFinite(x)) : null);
const range = (v: unknown) => {
  const o = obj(v);
  return typeof o?.min === 'number' && typeof o?.max === 'number' ? { min: o.min, max: o.max } : null;
};

/** GET /api/v1/settings. */
export async function readNodeSettings(req: CameraRequest & { supported: boolean }): Promise<CameraSettingsRead> {
  const { status, json } = await cameraJson({ ...req, method: 'GET', pathAndQuery: `${req.path.basePath}/settings` });
  if (status === 404) {
    // No settings endpoint (contract before v1.2): nothing to read, nothing to set.
    return { look: { ...emptyLook(), notOffered: ['format', 'iso', 'shutter', 'whiteBalance', 'whiteBalanceTint', 'autoExposure'] }, supported: { formats: [], isos: [], shutters: [], whiteBalance: null, tint: null } };
  }
  const o = obj(json);
  const look = o ? parseLookField(o) : undefined;
  if (status !== 200 || !look) throw new NodeRequestError(`the node answered HTTP ${status} to GET ${req.path.basePath}/settings`, false);
  const s = obj(o!.supported);
  return {
    look,
    supported: req.supported && s ? {
      formats: Array.isArray(s.videoFormats) ? s.videoFormats.slice(0, 256).filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 32)) : null,
      isos: nums(s.isos), shutters: nums(s.shutterSpeeds), whiteBalance: range(s.whiteBalance), tint: range(s.whiteBalanceTint),
    } : null,
  };
}

/** PATCH /api/v1/settings with one field. */
export async function writeNodeSetting(req: CameraRequest & { key: SettingKey; value: string | number }): Promise<SettingWriteOutcome> {
  const { status, json } = await cameraJson({ ...req, method: 'PATCH', pathAndQuery: `${req.path.basePath}/settings`, body: { [FIELD[req.key]]: req.value } });
  return { ok: status >= 200 && status < 300, status, said: status >= 300 ? saidOf(json) : null };
}
