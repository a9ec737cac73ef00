import type { Context } from 'hono';
import type { AppEnv } from './app-env.ts';
import type { Logger } from 'pino';
import type { Ctx } from '../topology/context.ts';
import type { EventBus } from '../topology/events.ts';
import type { DeviceHealth } from '../topology/health-types.ts';
import type { Db } from '../topology/store/db.ts';
import type { TailscaleService } from '../topology/tailscale/service.ts';
import type { HealthService } from '../topology/health-service.ts';
import type { DiscoveryService } from '../topology/discovery/service.ts';
import type { RelayLimits } from '../topology/relay/relay.ts';
import type { Config } from './config.ts';
import type { EventRing } from './sse.ts';
import type { PreviewHub } from '../topology/preview/hub.ts';
import type { Clock } from '../topology/clock.ts';

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
  /**
   * Live health: probe engine, alerts, history and metrics (src/topology/health-service.ts);
   * the one source of device health for every route (read it with `deviceHealthOf`).
   * Absent when probing is off: devices are then "unknown".
   */
  healthService?: HealthService;
  /** Relay limits other than the defaults (RELAY_LIMITS); tests shrink them. */
  relayLimits?: Partial<RelayLimits>;
  /** The ring of recent bus events behind `GET /api/events`; routes make their own when absent. */
  eventRing?: EventRing;
  /** The live preview relay (one node connection per device); routes make their own when absent. */
  previewHub?: PreviewHub;
  /** The clock of time-dependent rules the app builds itself (phone preview linger); systemClock when absent. */
  clock?: Clock;
}

/**
 * The domain context of one request. The actor is whoever the request is from:
 * identity middleware sets `c.set('actor', login)`; without it, `fallback`.
 */
export function ctxOf(deps: AppDeps, c?: Context<AppEnv>, fallback = 'api'): Ctx {
  const actor = c?.get('actor') ?? fallback;
  return { db: deps.db, bus: deps.bus, actor };
}

/** Live health of one device from the probe engine, or undefined when probing is off (then every device is "unknown"). */
export function deviceHealthOf(deps: AppDeps): ((id: string) => DeviceHealth | undefined) | undefined {
  const engine = deps.healthService?.engine;
  return engine ? (id) => engine.getDeviceHealth(id) : undefined;
}
