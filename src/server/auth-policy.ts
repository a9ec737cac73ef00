/**
 * THE access policy: one table, method + route pattern (exactly as registered
 * in hono) → the least role that may call it. The auth middleware applies it to
 * every request; nothing else decides. A route missing here falls back to
 * viewer for GET and admin for anything else, and the access test fails until
 * it is listed, so a new route is a conscious decision.
 */
import type { Requirement } from '../topology/access/roles.ts';

export const POLICY: Record<string, Requirement> = {
  // Anyone: the dashboard bundle, liveness, signing in.
  'GET /*': 'public',
  'GET /healthz': 'public',
  'GET /api/auth/me': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/logout': 'public',

  // Viewer: read the map, live health, alerts, exports; reach nodes through the relay.
  'GET /api/devices': 'viewer',
  'GET /api/devices/:id': 'viewer',
  'GET /api/devices/:id/health': 'viewer',
  'GET /api/devices/:id/trust': 'viewer',
  'GET /api/events': 'viewer',
  'GET /api/alerts': 'viewer',
  'GET /metrics': 'viewer',
  'GET /api/links': 'viewer',
  'GET /api/links/:id': 'viewer',
  'GET /api/tailscale/status': 'viewer',
  'GET /api/tailscale/paths': 'viewer',
  'GET /api/tailscale/paths/:id': 'viewer',
  'GET /api/whoami': 'viewer',
  'GET /api/topology': 'viewer',
  'GET /api/openapi.json': 'viewer',
  'GET /api/export': 'viewer',
  'GET /api/discovered': 'viewer',
  'GET /api/discovery/scans': 'viewer',
  'GET /api/discovery/scans/:id': 'viewer',
  'GET /api/viewer': 'viewer',
  'GET /api/reach': 'viewer',
  'GET /api/check': 'viewer',
  'GET /api/takes': 'viewer',
  'GET /reach/:device/:service/*': 'viewer',
  'GET /api/devices/:id/preview.mjpeg': 'viewer',
  'GET /api/devices/:id/preview.jpg': 'viewer',

  // Operator: act on the rig during a shoot.
  'POST /api/alerts/:id/ack': 'operator',
  'POST /api/commands': 'operator',
  // Re-trust a changed certificate (audited): unblocks commands to that device.
  'POST /api/devices/:id/trust': 'operator',

  // Admin: the inventory, discovery, notifiers (their URLs can hold secrets), Tailscale, users, tokens, audit.
  'POST /api/devices': 'admin',
  'PATCH /api/devices/:id': 'admin',
  'DELETE /api/devices/:id': 'admin',
  'POST /api/links': 'admin',
  'PATCH /api/links/:id': 'admin',
  'DELETE /api/links/:id': 'admin',
  'POST /api/import': 'admin',
  'POST /api/tailscale/import': 'admin',
  'POST /api/discovered/:id/accept': 'admin',
  'POST /api/discovered/:id/ignore': 'admin',
  'POST /api/discovery/scan': 'admin',
  'DELETE /api/discovery/scans/:id': 'admin',
  'POST /api/discovery/hosts': 'admin',
  'POST /api/discovery/bonjour/refresh': 'admin',
  'GET /api/notifiers': 'admin',
  'POST /api/notifiers': 'admin',
  'DELETE /api/notifiers/:ref': 'admin',
  'POST /api/notifiers/:ref/test': 'admin',
  'GET /api/users': 'admin',
  'POST /api/users': 'admin',
  'DELETE /api/users/:login': 'admin',
  'GET /api/tokens': 'admin',
  'POST /api/tokens': 'admin',
  'DELETE /api/tokens/:ref': 'admin',
  'GET /api/audit': 'admin',
};

/** Methods that change something (CSRF-checked, audited, admin by default). */
export const isMutating = (method: string) => !['GET', 'HEAD', 'OPTIONS'].includes(method);

/** The requirement of `method` on route pattern `pattern` (null: no route matched). */
export function requirementOf(method: string, pattern: string | null): { need: Requirement; listed: boolean } {
  const m = method === 'HEAD' ? 'GET' : method;
  const listed = pattern ? POLICY[`${m} ${pattern}`] : undefined;
  if (listed) return { need: listed, listed: true };
  return { need: isMutating(m) ? 'admin' : 'viewer', listed: false };
}
