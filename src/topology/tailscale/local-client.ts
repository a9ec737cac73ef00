/**
 * A small client of tailscaled's Local API: status (every peer with its current
 * path), whois (who is behind an address) and ping (the tailnet round trip).
 * Over tailscaled's unix socket, or, for the macOS app (which has none), over
 * localhost TCP with the app's token (found as tailscale's CLI finds it:
 * macos-local-api.ts). Answers are capped; the token is never shown.
 */
import { existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';
import { RigmapError } from '../errors.ts';
import { discoverMacLocalApi, type MacLocalApi, type MacSeams } from './macos-local-api.ts';
import { type LocalStatus, localStatusShellSchema, type PingResult, pingResultSchema, type WhoisResponse, whoisSchema } from './schemas.ts';
import { readLocalStatus } from './tolerant.ts';

/** Where tailscaled listens by default, by platform (first existing one wins). */
export const DEFAULT_SOCKETS: Readonly<Record<string, readonly string[]>> = {
  linux: ['/var/run/tailscale/tailscaled.sock', '/run/tailscale/tailscaled.sock'],
  // The open-source tailscaled (Homebrew, `tailscaled install-system-daemon`).
  darwin: ['/var/run/tailscaled.socket', '/var/run/tailscale/tailscaled.sock'],
  freebsd: ['/var/run/tailscale/tailscaled.sock'],
};

/** Largest Local API answer read (a status of a few thousand peers). */
const MAX_LOCAL_BYTES = 32 * 1024 * 1024;

/** The socket to use when none is configured: the first default that exists, else the first default. */
export function defaultSocketPath(platform: NodeJS.Platform = process.platform): string {
  const list = DEFAULT_SOCKETS[platform] ?? DEFAULT_SOCKETS.linux!;
  return list.find((p) => existsSync(p)) ?? list[0]!;
}

/** How to reach tailscaled when no socket is given. */
export interface LocalClientOptions {
  socketPath?: string;
  timeoutMs?: number;
  /** The platform whose defaults apply (tests pass 'darwin'). */
  platform?: NodeJS.Platform;
  /** macOS app discovery seams (tests); real lsof and files otherwise. */
  macSeams?: MacSeams;
  /** Largest answer read (default 32 MB). */
  maxBytes?: number;
}

/** A Local API client bound to one socket, or to the macOS app's TCP port. */
export class TailscaleLocalClient {
  /** The socket, or a description of the macOS app's TCP Local API (never the token). */
  readonly socketPath: string;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly macSeams: MacSeams | undefined;
  private readonly useMacApp: boolean;
  private mac: MacLocalApi | null = null;

  constructor(opts: LocalClientOptions = {}) {
    const platform = opts.platform ?? process.platform;
    // The macOS app has no socket: with none given and no open-source tailscaled socket, find the app's TCP port.
    this.useMacApp = !opts.socketPath && platform === 'darwin' && !DEFAULT_SOCKETS.darwin!.some((p) => existsSync(p));
    this.socketPath = opts.socketPath || (this.useMacApp ? 'the macOS Tailscale app (localhost TCP)' : defaultSocketPath(platform));
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.maxBytes = opts.maxBytes ?? MAX_LOCAL_BYTES;
    this.macSeams = opts.macSeams;
  }

  /** Whether this client talks to the macOS app over TCP. */
  get viaMacApp(): boolean {
    return this.useMacApp;
  }

  /** `/localapi/v0/status` as answered (peers unread: parseStatusJson reads and reports them one by one). */
  async statusRaw(): Promise<Record<string, unknown>> {
    const { status, body } = await this.call('GET', '/localapi/v0/status');
    if (status !== 200) throw this.failure(status, body, 'status');
    const json = decode(body);
    if (!localStatusShellSchema.safeParse(json).success) throw new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} answered /localapi/v0/status with something rigmap does not recognise`);
    return json as Record<string, unknown>;
  }

  /** `/localapi/v0/status`: self, peers, users; a peer that does not parse is left out. */
  async status(): Promise<LocalStatus> {
    const read = readLocalStatus(await this.statusRaw());
    if (!read) throw new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} answered /localapi/v0/status with something rigmap does not recognise`);
    return read.status;
  }

  /** `/localapi/v0/whois?addr=IP:port`; null when tailscaled knows no node there. */
  async whois(addr: string): Promise<WhoisResponse | null> {
    const { status, body } = await this.call('GET', `/localapi/v0/whois?addr=${encodeURIComponent(addr)}`);
    if (status === 404 || status === 400) return null;
    if (status !== 200) throw this.failure(status, body, 'whois');
    const parsed = whoisSchema.safeParse(decode(body));
    return parsed.success ? parsed.data : null;
  }

  /** `POST /localapi/v0/ping?ip=IP&type=disco`: tailscaled's own round trip to a peer. */
  async ping(ip: string, type: 'disco' | 'TSMP' = 'disco'): Promise<PingResult> {
    const { status, body } = await this.call('POST', `/localapi/v0/ping?ip=${encodeURIComponent(ip)}&type=${type}`);
    if (status !== 200) throw this.failure(status, body, 'ping');
    const parsed = pingResultSchema.safeParse(decode(body));
    if (!parsed.success) throw new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} answered ping with something rigmap does not recognise`);
    return parsed.data;
  }

  private failure(status: number, body: string, what: string): RigmapError {
    const said = body.trim().slice(0, 200);
    if ((status === 401 || status === 403) && this.useMacApp) {
      this.mac = null; // the app may have restarted with a new port and token: find them again next time
      return new RigmapError('forbidden', `the macOS Tailscale app refused rigmap's Local API token for ${what} (HTTP ${status}). Fix: run rigmap as the user signed in to the Tailscale app (its token is per user), and make sure the app is running`, { status });
    }
    if (status === 403) {
      return new RigmapError('forbidden', `tailscaled refused ${what} (403: ${said}). Fix: run rigmap as root, or let your user talk to tailscaled with \`sudo tailscale set --operator=$USER\``, { status });
    }
    return new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} failed ${what} with HTTP ${status}${said ? `: ${said}` : ''}`, { status });
  }

  /** Where to send a request: the socket, or the macOS app's port with its token. */
  private async target(): Promise<RequestOptions> {
    if (!this.useMacApp) return { socketPath: this.socketPath };
    this.mac ??= await discoverMacLocalApi(this.macSeams);
    if (!this.mac) {
      throw new RigmapError('not_found', 'cannot find the macOS Tailscale app\'s Local API (no sameuserproof file from the App Store or standalone app). Fix: start the Tailscale app and sign in as this user, or point --socket / RIGMAP_TAILSCALE_SOCKET at an open-source tailscaled\'s socket', { socket: this.socketPath });
    }
    // tailscaled checks the token as the password of HTTP basic auth (user empty), like its own CLI sends it.
    return { host: '127.0.0.1', port: this.mac.port, headers: { authorization: `Basic ${Buffer.from(`:${this.mac.token}`).toString('base64')}` } };
  }

  private async call(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: string }> {
    const target = await this.target();
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (err: NodeJS.ErrnoException) => {
        if (settled) return;
        settled = true;
        reject(this.socketError(err));
      };
      const req = request(
        // tailscaled checks the Host header to refuse DNS-rebinding requests.
        { ...target, path, method, headers: { ...(target.headers as Record<string, string> | undefined), Host: 'local-tailscaled.sock' }, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          let total = 0;
          res.on('data', (c: Buffer) => {
            total += c.length;
            if (total > this.maxBytes) {
              // Stop reading: a bigger answer is refused, not buffered.
              fail(Object.assign(new Error('answer too large'), { code: 'E2BIG' }));
              req.destroy();
              return;
            }
            chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', (err) => fail(err as NodeJS.ErrnoException));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => fail(err as NodeJS.ErrnoException));
      req.end();
    });
  }

  private socketError(err: NodeJS.ErrnoException): RigmapError {
    const where = this.socketPath;
    const hint = 'Fix: start Tailscale on this machine, or point --socket / RIGMAP_TAILSCALE_SOCKET at tailscaled\'s socket (Linux /var/run/tailscale/tailscaled.sock, macOS open-source tailscaled /var/run/tailscaled.socket; the macOS app is found by itself)';
    if (this.useMacApp && (err.code === 'ECONNREFUSED' || err.code === 'ECONNRESET')) this.mac = null;
    switch (err.code) {
      case 'ENOENT':
        return new RigmapError('not_found', `no tailscaled socket at ${where}: is Tailscale running here? ${hint}`, { socket: where });
      case 'ECONNREFUSED':
        return new RigmapError('upstream_failed', `tailscaled is not answering on ${where} (connection refused). ${hint}`, { socket: where, retryable: true });
      case 'EACCES':
      case 'EPERM':
        return new RigmapError('forbidden', `permission denied on ${where}. Fix: run rigmap as root, or \`sudo tailscale set --operator=$USER\``, { socket: where });
      case 'ETIMEDOUT':
        return new RigmapError('upstream_failed', `tailscaled on ${where} did not answer within ${this.timeoutMs / 1000} s`, { socket: where, retryable: true });
      case 'E2BIG':
        return new RigmapError('upstream_failed', `tailscaled on ${where} answered with more than ${this.maxBytes} bytes; rigmap reads no more than that`, { socket: where });
      default:
        return new RigmapError('upstream_failed', `cannot talk to tailscaled on ${where}: ${err.message}. ${hint}`, { socket: where });
    }
  }
}

function decode(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return null;
  }
}
