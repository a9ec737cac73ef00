/**
 * Who is viewing: the Tailscale user behind a request, from the headers
 * `tailscale serve` adds (trusted only on loopback, where serve connects from)
 * or from a Local API whois of the remote address, cached briefly.
 */
import { systemClock, type Clock } from '../clock.ts';
import { isLoopback } from '../reach.ts';
import type { TailscaleLocalClient } from './local-client.ts';

/** A viewer as shown by GET /api/whoami and recorded as the actor of changes. */
export interface Viewer {
  login: string;
  name: string | null;
  /** The viewer's machine (MagicDNS name), when whois told it. */
  node: string | null;
  via: 'tailscale-serve' | 'whois';
  /** The viewer's node tags (tag:producer…), when whois told them; access rules can map them to a role. */
  tags?: string[];
}

/** Header values may be RFC 2047 / percent-free UTF-8; keep them printable and short. */
const clean = (v: string | undefined | null) => (v ? v.replace(/[\r\n\t]/g, ' ').trim().slice(0, 200) || null : null);

/**
 * The viewer of one request. Headers count only from loopback (a remote
 * client could forge them); otherwise whois, when a Local API is configured.
 */
export async function resolveViewer({ remoteAddr, remotePort, header, whois }: {
  remoteAddr: string | undefined;
  remotePort?: number;
  header: (name: string) => string | undefined;
  whois?: WhoisCache | null;
}): Promise<Viewer | null> {
  if (isLoopback(remoteAddr)) {
    const login = clean(header('Tailscale-User-Login'));
    if (login) return { login, name: clean(header('Tailscale-User-Name')), node: null, via: 'tailscale-serve' };
  }
  if (!whois || !remoteAddr) return null;
  return whois.lookup(remoteAddr, remotePort);
}

/** Whois answers by IP for `ttlMs`, at most `max` entries (oldest dropped first). */
export class WhoisCache {
  private readonly cache = new Map<string, { viewer: Viewer | null; until: number }>();
  private readonly ttlMs: number;
  private readonly max: number;
  /** How many whois calls reached tailscaled (for tests and status). */
  lookups = 0;

  private readonly clock: Clock;

  constructor(private readonly client: TailscaleLocalClient, opts: { ttlMs?: number; max?: number; clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.max ?? 500;
  }

  /** The viewer at `ip`, or null if tailscaled knows none (or cannot be asked). */
  async lookup(ip: string, port?: number): Promise<Viewer | null> {
    const hit = this.cache.get(ip);
    if (hit && hit.until > this.clock.now()) return hit.viewer;
    this.lookups++;
    let viewer: Viewer | null = null;
    try {
      const host = ip.includes(':') ? `[${ip}]` : ip;
      const res = await this.client.whois(`${host}:${port ?? 0}`);
      if (res) {
        viewer = {
          login: res.UserProfile.LoginName,
          name: res.UserProfile.DisplayName ?? null,
          node: res.Node?.Name?.replace(/\.$/, '') ?? null,
          via: 'whois',
        };
        const tags = (res.Node as { Tags?: unknown } | null | undefined)?.Tags;
        if (Array.isArray(tags)) viewer.tags = tags.filter((t): t is string => typeof t === 'string');
      }
    } catch {
      // tailscaled down: the viewer is unknown, and a page view must not fail for it.
      return null;
    }
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(ip, { viewer, until: this.clock.now() + this.ttlMs });
    return viewer;
  }
}
