/**
 * The one function every outbound notification goes through (alert notices,
 * tests, Alertmanager pushes and re-sends): the URL guard first (literal, DNS
 * and rigmap-itself checks on the resolved addresses, url-guard.ts), then one
 * POST to an address that was checked — never a fresh lookup between check and
 * connect (DNS rebinding) — with the URL's Host header and TLS server name,
 * no redirects followed and the answer's body never read.
 */
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { RigmapError } from '../../errors.ts';
import type { NameResolver, SelfAddress } from '../../relay/self.ts';
import type { NoticeRequest } from './notice-types.ts';
import { checkNotifierTarget } from './url-guard.ts';

/** The guard refused the target: nothing was sent, and a retry would be refused too. */
export class NoticeRefused extends Error {
  readonly code = 'notifier_refused';
}

/** What came back (the status and, for a redirect, where it pointed: never followed). */
export interface NoticeAnswer {
  status: number;
  location: string | null;
  /** The address connected to (one the guard checked). */
  address: string;
}

/** How one notice is sent. */
export interface SendOptions {
  /** Where rigmap listens (a notifier must not be rigmap itself). */
  self?: SelfAddress;
  /** Name resolution for the guard (tests inject one); the connection uses what it answered. */
  resolve?: NameResolver;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A lookup that answers only the checked address, whatever it is asked (a name resolves once, in the guard). */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address) === 6 ? 6 : 4;
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFunction;
}

/**
 * Guard, then POST once. Throws {@link NoticeRefused} when the guard says no
 * (nothing is sent), another Error when the target could not be reached.
 */
export async function sendNotice(req: NoticeRequest, opts: SendOptions = {}): Promise<NoticeAnswer> {
  let checked;
  try {
    checked = await checkNotifierTarget(req.url, { self: opts.self, resolve: opts.resolve });
  } catch (err) {
    if (err instanceof RigmapError && err.code === 'validation_failed') throw new NoticeRefused(err.message);
    throw err;
  }
  const { url, addresses } = checked;
  const address = addresses.find((a) => isIP(a) === 4) ?? addresses[0]!;
  const body = Buffer.from(req.body);
  const mod = url.protocol === 'https:' ? https : http;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise<NoticeAnswer>((resolve, reject) => {
    const request = mod.request(url, {
      method: 'POST',
      headers: { ...req.headers, 'content-length': String(body.length), connection: 'close' },
      agent: false,
      lookup: pinnedLookup(address),
      // SNI and the certificate check name the URL's host, not the address connected to.
      ...(url.protocol === 'https:' && !isIP(host) ? { servername: host } : {}),
      signal: opts.signal,
    }, (res) => {
      const location = typeof res.headers.location === 'string' ? res.headers.location.slice(0, 200) : null;
      // Whatever sits at that URL may answer any amount: the body is never read.
      res.destroy();
      resolve({ status: res.statusCode ?? 0, location, address });
    });
    // Real time on purpose (Node's socket idle timeout): it bounds one real delivery, not a rule.
    request.setTimeout(opts.timeoutMs ?? 5000, () => request.destroy(new Error(`no answer from ${url.host} in ${opts.timeoutMs ?? 5000} ms`)));
    request.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ? `${err.code} from ${url.host} (${address})` : err.message)));
    request.end(body);
  });
}
