/**
 * A small client of the Tailscale HTTP API v2 (there is no npm one): the device
 * list, authenticated by an API access token or by OAuth client credentials.
 * An OAuth token is cached until shortly before it expires, and fetched again
 * once if the API refuses it early. Secrets never appear in an error.
 */
import { systemClock, type Clock } from '../clock.ts';
import { z } from 'zod';
import { RigmapError } from '../errors.ts';
import { isRedirect, MAX_ANSWER_BYTES, NO_REDIRECT, readCappedText, redirectRefused } from './http-caps.ts';
import { apiDeviceListSchema, oauthTokenSchema } from './schemas.ts';

export const DEFAULT_API_BASE = 'https://api.tailscale.com';

/** How to authenticate: an API access token, or an OAuth client's id and secret. */
export type ApiCredentials = { apiKey: string } | { oauthClientId: string; oauthClientSecret: string };

export interface ApiClientOptions {
  apiBase?: string;
  /** The tailnet's name; "-" is the tailnet of the token. */
  tailnet?: string;
  credentials: ApiCredentials;
  fetch?: typeof fetch;
  /** Clock for token expiry and Retry-After dates (tests move it). */
  clock?: Clock;
  timeoutMs?: number;
  /** Largest device-list answer read (default 16 MB). */
  maxBytes?: number;
}

/** Renew an OAuth token this long before it expires (or at 90% of a shorter life). */
const TOKEN_MARGIN_MS = 60_000;

/** Details of an API failure; `status` and `retryAfterSec` drive the sync's backoff. */
export interface ApiFailure {
  status?: number;
  retryAfterSec?: number;
  upstream?: string;
}

async function upstreamMessage(res: Response): Promise<string | undefined> {
  const text = await readCappedText(res, 'the server', 64 * 1024).catch(() => '');
  try {
    const msg = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof msg === 'string') return msg.slice(0, 300);
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim().slice(0, 300) || undefined;
}

function retryAfter(res: Response, now: number): number | undefined {
  const raw = res.headers.get('retry-after');
  if (!raw) return undefined;
  const sec = Number(raw);
  if (Number.isFinite(sec)) return Math.max(0, sec);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.round((at - now) / 1000));
}

/** A Tailscale API v2 client for one tailnet. */
export class TailscaleApiClient {
  readonly apiBase: string;
  readonly tailnet: string;
  private readonly credentials: ApiCredentials;
  private readonly fetchFn: typeof fetch;
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private token: { value: string; renewAt: number } | null = null;
  /** How many OAuth tokens this client has fetched (for status and tests). */
  tokenFetches = 0;

  constructor(opts: ApiClientOptions) {
    this.apiBase = (opts.apiBase ?? DEFAULT_API_BASE).replace(/\/+$/, '');
    this.tailnet = opts.tailnet || '-';
    this.credentials = opts.credentials;
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.clock = opts.clock ?? systemClock;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.maxBytes = opts.maxBytes ?? MAX_ANSWER_BYTES;
  }

  /** Which kind of credentials this client uses (never the secret itself). */
  get authKind(): 'api-key' | 'oauth' {
    return 'apiKey' in this.credentials ? 'api-key' : 'oauth';
  }

  /**
   * Every device of the tailnet, with all fields (endpoints included), unread:
   * each is read on its own by readApiDevices, so one odd device skips only itself.
   */
  async listDevices(): Promise<unknown[]> {
    const path = `/api/v2/tailnet/${encodeURIComponent(this.tailnet)}/devices?fields=all`;
    let res = await this.request(path, await this.bearer());
    if (res.status === 401 && this.authKind === 'oauth') {
      // The cached token was revoked or expired early: fetch a new one, once.
      await res.body?.cancel();
      this.token = null;
      res = await this.request(path, await this.bearer());
    }
    if (isRedirect(res)) throw redirectRefused(`the Tailscale API at ${this.apiBase}`, res);
    if (!res.ok) throw await this.failure(res, 'devices');
    const text = await readCappedText(res, `the Tailscale API at ${this.apiBase}`, this.maxBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RigmapError('upstream_failed', `the Tailscale API at ${this.apiBase} answered the device list with something that is not JSON`);
    }
    const parsed = apiDeviceListSchema.safeParse(body);
    if (!parsed.success) {
      throw new RigmapError('upstream_failed', `the Tailscale API at ${this.apiBase} answered with something that is not a device list (no "devices" array): ${z.prettifyError(parsed.error).split('\n')[0]}`, { issues: parsed.error.issues.slice(0, 5) });
    }
    return parsed.data.devices;
  }

  private async bearer(): Promise<string> {
    if ('apiKey' in this.credentials) return this.credentials.apiKey;
    if (this.token && this.clock.now() < this.token.renewAt) return this.token.value;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.credentials.oauthClientId,
      client_secret: this.credentials.oauthClientSecret,
    });
    const res = await this.send(`${this.apiBase}/api/v2/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    });
    if (isRedirect(res)) throw redirectRefused(`the Tailscale OAuth endpoint at ${this.apiBase}`, res);
    if (!res.ok) throw await this.failure(res, 'token');
    const tokenText = await readCappedText(res, `the Tailscale OAuth endpoint at ${this.apiBase}`, 64 * 1024);
    let tokenJson: unknown = null;
    try {
      tokenJson = JSON.parse(tokenText);
    } catch {
      // reported just below as an answer without a token
    }
    const parsed = oauthTokenSchema.safeParse(tokenJson);
    if (!parsed.success) throw new RigmapError('upstream_failed', `the Tailscale OAuth endpoint at ${this.apiBase} answered without an access token`);
    this.tokenFetches++;
    const lifeMs = (parsed.data.expires_in ?? 3600) * 1000;
    this.token = { value: parsed.data.access_token, renewAt: this.clock.now() + lifeMs - Math.min(TOKEN_MARGIN_MS, lifeMs * 0.1) };
    return this.token.value;
  }

  private request(path: string, bearer: string): Promise<Response> {
    return this.send(`${this.apiBase}${path}`, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
  }

  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchFn(url, { ...init, ...NO_REDIRECT, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new RigmapError('upstream_failed', `cannot reach the Tailscale API at ${this.apiBase} (${why}); check the network, or --api-base / RIGMAP_TAILSCALE_API_BASE`, { retryable: true } satisfies ApiFailure & { retryable: boolean });
    }
  }

  private async failure(res: Response, what: 'token' | 'devices'): Promise<RigmapError> {
    const details: ApiFailure = { status: res.status, upstream: await upstreamMessage(res) };
    const said = details.upstream ? ` (Tailscale said: "${details.upstream}")` : '';
    const oauth = this.authKind === 'oauth';
    if (res.status === 401 || (what === 'token' && res.status === 400)) {
      return new RigmapError('unauthorized', oauth
        ? `Tailscale refused the OAuth client credentials${said}: the client id or secret is wrong, or the client was deleted. Fix: create an OAuth client with the devices:core:read scope in the admin console (Settings → OAuth clients) and set RIGMAP_TAILSCALE_OAUTH_CLIENT_ID / RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET`
        : `Tailscale refused the API access token${said}: it is invalid, expired or revoked. Fix: generate a new one in the admin console (Settings → Keys) and set RIGMAP_TAILSCALE_API_KEY (or --api-key-file)`, details);
    }
    if (res.status === 403) {
      return new RigmapError('forbidden', `Tailscale refused to list devices (403)${said}: the ${oauth ? 'OAuth client' : 'access token'} lacks the devices:core:read scope, or its user may not read tailnet "${this.tailnet}". Fix: give it that scope, or use a token of a tailnet admin`, details);
    }
    if (res.status === 404) {
      return new RigmapError('not_found', `Tailscale does not know the tailnet "${this.tailnet}"${said}. Fix: give --tailnet the tailnet name shown in the admin console, or "-" for the token's own tailnet`, details);
    }
    if (res.status === 429) {
      details.retryAfterSec = retryAfter(res, this.clock.now());
      return new RigmapError('upstream_failed', `the Tailscale API is rate-limiting rigmap (429)${details.retryAfterSec !== undefined ? `; retry after ${details.retryAfterSec} s` : ''}. Fix: wait, or sync less often (RIGMAP_TAILSCALE_SYNC_INTERVAL)`, details);
    }
    return new RigmapError('upstream_failed', `the Tailscale API at ${this.apiBase} failed with HTTP ${res.status}${said}; it is probably temporary, try again shortly`, details);
  }
}
