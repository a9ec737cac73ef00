/**
 * The services the routes use, for an app built without them. `startServer`
 * (main.ts) wires the real ones and passes them in AppDeps; a bare test app
 * gets these instead. They are made here and nowhere else: no route builds a
 * service of its own.
 */
import { DiscoveryService } from '../topology/discovery/service.ts';
import { settingsFromConfig, TailscaleService } from '../topology/tailscale/service.ts';
import { resolveApiCredentials, resolveHeadscaleKey } from '../topology/tailscale/source.ts';
import { type AppDeps, ctxOf } from './deps.ts';
import { createPreviewHub } from './preview.ts';
import { EventRing } from './sse.ts';

/** What buildApp hands its routes. */
export interface AppServices {
  eventRing: EventRing;
  discovery: DiscoveryService;
  previewHub: ReturnType<typeof createPreviewHub>;
  /** The Tailscale service; made on first use when not wired (it subscribes rules to the bus, so not before). */
  tailscale: () => TailscaleService;
}

/** The wired services, or stand-ins: a ring on the app's bus, a non-browsing discovery (scans and probes still work), a preview hub from the config, a Tailscale service that never syncs by itself. */
export function appServices(deps: AppDeps): AppServices {
  let tailscale = deps.tailscale;
  return {
    eventRing: deps.eventRing ?? new EventRing(deps.bus),
    discovery: deps.discovery ?? new DiscoveryService({ bonjour: false, mdnsInterface: deps.config.mdnsInterface, scope: deps.config.probeCidrs, clock: deps.clock }),
    previewHub: deps.previewHub ?? createPreviewHub(deps),
    tailscale: () =>
      (tailscale ??= new TailscaleService({
        ctx: () => ctxOf(deps),
        settings: { ...settingsFromConfig(deps.config), sync: 'off' },
        credentials: resolveApiCredentials(),
        headscaleKey: resolveHeadscaleKey(),
        clock: deps.clock,
      })),
  };
}
