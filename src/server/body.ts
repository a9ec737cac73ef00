/** Request bodies: size-capped, JSON errors that say what is wrong. */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { RigmapError } from '../topology/errors.ts';
import { decodeJson } from '../topology/inventory.ts';

/** Bodies over this are refused with 413 before they are read. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Middleware refusing bodies over MAX_BODY_BYTES. */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new RigmapError('payload_too_large', `the request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MiB; split the import into smaller files`);
  },
});

/** The request body as JSON, or a `bad_json` error. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new RigmapError('bad_json', 'the request body is empty; send a JSON object');
  return decodeJson(text, 'the request body');
}
