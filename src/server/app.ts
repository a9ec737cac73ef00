/**
 * buildApp: the HTTP surface, built from its dependencies and nothing else, so a
 * test can build as many isolated apps as it likes.
 */
import { Hono } from 'hono';
import type { AppEnv } from './app-env.ts';
import { RigmapError } from '../topology/errors.ts';
import { limitBody } from './body.ts';
import type { AppDeps } from './deps.ts';
import { handleError, toHttpError } from './errors.ts';
import { presetRoutes, settingsRoutes } from './routes/settings.ts';
import { checkRoutes } from './routes/check.ts';
import { deviceRoutes } from './routes/devices.ts';
import { discoveredRoutes, discoveryRoutes } from './routes/discovery.ts';
import { healthRoutes } from './routes/health.ts';
import { exportRoutes, importRoutes, topologyRoutes } from './routes/inventory.ts';
import { linkRoutes } from './routes/links.ts';
import { tailscaleRoutes, whoamiRoutes } from './routes/tailscale.ts';
import { viewerIdentity } from './viewer.ts';
import { reachRoutes, viewerRoutes } from './reach.ts';
import { staticRoutes } from './static.ts';
import { alertRoutes } from './routes/alerts.ts';
import { eventRoutes } from './routes/events.ts';
import { healthStateRoutes } from './routes/health-state.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { notifierRoutes } from './routes/notifiers.ts';
import { startAuditRecorder } from '../topology/access/audit.ts';
import { authenticate, createAccess } from './auth.ts';
import { relayRoutes } from './relay.ts';
import { previewRoutes } from './preview.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { commandRoutes } from './routes/commands.ts';
import { takeRoutes } from './routes/takes.ts';
import { tokenRoutes, userRoutes } from './routes/users.ts';
import { API_VERSION, documented, openApiDocument } from './openapi.ts';
import { securityHeaders } from './security-headers.ts';
import { appServices } from './app-services.ts';

export function buildApp(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.onError(
    handleError((err, c) => deps.logger?.error({ err, method: c.req.method, path: c.req.path }, 'request failed')),
  );
  app.notFound((c) => {
    const { status, body } = toHttpError(new RigmapError('not_found', `no route ${c.req.method} ${c.req.path}`));
    return c.json(body, status);
  });
  app.use('/api/*', limitBody);
  // Who is viewing (tailscale serve headers from loopback, or whois): the actor of every change.
  app.use('/api/*', viewerIdentity(deps));
  app.use('/reach/*', viewerIdentity(deps));
  // Access: security headers, then who is calling and may they (one policy table: auth-policy.ts), CSRF, audit scope.
  const access = createAccess(deps);
  // Services main.ts wires; a bare test app gets stand-ins (app-services.ts, never inside a route).
  const { eventRing, discovery, previewHub, tailscale } = appServices(deps);
  startAuditRecorder({ db: deps.db, bus: deps.bus, onError: (err) => deps.logger?.warn({ error: (err as Error).message }, 'audit write failed') });
  app.use('*', securityHeaders);
  app.use('*', authenticate(deps, access));
  app.route('/api/auth', authRoutes(deps, access));
  app.route('/api/users', userRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  app.route('/api/audit', auditRoutes(deps));
  app.route('/api/commands', commandRoutes(deps));
  app.route('/reach', relayRoutes(deps));
  app.route('/api/devices', previewRoutes(deps, previewHub));
  app.route('/healthz', healthRoutes(deps));
  app.route('/api/devices', deviceRoutes(deps));
  app.route('/api/devices', healthStateRoutes(deps));
  app.route('/api/events', eventRoutes(deps, eventRing));
  app.route('/api/alerts', alertRoutes(deps));
  app.route('/api/notifiers', notifierRoutes(deps));
  app.route('/metrics', metricsRoutes(deps));
  app.route('/api/links', linkRoutes(deps));
  app.route('/api/tailscale', tailscaleRoutes(deps, tailscale));
  app.route('/api/whoami', whoamiRoutes());
  app.route('/api/topology', topologyRoutes(deps));
  app.route('/api/import', importRoutes(deps));
  app.route('/api/export', exportRoutes(deps));
  app.route('/api/discovered', discoveredRoutes(deps, discovery));
  app.route('/api/discovery', discoveryRoutes(deps, discovery));
  app.route('/api/viewer', viewerRoutes(deps));
  app.route('/api/reach', reachRoutes(deps));
  app.route('/api/check', checkRoutes(deps));
  app.route('/api/settings', settingsRoutes(deps));
  app.route('/api/presets', presetRoutes(deps));
  app.route('/api/takes', takeRoutes(deps));
  // The OpenAPI document of every route above, generated from the route table and the routes' zod schemas.
  const openapi = openApiDocument(app, API_VERSION);
  app.get('/api/openapi.json', documented({ summary: 'This document: the OpenAPI 3.1 description of the REST API' }), async (c) => c.json(await openapi()));
  // The dashboard bundle; it only answers / and the bundle's own files.
  app.route('/', staticRoutes());
  return app;
}

export type { AppDeps };
