/**
 * The one place that maps domain errors to HTTP: `{"error":{"code","message","details?"}}`.
 * Anything that is not a RigmapError is logged and answered as a plain 500, never a stack trace.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, RigmapError } from '../topology/errors.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation_failed: 400,
  bad_json: 400,
  unsupported_format: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  upstream_failed: 502,
  unavailable: 503,
  internal: 500,
};

/** The JSON error body for `err`, and its status. */
export function toHttpError(err: unknown): { status: ContentfulStatusCode; body: { error: { code: string; message: string; details?: unknown } } } {
  if (err instanceof RigmapError) {
    return {
      status: STATUS[err.code] ?? 500,
      body: { error: { code: err.code, message: err.message, ...(err.details !== undefined ? { details: err.details } : {}) } },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error: see the server log' } } };
}

/** hono's onError hook: answer in the one error shape; log what we did not expect. */
export function handleError(log: (err: unknown, c: Context) => void) {
  return (err: Error, c: Context) => {
    const { status, body } = toHttpError(err);
    if (status >= 500) log(err, c);
    return c.json(body, status);
  };
}
