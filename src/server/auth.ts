/**
 * Who is calling, and may they? One middleware for every request:
 * identify the caller (Bearer API token, session cookie, Tailscale identity,
 * or nobody), look the route up in the one policy table (auth-policy.ts),
 * refuse cross-site and CSRF-less cookie mutations, then open the audit scope
 * the recorder reads "from where" out of. With auth off (loopback only) every
 * caller is admin, and still named in the audit trail.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { matchedRoutes } from 'hono/route';
import { recordAudit, requestScope, type RequestScope } from '../topology/access/audit.ts';
import { LoginLimiter } from '../topology/access/rate-limit.ts';
import { parseTailscaleRoles, roleForTailscale, roleMeets, type TailscaleRoleRule, type UserRole } from '../topology/access/roles.ts';
import { resolveSession } from '../topology/access/sessions.ts';
import { resolveToken } from '../topology/access/tokens.ts';
import { RigmapError } from '../topology/errors.ts';
import { isLoopback } from '../topology/reach.ts';
import { isMutating, requirementOf } from './auth-policy.ts';
import type { AppDeps } from './deps.ts';
import { toHttpError } from './errors.ts';
import type { AppEnv, Caller, Via } from './app-env.ts';
import { viewerSocketOf } from './reach.ts';
import { remoteOf } from './viewer.ts';

export const SESSION_COOKIE = 'rigmap_session';
export const CSRF_HEADER = 'x-rigmap-csrf';

// Caller and Via live beside the context variables they fill (app-env.ts), so the two modules do not import each other.
export type { Caller, Via } from './app-env.ts';

/** Access settings of one app: built once by buildApp. */
export interface Access {
  /**
   * open: everyone is admin (auth off); required: every request signs in
   * (auth on, and auto on a non-loopback host: no exemption for this machine,
   * since a proxy or port forward on it would pass others' requests in as
   * local ones); loopback: auto on a loopback host, open to this machine except
   * requests through tailscale serve (they carry a tailnet user's identity, so
   * they sign in by it).
   */
  mode: 'open' | 'required' | 'loopback';
  rules: TailscaleRoleRule[];
  sessionTtlMs: number;
  limiter: LoginLimiter;
  /** Per-process key of the CSRF tokens of Tailscale callers (they have no session row). */
  secret: Buffer;
  /** Host names an open (not signed-in) request may be addressed to, besides loopback ones. */
  allowedHosts: Set<string>;
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

/** Build the access settings; auth off on a non-loopback host is refused. */
export function createAccess(deps: AppDeps): Access {
  const { host, auth = 'auto' } = deps.config;
  const loopback = LOOPBACK_NAMES.has(host) || isLoopback(host);
  if (auth === 'off' && !loopback) {
    throw new RigmapError('validation_failed', `--auth off is only allowed when rigmap listens on loopback; --host ${host} lets others in, so sign-in stays on (create an admin with: rigmap user add NAME --role admin)`);
  }
  return {
    // Bound to loopback rigmap may run open; bound to any other address it requires sign-in.
    mode: auth === 'off' ? 'open' : auth === 'auto' && loopback ? 'loopback' : 'required',
    rules: parseTailscaleRoles(deps.config.tailscaleRoles ?? ''),
    sessionTtlMs: Math.round((deps.config.sessionHours ?? 12) * 3_600_000),
    limiter: new LoginLimiter({}, deps.clock),
    secret: randomBytes(32),
    allowedHosts: new Set([normalHost(host), ...(deps.config.allowedHosts ?? []).map(normalHost)]),
  };
}

/** The CSRF token of a Tailscale caller: an HMAC of their login under the process key. */
export const tailscaleCsrf = (access: Access, login: string) => createHmac('sha256', access.secret).update(`ts|${login}`).digest('base64url');

const sameSecret = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/** Does sign-in apply to this request? (See Access.mode.) */
export function authApplies(access: Access, c: Context<AppEnv>): boolean {
  if (access.mode !== 'loopback') return access.mode === 'required';
  // tailscale serve connects from loopback but on behalf of a tailnet user: never "this machine".
  return viewerSocketOf(c).tailscaleServe === true;
}

function identify(deps: AppDeps, access: Access, c: Context<AppEnv>): Caller | Response {
  const viewer = c.get('viewer');
  if (!authApplies(access, c)) return { role: 'admin', actor: viewer?.login ?? 'local', via: 'open', csrf: null };
  const ctx = { db: deps.db, bus: deps.bus };
  const authz = c.req.header('authorization');
  if (authz) {
    const m = /^Bearer\s+(\S+)$/i.exec(authz);
    const token = m ? resolveToken({ ctx, secret: m[1]! }) : null;
    if (!token) {
      const { status, body } = toHttpError(new RigmapError('unauthorized', 'the API token is unknown or revoked (rigmap token list)'));
      return c.json(body, status);
    }
    return { role: token.role, actor: `token:${token.name}`, via: 'token', csrf: null, owner: token.owner };
  }
  const sid = getCookie(c, SESSION_COOKIE);
  const session = sid ? resolveSession({ ctx, id: sid, clock: deps.clock }) : null;
  if (session) return { role: session.role, actor: session.login, via: 'session', csrf: session.csrf, sessionId: sid, expiresAt: session.expiresAt, owner: session.login };
  if (viewer) {
    const role = roleForTailscale(access.rules, viewer);
    if (role) return { role, actor: viewer.login, via: 'tailscale', csrf: tailscaleCsrf(access, viewer.login), owner: viewer.login };
  }
  return { role: null, actor: viewer?.login ?? 'anonymous', via: 'anonymous', csrf: null };
}

/** A host name as compared: lower case, no IPv6 brackets, no trailing dot. */
const normalHost = (name: string) => name.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');

/** The host name this request was addressed to (the Host header without its port). */
function requestHostname(c: Context): string | null {
  const raw = c.req.header('host') ?? new URL(c.req.url).host;
  try {
    return normalHost(new URL(`http://${raw}`).hostname);
  } catch {
    return null;
  }
}

/**
 * May an open (not signed-in) request be answered? Only when it was addressed
 * to a loopback name, --host or --allowed-hosts: a web page on another site can
 * point its own name at 127.0.0.1 (DNS rebinding) and would otherwise read and
 * change everything through the visitor's browser, Origin and Host agreeing.
 */
function openHostAllowed(access: Access, hostname: string | null): boolean {
  if (!hostname) return false;
  return LOOPBACK_NAMES.has(hostname) || hostname.endsWith('.localhost') || isLoopback(hostname) || access.allowedHosts.has(hostname);
}

/** Is an Origin header (when a browser sent one) this server's own? */
function sameOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin) return true;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

function refuse(c: Context, code: 'unauthorized' | 'forbidden', message: string): Response {
  const { status, body } = toHttpError(new RigmapError(code, message));
  return c.json(body, status);
}

/** The route pattern this request will be handled by (the first non-middleware match). */
export function routePatternOf(c: Context): string | null {
  const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
  return matchedRoutes(c).find((r) => r.method === method)?.path ?? null;
}

/** The middleware: identify, authorize, CSRF, audit scope. */
export function authenticate(deps: AppDeps, access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const caller = identify(deps, access, c);
    if (caller instanceof Response) return caller;
    if (caller.via === 'open') {
      const hostname = requestHostname(c);
      if (!openHostAllowed(access, hostname)) {
        return refuse(c, 'forbidden', `rigmap is open without sign-in here, so it only answers when opened as localhost, 127.0.0.1 or its --host; "${hostname ?? ''}" is not one of them. Open it by one of those, add the name to --allowed-hosts (RIGMAP_ALLOWED_HOSTS), or turn sign-in on (--auth on)`);
      }
    }
    const method = c.req.method;
    const pattern = routePatternOf(c);
    const { need } = requirementOf(method, pattern);
    const mutating = isMutating(method);
    const remote = remoteOf(c).address ?? null;
    c.set('caller', caller);
    c.set('actor', caller.actor);
    if (mutating && !sameOrigin(c)) return refuse(c, 'forbidden', 'cross-site request refused: open rigmap at its own address');
    if (!roleMeets(caller.role, need)) {
      if (!caller.role) return refuse(c, 'unauthorized', 'sign in first (the dashboard login, or Authorization: Bearer <API token>)');
      if (mutating) recordAudit(deps.db, { actor: caller.actor, via: caller.via, remote, action: 'denied', target: `${method} ${c.req.path}`, details: { role: caller.role, need } });
      return refuse(c, 'forbidden', `your role (${caller.role}) cannot do this: ${method} ${pattern ?? c.req.path} needs ${need}`);
    }
    // A browser sends cookies (and tailscale serve its headers) on cross-site requests too: mutations must prove they come from our page.
    if (mutating && caller.csrf && pattern !== '/api/auth/login') {
      const sent = c.req.header(CSRF_HEADER) ?? '';
      if (!sameSecret(sent, caller.csrf)) return refuse(c, 'forbidden', `missing or wrong ${CSRF_HEADER} header: reload the dashboard and try again`);
    }
    const scope: RequestScope = { remote, via: caller.via, actor: caller.actor, recorded: 0 };
    await requestScope.run(scope, () => next());
    // Mutations no domain event described (notifiers, acknowledgements, discovery…) still get a line.
    if (mutating && scope.recorded === 0 && c.res.status < 400 && !pattern?.startsWith('/api/auth/')) {
      try {
        recordAudit(deps.db, { actor: caller.actor, via: caller.via, remote, action: `${method} ${pattern ?? c.req.path}`, target: c.req.path, details: { status: c.res.status } });
      } catch (err) {
        deps.logger?.warn({ error: (err as Error).message }, 'audit write failed');
      }
    }
  };
}

/** The caller the middleware identified; nobody (no role) when no middleware ran: a wiring mistake must not grant admin. */
export function callerOf(c: Context<AppEnv>): Caller {
  return c.get('caller') ?? { role: null, actor: 'anonymous', via: 'anonymous', csrf: null };
}
