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
import { settingsRoutes } from './routes/settings.ts';
import { checkRoutes } from './routes/check.ts';
import { deviceRoutes } from './routes/devices.ts';
import { discoveryRoutes } from './routes/discovery.ts';
import { healthRoutes } from './routes/health.ts';
import { inventoryRoutes } from './routes/inventory.ts';
import { linkRoutes } from './routes/links.ts';
import { tailscaleRoutes } from './routes/tailscale.ts';
import { viewerIdentity } from './viewer.ts';
import { reachRoutes } from './reach.ts';
import { staticRoutes } from './static.ts';
import { alertRoutes } from './routes/alerts.ts';
import { eventRoutes } from './routes/events.ts';
import { healthStateRoutes } from './routes/health-state.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { notifierRoutes } from './routes/notifiers.ts';
import { startAuditRecorder } from '../topology/access/audit.ts';
import { authenticate, createAccess } from './auth.ts';
import { relayRoutes } from './relay.ts';
import { createPreviewHub, previewRoutes } from './preview.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { commandRoutes } from './routes/commands.ts';
import { takeRoutes } from './routes/takes.ts';
import { tokenRoutes, userRoutes } from './routes/users.ts';
import { securityHeaders } from './security-headers.ts';
import { EventRing } from './sse.ts';
import { DiscoveryService } from '../topology/discovery/service.ts';

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
  // Services main.ts wires; a bare test app gets its own here (never inside a route): a ring on its bus,
  // a non-browsing discovery (scans and probes still work), a preview hub from its config.
  const eventRing = deps.eventRing ?? new EventRing(deps.bus);
  const discovery = deps.discovery ?? new DiscoveryService({ bonjour: false, mdnsInterface: deps.config.mdnsInterface, scope: deps.config.probeCidrs });
  const previewHub = deps.previewHub ?? createPreviewHub(deps);
  startAuditRecorder({ db: deps.db, bus: deps.bus, onError: (err) => deps.logger?.warn({ error: (err as Error).message }, 'audit write failed') });
  app.use('*', securityHeaders);
  app.use('*', authenticate(deps, access));
  app.route('/api/auth', authRoutes(deps, access));
  app.route('/api/users', userRoutes(deps));
  app.route('/api/tokens', tokenRoutes(deps));
  app.route('/api/audit', auditRoutes(deps));
  app.route('/api/commands', commandRoutes(deps));
  app.route('/', relayRoutes(deps));
  app.route('/', previewRoutes(deps, previewHub));
  app.route('/', healthRoutes(deps));
  app.route('/api/devices', deviceRoutes(deps));
  app.route('/api/devices', healthStateRoutes(deps));
  app.route('/api/events', eventRoutes(deps, eventRing));
  app.route('/api/alerts', alertRoutes(deps));
  app.route('/api/notifiers', notifierRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/api/links', linkRoutes(deps));
  app.route('/api', tailscaleRoutes(deps));
  app.route('/api', inventoryRoutes(deps));
  app.route('/api', discoveryRoutes(deps, discovery));
  app.route('/api', reachRoutes(deps));
  app.route('/api', checkRoutes(deps));
  app.route('/api', settingsRoutes(deps));
  app.route('/api/takes', takeRoutes(deps));
  // The dashboard bundle; it only answers / and the bundle's own files.
  app.route('/', staticRoutes());
  return app;
}

export type { AppDeps };
