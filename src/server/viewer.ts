/**
 * Viewer identity middleware: who is looking at the dashboard. Behind
 * `tailscale serve` (which connects from loopback) the Tailscale-User-Login /
 * Tailscale-User-Name headers are trusted; from anywhere else they are ignored
 * and, with the Local API configured, the remote address is whois'd. The login
 * becomes the request's actor, so every change records who made it.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { resolveViewer, type Viewer } from '../topology/tailscale/whois.ts';
import type { AppDeps } from './deps.ts';

/** The TCP peer of a request, when it came through a real Node server (not app.request()). */
export function remoteOf(c: Context): { address?: string; port?: number } {
  try {
    return getConnInfo(c).remote;
  } catch {
    return {};
  }
}

/** Middleware setting `viewer` and `actor` on the context when the viewer is known. */
export function viewerIdentity(deps: AppDeps): MiddlewareHandler {
  return async (c, next) => {
    const remote = remoteOf(c);
    const viewer = await resolveViewer({
      remoteAddr: remote.address,
      remotePort: remote.port,
      header: (name) => c.req.header(name),
      whois: deps.tailscale?.whois,
    });
    if (viewer) {
      c.set('viewer' as never, viewer as never);
      c.set('actor' as never, viewer.login as never);
    }
    await next();
  };
}

/** The viewer the middleware found for this request, or null. */
export function viewerOf(c: Context): Viewer | null {
  return (c.get('viewer' as never) as Viewer | undefined) ?? null;
}
