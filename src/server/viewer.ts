/**
 * Viewer identity middleware: who is looking at the dashboard. The
 * Tailscale-User-Login / Tailscale-User-Name headers `tailscale serve` adds are
 * believed only when the operator said tailscale serve is what connects over
 * loopback (--trust-tailscale-serve on) and only from a loopback peer: anyone on
 * this machine (or a same-host proxy) could send them otherwise. Without that,
 * the headers are ignored and, with the Local API configured, tailscaled is
 * asked (whois) who the remote address belongs to. The login becomes the
 * request's actor, so every change records who made it.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { resolveViewer, type Viewer } from '../topology/tailscale/whois.ts';
import type { AppDeps } from './deps.ts';
import type { AppEnv } from './app-env.ts';

/** The TCP peer of a request, when it came through a real Node server (not app.request()). */
export function remoteOf(c: Context): { address?: string; port?: number } {
  try {
    return getConnInfo(c).remote;
  } catch {
    return {};
  }
}

/** Middleware setting `viewer` and `actor` on the context when the viewer is known. */
export function viewerIdentity(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const remote = remoteOf(c);
    const viewer = await resolveViewer({
      remoteAddr: remote.address,
      remotePort: remote.port,
      // Untrusted headers are never shown to the resolver: a forged login cannot become an identity.
      header: deps.config.trustTailscaleServe === true ? (name) => c.req.header(name) : () => undefined,
      whois: deps.tailscale?.whois,
    });
    if (viewer) {
      c.set('viewer', viewer);
      c.set('actor', viewer.login);
    }
    await next();
  };
}

/** The viewer the middleware found for this request, or null. */
export function viewerOf(c: Context<AppEnv>): Viewer | null {
  return c.get('viewer') ?? null;
}
