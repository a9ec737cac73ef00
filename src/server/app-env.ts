/**
 * The Hono environment of every rigmap router: what the middlewares put on the
 * context (viewerIdentity: viewer and actor; authenticate: caller and actor).
 * Typed once here so `c.get` / `c.set` need no casts anywhere.
 */
import type { Viewer } from '../topology/tailscale/whois.ts';
import type { UserRole } from '../topology/access/roles.ts';

/** How a caller was identified. */
export type Via = 'session' | 'token' | 'tailscale' | 'open' | 'anonymous';

/** The caller of one request, as routes read it with `callerOf(c)`. */
export interface Caller {
  role: UserRole | null;
  actor: string;
  via: Via;
  /** The user behind this caller (a token: the user at the head of its chain); null when open or unknown. */
  owner?: string | null;
  /** The CSRF token this caller must echo on mutations (cookie and Tailscale callers). */
  csrf: string | null;
  /** The raw session id (for logout). */
  sessionId?: string;
  expiresAt?: number;
}

/** Context variables; each is absent until its middleware ran (a bare app.request in a test). */
export interface AppVariables {
  /** Who is viewing (tailscale serve headers or whois), set by viewerIdentity. */
  viewer: Viewer | undefined;
  /** The caller as the access middleware identified them. */
  caller: Caller | undefined;
  /** The name every change of this request is recorded under. */
  actor: string | undefined;
}

/** `new Hono<AppEnv>()`: the one environment type of the app and its routers. */
export type AppEnv = { Variables: AppVariables };
