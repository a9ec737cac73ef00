import type { Context } from 'hono';
import type { Logger } from 'pino';
import type { Ctx } from '../topology/context.ts';
import type { EventBus } from '../topology/events.ts';
import type { DeviceHealth } from '../topology/health-types.ts';
import type { Db } from '../topology/store/db.ts';
import type { TailscaleService } from '../topology/tailscale/service.ts';
import type { HealthService } from '../topology/health-service.ts';
import type { DiscoveryService } from '../topology/discovery/service.ts';
import type { Config } from './config.ts';
import type { EventRing } from './sse.ts';
import type { PreviewHub } from '../topology/preview/hub.ts';

/** What buildApp needs; main.ts wires the real ones, tests their own. */
export interface AppDeps {
  /** Discovery (Bonjour browser, scans, mDNS prober); routes make a non-browsing one when absent. */
  discovery?: DiscoveryService;
  db: Db;
  bus: EventBus;
  config: Config;
  logger?: Logger;
  /** The Tailscale integration (sync, path quality, whois); absent when not wired. */
  tailscale?: TailscaleService;
  /** Live health per device (the probe engine); without it exports show state "unknown". */
  health?: { device(id: string): DeviceHealth | undefined };
  /** Probe engine, alerts, history and metrics (src/topology/health-service.ts); absent when not wired. */
  healthService?: HealthService;
  /** The ring of recent bus events behind `GET /api/events`; routes make their own when absent. */
  eventRing?: EventRing;
  /** The live preview relay (one node connection per device); routes make their own when absent. */
  previewHub?: PreviewHub;
}

/**
 * The domain context of one request. The actor is whoever the request is from:
 * identity middleware sets `c.set('actor', login)`; without it, `fallback`.
 */
export function ctxOf(deps: AppDeps, c?: Context, fallback = 'api'): Ctx {
  const actor = (c?.get('actor' as never) as string | undefined) ?? fallback;
  return { db: deps.db, bus: deps.bus, actor };
}
