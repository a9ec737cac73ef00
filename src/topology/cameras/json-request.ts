/** A small JSON request to a camera over one path (settings reads and writes): bounded body, status and parsed JSON. */
import { openNodeRequest, readBody } from '../relay/node-request.ts';
import type { CameraRequest } from './protocol.ts';

/** The longest settings answer read from a camera (a supported-formats list is a few KB). */
export const MAX_SETTINGS_ANSWER = 64 * 1024;

/** Send and read; `json` is undefined when the body is empty or not JSON. Rejects with NodeRequestError when the request failed. */
export async function cameraJson(req: CameraRequest & { method: 'GET' | 'PUT' | 'PATCH'; pathAndQuery: string; body?: unknown }): Promise<{ status: number; json: unknown }> {
  const res = await openNodeRequest({
    path: req.path, method: req.method, pathAndQuery: req.pathAndQuery, signal: req.signal, connectTimeoutMs: Math.min(3000, req.timeoutMs),
    ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
  });
  const text = (await readBody(res, MAX_SETTINGS_ANSWER)).toString('utf8');
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.statusCode ?? 0, json };
}

/** A short message from an error answer (`{"error":{"message"}}`, `{"message"}`, `{"error":"…"}`), control characters removed. */
export function saidOf(json: unknown): string | null {
  const o = json && typeof json === 'object' ? (json as Record<string, unknown>) : null;
  const e = o?.error;
  const m = e && typeof e === 'object' ? (e as Record<string, unknown>).message : typeof e === 'string' ? e : o?.message;
  return typeof m === 'string' && m ? m.replace(/[\u0000-\u001f]/g, ' ').slice(0, 200) : null;
}
