/**
 * The Tailscale side of a running server: its clients (built once, so an OAuth
 * token is cached across syncs), the periodic sync, the path-quality snapshot
 * and the whois cache. Created in main.ts; nothing here starts on import.
 */
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import type { Role } from '../model.ts';
import { type ApiCredentials, TailscaleApiClient } from './api-client.ts';
import { HeadscaleClient } from './headscale.ts';
import { readLastTailnetImport, type TailnetImportReport } from './import.ts';
import { TailscaleLocalClient } from './local-client.ts';
import { DEFAULT_ROLE_MAP, parseRoleMap } from './mapping.ts';
import { PathQualitySnapshot, type TailscalePath } from './path-quality.ts';
import { importFromSource, type TailnetSource } from './source.ts';
import { SyncScheduler, type SyncStatus } from './sync.ts';
import { WhoisCache } from './whois.ts';
import { systemClock, type Clock } from '../clock.ts';
import type { AlertWriter } from '../alerts/alert-writer.ts';
import { TailnetRelayedAlerts } from '../alerts/tailnet-relayed.ts';
import type { TailnetPathHealth, TailnetPing } from '../health-types.ts';
import { TailnetHealth } from './tailnet-health.ts';
import { pingFromResult, pingRound, pingTargets } from './tailnet-ping.ts';
import { PhoneAliveChecks } from './phone-alive.ts';

/** The configured socket: '' or 'auto' mean the platform's default (on macOS, the app's TCP Local API, found by itself). */
export const socketOf = (socket: string): string | undefined => (socket && socket !== 'auto' ? socket : undefined);

/** How often path quality is re-read from the Local API: twice per relayed limit, at most every 30 s, at least every 1 s. */
const pathRefreshMs = (relayedSec: number) => Math.max(1000, Math.min(30_000, (relayedSec * 1000) / 2));

/**
 * The Tailscale path to a device from the latest Local API snapshot, for the
 * topology/health layer: null when Tailscale is not wired or the device is not a peer.
 */
export function getTailscalePathQuality({ tailscale, deviceId }: { tailscale: TailscaleService | undefined; deviceId: string }): TailscalePath | null {
  return tailscale?.getPathQuality(deviceId) ?? null;
}

/** Settings of the Tailscale integration (from Config, flags and env). */
export interface TailscaleSettings {
  /** Periodic sync source: off, api, headscale, local, or auto (api when credentials are set, else off). */
  sync: 'auto' | 'off' | 'api' | 'headscale' | 'local';
  apiBase: string;
  tailnet: string;
  /** tailscaled's socket; empty: the platform default, and the Local API only when asked for. */
  socket: string;
  syncIntervalSec: number;
  roleMap: Readonly<Record<string, Role>>;
  /** Headscale server URL ('' : none) and its dns.base_domain for MagicDNS names. */
  headscaleApiBase?: string;
  headscaleBaseDomain?: string;
  /** Seconds a path may stay relayed before `tailnet_relayed` (default 30). */
  relayedSec?: number;
  /** Seconds between tailscaled pings of each device (0: off; default 60). */
  pingSec?: number;
}

/** The server configuration fields the integration reads (structurally: topology never imports the server). */
export interface TailscaleConfigFields {
  tailscaleSync: TailscaleSettings['sync'];
  tailscaleApiBase: string;
  tailscaleTailnet: string;
  tailscaleSocket: string;
  tailscaleSyncInterval: number;
  tailscaleRoleMap: string;
  headscaleApiBase?: string;
  headscaleBaseDomain?: string;
  tailnetRelayedSec?: number;
  tailnetPingSec?: number;
}

/** Settings from the server configuration; a bad role map fails here, at start-up. */
export function settingsFromConfig(config: TailscaleConfigFields): TailscaleSettings {
  return {
    sync: config.tailscaleSync,
    apiBase: config.tailscaleApiBase,
    tailnet: config.tailscaleTailnet,
    socket: config.tailscaleSocket,
    syncIntervalSec: config.tailscaleSyncInterval,
    roleMap: parseRoleMap(config.tailscaleRoleMap),
    headscaleApiBase: config.headscaleApiBase ?? '',
    headscaleBaseDomain: config.headscaleBaseDomain ?? '',
    relayedSec: config.tailnetRelayedSec ?? 30,
    pingSec: config.tailnetPingSec ?? 60,
  };
}

/** What a POST /api/tailscale/import asks for. */
export interface ImportRequest {
  source: 'api' | 'headscale' | 'local' | 'status-file';
  dryRun?: boolean;
  tailnet?: string;
  /** For source status-file: the decoded `tailscale status --json`. */
  status?: unknown;
  /** Overrides of the server's credentials for one import; never stored or returned. */
  credentials?: ApiCredentials;
}

/** The Tailscale part of a running rigmap. */
export class TailscaleService {
  readonly paths = new PathQualitySnapshot();
  /** Each device's tailnet path over time and its last tailscaled ping. */
  readonly tailnet: TailnetHealth;
  private readonly relayedAlerts: TailnetRelayedAlerts;
  /** Pings each tailnet device through tailscaled on a slow cadence (Local API only). */
  private readonly pingLoop: SyncScheduler | null;
  readonly api: TailscaleApiClient | null;
  readonly headscale: HeadscaleClient | null;
  readonly local: TailscaleLocalClient | null;
  readonly whois: WhoisCache | null;
  readonly sync: SyncScheduler | null;
  readonly syncSource: 'api' | 'headscale' | 'local' | null;
  /** Refreshes path quality from the Local API between syncs (paths change faster than the device list). */
  private readonly pathLoop: SyncScheduler | null;
  private alive: PhoneAliveChecks | null = null;

  constructor(
    private readonly opts: {
      ctx: () => Ctx;
      settings: TailscaleSettings;
      credentials: ApiCredentials | null;
      /** The Headscale API key (RIGMAP_HEADSCALE_API_KEY); never stored or returned. */
      headscaleKey?: string | null;
      fetch?: typeof fetch;
      onSyncError?: (err: unknown) => void;
      /** The server's alert service (the relayed rule raises through it); absent: one on the context. */
      alertService?: () => AlertWriter | undefined;
      /** The clock of the syncs' cadence, the relayed rule, ping times and caches (tests move it). */
      clock?: Clock;
    },
  ) {
    const s = opts.settings;
    this.tailnet = new TailnetHealth({ bus: () => opts.ctx().bus, clock: opts.clock });
    this.relayedAlerts = new TailnetRelayedAlerts({ ctx: opts.ctx, relayedSec: s.relayedSec ?? 30, writer: opts.alertService, clock: opts.clock });
    this.api = opts.credentials ? new TailscaleApiClient({ apiBase: s.apiBase, tailnet: s.tailnet, credentials: opts.credentials, fetch: opts.fetch, clock: opts.clock }) : null;
    this.headscale = s.headscaleApiBase && opts.headscaleKey
      ? new HeadscaleClient({ apiBase: s.headscaleApiBase, apiKey: opts.headscaleKey, baseDomain: s.headscaleBaseDomain, fetch: opts.fetch })
      : null;
    // The Local API is used only when configured: a socket given, or the local sync chosen.
    const wantLocal = s.socket !== '' || s.sync === 'local';
    this.local = wantLocal ? new TailscaleLocalClient({ socketPath: socketOf(s.socket) }) : null;
    this.whois = this.local ? new WhoisCache(this.local, { clock: opts.clock }) : null;
    this.syncSource = s.sync === 'off' ? null : s.sync === 'auto' ? (this.api ? 'api' : null) : s.sync;
    if (this.syncSource === 'api' && !this.api) {
      throw new RigmapError('validation_failed', 'the Tailscale sync source is "api" but no credentials are set: set RIGMAP_TAILSCALE_API_KEY, or RIGMAP_TAILSCALE_OAUTH_CLIENT_ID and RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET');
    }
    if (this.syncSource === 'headscale' && !this.headscale) {
      throw new RigmapError('validation_failed', 'the Tailscale sync source is "headscale" but Headscale is not configured: set RIGMAP_HEADSCALE_API_BASE (--headscale-api-base URL) and RIGMAP_HEADSCALE_API_KEY');
    }
    this.sync = this.syncSource
      ? new SyncScheduler({
          source: this.syncSource,
          intervalMs: s.syncIntervalSec * 1000,
          job: () => this.syncOnce(),
          onError: opts.onSyncError,
          clock: opts.clock,
        })
      : null;
    // Paths change faster than the device list (and the relayed rule needs fresh ones), so they have their own loop.
    this.pathLoop = this.local
      ? new SyncScheduler({ source: 'local-paths', intervalMs: pathRefreshMs(s.relayedSec ?? 30), job: () => this.refreshPaths(), clock: opts.clock })
      : null;
    const pingSec = s.pingSec ?? 60;
    this.pingLoop = this.local && pingSec > 0
      ? new SyncScheduler({ source: 'tailnet-ping', intervalMs: pingSec * 1000, job: async () => void (await this.pingOnce()), clock: opts.clock })
      : null;
  }

  /** Start the periodic sync and path refresh (if configured). */
  start(): void {
    // A camera that stops answering gets one tailscaled ping at once: is the phone itself alive? (Local API only.)
    if (this.local && !this.alive) this.alive = new PhoneAliveChecks({ bus: this.opts.ctx().bus, pinger: this, clock: this.opts.clock }).start();
    this.relayedAlerts.start();
    this.sync?.start();
    this.pathLoop?.start();
    this.pingLoop?.start();
  }

  /** Stop the periodic sync and path refresh, waiting for a run in progress. */
  async stop(): Promise<void> {
    this.alive?.stop();
    this.alive = null;
    this.relayedAlerts.stop();
    await Promise.all([this.sync?.stop(), this.pathLoop?.stop(), this.pingLoop?.stop()]);
  }

  private async syncOnce(): Promise<void> {
    const ctx = { ...this.opts.ctx(), actor: 'tailscale-sync' };
    const source: TailnetSource = this.syncSource === 'local'
      ? { kind: 'local', client: this.local! }
      : this.syncSource === 'headscale' ? { kind: 'headscale', client: this.headscale! } : { kind: 'api', client: this.api! };
    await importFromSource({ ctx, source, roleMap: this.opts.settings.roleMap, paths: this.paths });
    if (this.syncSource === 'local') this.afterPaths();
    // With a control server as the source, the Local API (when configured) still gives path quality.
    if (this.syncSource !== 'local' && this.local) await this.refreshPaths().catch(() => undefined);
  }

  /** Refresh the path-quality snapshot from the Local API. */
  async refreshPaths(): Promise<void> {
    if (!this.local) {
      throw new RigmapError('not_found', 'path quality needs the Local API: set RIGMAP_TAILSCALE_SOCKET (or --tailscale-socket) to tailscaled\'s socket');
    }
    this.paths.update({ db: this.opts.ctx().db, status: await this.local.status() });
    this.afterPaths();
  }

  /** A fresh path snapshot: track relayed time, then publish every path (the tailnet_relayed rule subscribes). */
  private afterPaths(): void {
    this.tailnet.observePaths(this.paths.all());
    this.opts.ctx().bus.emit('tailnet.paths', { paths: this.tailnet.all() });
  }

  /** One round of tailscaled pings of every device that is a peer (paths first, if never read). */
  async pingOnce(): Promise<number> {
    if (!this.local) return 0;
    if (!this.paths.updatedAt) await this.refreshPaths();
    return pingRound({
      db: this.opts.ctx().db,
      local: this.local,
      record: (deviceId, ping) => this.tailnet.recordPing(deviceId, ping),
      clock: this.opts.clock,
      only: (deviceId) => this.tailnet.get(deviceId) !== null,
    });
  }

  /** One tailscaled ping of a device now (a camera that stopped answering), recorded with what it says; null without the Local API, a tailnet address or a path. */
  async pingDevice(deviceId: string, evidence: (ping: TailnetPing) => string): Promise<TailnetPing | null> {
    if (!this.local) return null;
    if (!this.paths.updatedAt) await this.refreshPaths();
    const target = pingTargets(this.opts.ctx().db).find((t) => t.deviceId === deviceId);
    if (!target || this.tailnet.get(deviceId) === null) return null;
    const at = () => new Date((this.opts.clock ?? systemClock).now()).toISOString();
    let ping: TailnetPing;
    try {
      ping = pingFromResult(await this.local.ping(target.ip, 'disco'), at());
    } catch (err) {
      ping = { rttMs: null, via: null, endpoint: null, at: at(), error: (err as Error).message.slice(0, 200) };
    }
    ping = { ...ping, evidence: evidence(ping) };
    this.tailnet.recordPing(deviceId, ping);
    return ping;
  }

  /** Drop the evidence sentence of a device's last ping (it answers again). */
  clearEvidence(deviceId: string): void {
    const ping = this.tailnet.get(deviceId)?.ping;
    if (ping?.evidence === undefined) return;
    const { evidence: _gone, ...rest } = ping;
    this.tailnet.recordPing(deviceId, rest);
  }

  /** A device's tailnet path, relayed time and last ping (null when tailscaled says nothing about it). */
  getTailnetHealth(deviceId: string): TailnetPathHealth | null {
    return this.tailnet.get(deviceId);
  }

  /** The Tailscale path to one device, from the last snapshot (null when unknown). */
  getPathQuality(deviceId: string): TailscalePath | null {
    return this.paths.get(deviceId);
  }

  /** One import on request (REST, dashboard button). */
  async importNow({ ctx, req }: { ctx: Ctx; req: ImportRequest }): Promise<TailnetImportReport> {
    const s = this.opts.settings;
    let source: TailnetSource;
    if (req.source === 'api') {
      const tailnet = req.tailnet || s.tailnet;
      let client = this.api;
      if (req.credentials || !client || tailnet !== client.tailnet) {
        const credentials = req.credentials ?? this.opts.credentials;
        if (!credentials) {
          throw new RigmapError('validation_failed', 'no Tailscale API credentials on the server: set RIGMAP_TAILSCALE_API_KEY (or the OAuth client variables) and restart, or send apiKey in the request');
        }
        client = new TailscaleApiClient({ apiBase: s.apiBase, tailnet, credentials, fetch: this.opts.fetch });
      }
      source = { kind: 'api', client };
    } else if (req.source === 'headscale') {
      if (!this.headscale) {
        throw new RigmapError('validation_failed', 'Headscale is not configured on the server: set RIGMAP_HEADSCALE_API_BASE (--headscale-api-base URL) and RIGMAP_HEADSCALE_API_KEY, and restart');
      }
      source = { kind: 'headscale', client: this.headscale };
    } else if (req.source === 'local') {
      source = { kind: 'local', client: this.local ?? new TailscaleLocalClient({ socketPath: socketOf(s.socket) }) };
    } else {
      if (req.status === undefined) throw new RigmapError('validation_failed', 'source "status-file" needs "status": the JSON of `tailscale status --json`');
      source = { kind: 'status-file', json: req.status, name: 'the uploaded status' };
    }
    const report = await importFromSource({ ctx, source, dryRun: req.dryRun, roleMap: s.roleMap, paths: this.paths });
    if (this.paths.updatedAt && !req.dryRun && (req.source === 'local' || req.source === 'status-file')) this.afterPaths();
    return report;
  }

  /** Sync state, last import and snapshot age, for /healthz and `GET /api/tailscale/status`. */
  status(): {
    sync: SyncStatus | { enabled: false; source: null };
    lastImport: ReturnType<typeof readLastTailnetImport>;
    api: { configured: boolean; apiBase: string; tailnet: string; auth: 'api-key' | 'oauth' | null };
    headscale: { configured: boolean; apiBase: string | null; baseDomain: string | null };
    localApi: { configured: boolean; socket: string | null };
    paths: { updatedAt: string | null; count: number };
  } {
    const s = this.opts.settings;
    return {
      sync: this.sync?.status() ?? { enabled: false, source: null },
      lastImport: readLastTailnetImport(this.opts.ctx().db),
      api: { configured: this.api !== null, apiBase: s.apiBase, tailnet: s.tailnet, auth: this.api?.authKind ?? null },
      headscale: { configured: this.headscale !== null, apiBase: this.headscale?.apiBase ?? null, baseDomain: this.headscale?.baseDomain ?? null },
      localApi: { configured: this.local !== null, socket: this.local?.socketPath ?? null },
      paths: { updatedAt: this.paths.updatedAt, count: this.paths.all().length },
    };
  }
}

export { DEFAULT_ROLE_MAP };
