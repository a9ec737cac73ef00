/**
 * A small client of tailscaled's Local API over its unix socket: status (every
 * peer with its current path) and whois (who is behind an address).
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { RigmapError } from '../errors.ts';
import { type LocalStatus, localStatusSchema, type WhoisResponse, whoisSchema } from './schemas.ts';

/** Where tailscaled listens by default, by platform (first existing one wins). */
export const DEFAULT_SOCKETS: Readonly<Record<string, readonly string[]>> = {
  linux: ['/var/run/tailscale/tailscaled.sock', '/run/tailscale/tailscaled.sock'],
  // The open-source tailscaled (Homebrew, `tailscaled install-system-daemon`).
  darwin: ['/var/run/tailscaled.socket', '/var/run/tailscale/tailscaled.sock'],
  freebsd: ['/var/run/tailscale/tailscaled.sock'],
};

/** The socket to use when none is configured: the first default that exists, else the first default. */
export function defaultSocketPath(platform: NodeJS.Platform = process.platform): string {
  const list = DEFAULT_SOCKETS[platform] ?? DEFAULT_SOCKETS.linux!;
  return list.find((p) => existsSync(p)) ?? list[0]!;
}

/** A Local API client bound to one socket path. */
export class TailscaleLocalClient {
  readonly socketPath: string;
  private readonly timeoutMs: number;

  constructor(opts: { socketPath?: string; timeoutMs?: number } = {}) {
    this.socketPath = opts.socketPath || defaultSocketPath();
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** `/localapi/v0/status`: self, peers, users. */
  async status(): Promise<LocalStatus> {
    const { status, body } = await this.get('/localapi/v0/status');
    if (status !== 200) throw this.failure(status, body, 'status');
    const parsed = localStatusSchema.safeParse(decode(body));
    if (!parsed.success) throw new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} answered /localapi/v0/status with something rigmap does not recognise`);
    return parsed.data;
  }

  /** `/localapi/v0/whois?addr=IP:port`; null when tailscaled knows no node there. */
  async whois(addr: string): Promise<WhoisResponse | null> {
    const { status, body } = await this.get(`/localapi/v0/whois?addr=${encodeURIComponent(addr)}`);
    if (status === 404 || status === 400) return null;
    if (status !== 200) throw this.failure(status, body, 'whois');
    const parsed = whoisSchema.safeParse(decode(body));
    return parsed.success ? parsed.data : null;
  }

  private failure(status: number, body: string, what: string): RigmapError {
    const said = body.trim().slice(0, 200);
    if (status === 403) {
      return new RigmapError('forbidden', `tailscaled refused ${what} (403: ${said}). Fix: run rigmap as root, or let your user talk to tailscaled with \`sudo tailscale set --operator=$USER\``, { status });
    }
    return new RigmapError('upstream_failed', `tailscaled at ${this.socketPath} failed ${what} with HTTP ${status}${said ? `: ${said}` : ''}`, { status });
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        // tailscaled checks the Host header to refuse DNS-rebinding requests.
        { socketPath: this.socketPath, path, method: 'GET', headers: { Host: 'local-tailscaled.sock' }, timeout: this.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', (err) => reject(this.socketError(err as NodeJS.ErrnoException)));
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (err) => reject(this.socketError(err as NodeJS.ErrnoException)));
      req.end();
    });
  }

  private socketError(err: NodeJS.ErrnoException): RigmapError {
    const where = this.socketPath;
    const hint = 'Fix: start Tailscale on this machine, or point --socket / RIGMAP_TAILSCALE_SOCKET at tailscaled\'s socket (Linux /var/run/tailscale/tailscaled.sock, macOS /var/run/tailscaled.socket)';
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
