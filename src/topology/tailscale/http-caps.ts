/**
 * Caps on what a control server (Tailscale API, Headscale) may answer: a body
 * larger than the cap is cut off and refused, and a redirect is never
 * followed (a hostile or misconfigured server could point rigmap anywhere).
 */
import { RigmapError } from '../errors.ts';

/** Largest device list rigmap reads: ~10,000 devices with every field. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** fetch options every control-server request uses: no redirects. */
export const NO_REDIRECT = { redirect: 'manual' } as const satisfies RequestInit;

/** A redirect answer (fetch with redirect: 'manual' gives 3xx or an opaque 0). */
export const isRedirect = (res: Response): boolean => (res.status >= 300 && res.status < 400) || res.type === 'opaqueredirect';

/**
 * The body as text, at most `maxBytes`; more is refused with a message naming
 * `who`. Reads chunk by chunk so a huge answer never sits in memory whole.
 */
export async function readCappedText(res: Response, who: string, maxBytes = MAX_ANSWER_BYTES): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(who, maxBytes);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let step: ReadableStreamReadResult<Uint8Array>;
    try {
      step = await reader.read();
    } catch (err) {
      // The request's time cap (AbortSignal.timeout) or a dropped connection mid-body.
      const why = (err as Error).name === 'TimeoutError' ? 'took too long to answer' : 'broke off its answer';
      throw new RigmapError('upstream_failed', `${who} ${why}; try again shortly`, { retryable: true });
    }
    const { done, value } = step;
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(who, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(who: string, maxBytes: number): RigmapError {
  return new RigmapError('upstream_failed', `${who} answered with more than ${maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MB` : `${maxBytes} bytes`}; rigmap reads no more than that (is the URL right?)`, { tooLarge: true });
}

/** The error for a redirect answer: where it pointed is named, never followed. */
export function redirectRefused(who: string, res: Response): RigmapError {
  const to = res.headers.get('location');
  return new RigmapError('upstream_failed', `${who} answered with a redirect (HTTP ${res.status}${to ? ` to ${to.slice(0, 200)}` : ''}); rigmap follows no redirects. Fix: give the final URL (often https:// instead of http://)`, { status: res.status });
}
