/**
 * The one place where rigmap is wired: database, event bus, HTTP server (and,
 * as they land, the probe engine, alerting, discovery). Stopped in reverse order.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import pino, { type Logger } from 'pino';
import { startAuditFeed } from '../topology/access/audit-feed.ts';
import { DiscoveryService } from '../topology/discovery/service.ts';
import { systemClock, type Clock } from '../topology/clock.ts';
import { EventBus } from '../topology/events.ts';
import { openDb } from '../topology/store/db.ts';
import { settingsFromConfig, TailscaleService } from '../topology/tailscale/service.ts';
import { resolveApiCredentials, resolveHeadscaleKey } from '../topology/tailscale/source.ts';
import { startHealth, type HealthService } from '../topology/health-service.ts';
import { FormatMismatchRule } from '../topology/alerts/format-mismatch.ts';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { healthOptionsFromConfig } from './health-options.ts';
import { EventRing } from './sse.ts';
import { createPreviewHub, phonePreviewsOf } from './preview.ts';
import { checkFfmpeg } from '../topology/preview/phone/ffmpeg-check.ts';
import type { PhonePreviews } from '../topology/preview/phone/previews.ts';

/** A running rigmap server. */
export interface RunningServer {
  url: string;
  port: number;
  logger: Logger;
  /** Phone previews (tests and benchmarks read their sessions). */
  phonePreviews?: PhonePreviews;
  close(): Promise<void>;
}

/** Create the logger every part of the server writes to. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  // Synchronous stdout: pino's default async destination flushes at process.exit,
  // and when stdout is a broken pipe (whoever read it has gone) that flush retries
  // EPIPE forever (sonic-boom 4), so `serve` hung after SIGTERM. Synchronous
  // writes meet EPIPE at once and pino then stops logging. Logging is rare
  // (transitions go to SQLite and the bus, not the log), so the cost is nil.
  return pino({ level: config.logLevel, base: undefined }, pino.destination({ dest: 1, sync: true }));
}

/** Open the database, build the app and listen. Resolves once the port is bound. */
export async function startServer(config: Config, opts: { logger?: Logger; clock?: Clock } = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config);
  // The one clock: injected here into everything whose behaviour depends on time (tests pass a FakeClock).
  const clock = opts.clock ?? systemClock;
  const store = openDb(config.db);
  const bus = new EventBus();
  bus.onListenerError = (err, event) => logger.error({ err, event: event.type }, 'event listener failed');
  let healthService: HealthService | undefined;
  // Tailscale: clients, periodic sync (when configured), path quality, whois. Started once listening.
  const tailscale = new TailscaleService({
    ctx: () => ({ db: store.db, bus }),
    settings: settingsFromConfig(config),
    credentials: resolveApiCredentials(),
    headscaleKey: resolveHeadscaleKey(),
    onSyncError: (err) => logger.warn({ error: (err as Error).message }, 'tailscale sync failed'),
    alertService: () => healthService?.alertService,
    clock,
  });
  // Live health: the event ring first (so browsers miss nothing), then engine, history, alerts.
  const eventRing = new EventRing(bus);
  // Changes the CLI makes in the same database reach this bus (and browsers) through the audit trail.
  const stopAuditFeed = startAuditFeed({ db: store.db, bus, clock, onError: (err) => logger.warn({ error: (err as Error).message }, 'reading the CLI\'s changes failed') });
  // Links back to the dashboard (notices): --public-url, else the address we end up listening on.
  let listenUrl = `http://${config.host}:${config.port}`;
  const publicUrl = () => config.publicUrl || listenUrl;
  // Where we listen (the port we end up with too): notices never go to rigmap itself.
  let listenPort = config.port;
  const self = () => ({ host: config.host, ports: [...new Set([config.port, listenPort])].filter((p) => p > 0) });
  if (config.probes === 'on') {
    healthService = startHealth({
      ctx: { db: store.db, bus, actor: 'probe' },
      options: { ...healthOptionsFromConfig(config), publicUrl, self, clock },
      onError: (err, what) => logger.warn({ error: (err as Error).message, what }, 'health monitoring problem'),
    });
    logger.info({ scope: config.probeCidrs || 'everything', intervalMs: config.probeIntervalMs }, 'probing started');
  }
  // One look: a camera switched to another format mid-shoot raises one format_mismatch per group.
  const started = healthService;
  const formatRule = started ? new FormatMismatchRule({ ctx: { db: store.db, bus, actor: 'probe' }, health: (id) => started.engine.getDeviceHealth(id), clock, by: config.conformBy }) : null;
  formatRule?.start();
  // Discovery: Bonjour browsing on by default (--no-bonjour), scans and .local probes on demand.
  const discovery = new DiscoveryService({
    bonjour: config.bonjour, mdnsInterface: config.mdnsInterface, scope: config.probeCidrs, logger: logger.child({ part: 'discovery' }), clock,
  }).start({ ctx: { db: store.db, bus, actor: 'discovery' } });
  if (config.bonjour) logger.info({ mdnsInterface: discovery.iface ?? 'default' }, 'bonjour browsing started');
  // The one clock for the phone linger (deps) and the relay's own timers (tuning).
  const previewHub = createPreviewHub({ db: store.db, bus, config, healthService, logger, clock }, { clock });
  if (config.phonePreview === 'on-request') {
    // Said at start-up, not at the first viewer: the crew fixes it before the shoot.
    void checkFfmpeg(config.ffmpeg).then((r) => (r.ok ? logger.info({ ffmpeg: r.bin, version: r.version }, 'phone previews ready (ffmpeg with SRT)') : logger.warn({ ffmpeg: r.bin }, `phone previews unavailable: ${r.problem}`)));
  }
  const app = buildApp({
    db: store.db, bus, config, logger, tailscale, healthService, eventRing, discovery, previewHub, clock,
  });

  let server: ServerType;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info: AddressInfo) => resolve(info.port));
    server.once('error', (err: NodeJS.ErrnoException) => {
      stopAuditFeed();
      void discovery.stop();
      void healthService?.stop().finally(() => store.close());
      if (!healthService) store.close();
      const why = err.code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use (another rigmap? try --port)` : err.message;
      reject(new Error(`cannot listen on ${config.host}:${config.port}: ${why}`));
    });
  });
  const shownHost = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${shownHost}:${port}`;
  listenUrl = url;
  listenPort = port;
  logger.info({ url, db: store.path }, 'rigmap listening');
  tailscale.start();

  return {
    url,
    port,
    logger,
    phonePreviews: phonePreviewsOf(previewHub),
    close: async () => {
      // Reverse order of start: stop taking requests, then close the database.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // SSE streams never end by themselves; cut them so close() returns.
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      previewHub.closeAll();
      // Every phone told to stream is stopped and given back its destination; no ffmpeg is left.
      await phonePreviewsOf(previewHub)?.closeAll();
      await discovery.stop();
      await tailscale.stop();
      stopAuditFeed();
      eventRing.close();
      formatRule?.stop();
      await healthService?.stop();
      store.close();
      logger.info('rigmap stopped');
    },
  };
}
