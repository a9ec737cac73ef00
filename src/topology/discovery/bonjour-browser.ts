/**
 * Bonjour browser: watches `_rigcam._tcp`, fetches `/api/v1/info` of each node
 * as it appears, puts it in the inbox, and notes when a node stops advertising
 * (a goodbye packet, or no answer at a periodic re-check).
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { Bonjour, type Service } from 'bonjour-service';
import ipaddr from 'ipaddr.js';
import type { Ctx } from '../context.ts';
import { fetchNodeInfo, safeApiPath } from './fingerprint.ts';
import { markDiscoveryGone, recordDiscovery } from './inbox.ts';
import { mdnsSocketOptions, resolveMdnsHostnames } from './mdns-prober.ts';
import { fetchPhoneProduct, isPhoneTxt, PHONE_API_PATH, PHONE_SERVICE, phoneInfoFromTxt } from './phone.ts';
import type { Discovered, NodeInfo } from './types.ts';

/** The contract's Bonjour service type (`_rigcam._tcp`). */
export const RIGCAM_SERVICE = { type: 'rigcam', protocol: 'tcp' as const };

/** Anything with pino's error/debug methods. */
interface Log {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

/** Options of the browser. */
export interface BonjourBrowserOptions {
  ctx: Ctx;
  /** mDNS interface (tests pin 127.0.0.1); null: the machine's default. */
  iface?: string | null;
  /** Addresses outside it are never contacted (the probe scope). */
  inScope?: (ip: string) => boolean;
  /** How often advertised nodes are re-checked and the network re-queried (default 30 s). */
  recheckMs?: number;
  logger?: Log;
  /** The re-check cadence runs on it (default the system clock). */
  clock?: Clock;
}

interface Tracked {
  nodeId: string | null;
  ip: string | null;
  port: number;
  apiPath: string;
  service: Service;
  gone: boolean;
  /** A Blackmagic Camera phone: re-checked by Bonjour alone (its HTTPS is not the contract's /info). */
  phone?: boolean;
}

const txtString = (txt: unknown, key: string): string | null => {
  const v = (txt as Record<string, unknown> | undefined)?.[key];
  return typeof v === 'string' && v !== '' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null;
};

/** A running Bonjour browser; `stop()` ends it and waits for pending fetches. */
export class BonjourBrowser {
  private bonjour: Bonjour | null = null;
  private browser: ReturnType<Bonjour['find']> | null = null;
  /** `_http._tcp`, of which only TXT capabilities=cameraControl (Blackmagic Camera phones) is kept. */
  private phoneBrowser: ReturnType<Bonjour['find']> | null = null;
  private timer: TimerHandle | null = null;
  private readonly tracked = new Map<string, Tracked>();
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(private readonly opts: BonjourBrowserOptions) {}

  private get clock(): Clock {
    return this.opts.clock ?? systemClock;
  }

  /** Start browsing; nodes already advertising answer the first query. */
  start(): this {
    const log = this.opts.logger;
    this.bonjour = new Bonjour(mdnsSocketOptions(this.opts.iface) as ConstructorParameters<typeof Bonjour>[0], (err: unknown) =>
      log?.warn({ err }, 'bonjour: could not answer an mDNS query'),
    );
    // multicast-dns throws an unhandled 'error' (port 5353 refused…) unless someone listens.
    (this.bonjour as unknown as { server: { mdns: NodeJS.EventEmitter } }).server.mdns.on('error', (err: unknown) =>
      log?.warn({ err }, 'bonjour: mDNS socket error; browsing may miss nodes'),
    );
    this.browser = this.bonjour.find(RIGCAM_SERVICE);
    this.browser.on('up', (s) => this.track(this.handleUp(s)));
    this.browser.on('srv-update', (s) => this.track(this.handleUp(s)));
    this.browser.on('txt-update', (s) => this.track(this.handleUp(s)));
    this.browser.on('down', (s) => this.handleDown(s));
    this.phoneBrowser = this.bonjour.find(PHONE_SERVICE);
    for (const ev of ['up', 'srv-update', 'txt-update'] as const) this.phoneBrowser.on(ev, (s: Service) => { if (isPhoneTxt(s.txt)) this.track(this.handlePhoneUp(s)); });
    this.phoneBrowser.on('down', (s: Service) => { if (isPhoneTxt(s.txt)) this.handleDown(s); });
    // Unref'd (the clock's timers are), as it always was: browsing never holds the process open.
    this.timer = this.clock.setInterval(() => this.track(this.recheck()), this.opts.recheckMs ?? 30_000);
    return this;
  }

  /** Ask the network again (new nodes answer at once; the dashboard's "refresh"). */
  refresh(): void {
    this.browser?.update();
    this.phoneBrowser?.update();
  }

  /** Stop browsing and wait for fetches in flight, so nothing writes after stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearInterval(this.timer);
    this.browser?.stop();
    this.phoneBrowser?.stop();
    await Promise.allSettled([...this.pending]);
    await new Promise<void>((resolve) => (this.bonjour ? this.bonjour.destroy(() => resolve()) : resolve()));
    this.bonjour = null;
  }

  private track(p: Promise<unknown>): void {
    const guarded = p.catch((err: unknown) => this.opts.logger?.warn({ err }, 'bonjour: handling a node failed'));
    this.pending.add(guarded);
    void guarded.finally(() => this.pending.delete(guarded));
  }

  private inScope(ip: string): boolean {
    return !this.opts.inScope || this.opts.inScope(ip);
  }

  /** Addresses to try, best first: A records, a literal SRV target, the host resolved by mDNS, the sender. */
  private async candidates(s: Service): Promise<string[]> {
    const out: string[] = [];
    const add = (ip: string | undefined | null) => {
      if (ip && ipaddr.IPv4.isValidFourPartDecimal(ip) && !out.includes(ip) && this.inScope(ip)) out.push(ip);
    };
    for (const ip of s.addresses ?? []) add(ip);
    add(s.host);
    if (out.length === 0 && s.host?.endsWith('.local')) {
      const resolved = await resolveMdnsHostnames({ hosts: [s.host], iface: this.opts.iface, timeoutMs: 1500 });
      for (const ip of resolved.get(s.host.toLowerCase()) ?? []) add(ip);
    }
    add(s.referer?.address);
    return out;
  }

  private async handleUp(s: Service): Promise<Discovered | null> {
    if (this.stopped) return null;
    const advertisedId = txtString(s.txt, 'id');
    // The TXT path is the advertiser's word: only a plain path is used, else the contract's.
    const apiPath = safeApiPath(txtString(s.txt, 'path'));
    let found: { ip: string; info: NodeInfo } | null = null;
    const ips = await this.candidates(s);
    for (const ip of ips) {
      const info = await fetchNodeInfo({ ip, port: s.port, apiPath });
      // An answer from another node (a stale A record) is not this one.
      if (info && (!advertisedId || info.id === advertisedId)) {
        found = { ip, info };
        break;
      }
    }
    if (this.stopped) return null;
    const ip = found?.ip ?? ips[0] ?? null;
    const item = recordDiscovery({
      ctx: this.opts.ctx,
      finding: {
        source: 'bonjour',
        ip,
        hostname: s.host?.endsWith('.local') ? s.host : null,
        port: s.port,
        apiPath,
        info: found?.info ?? null,
        advertisedId,
        advertisedName: s.name ?? null,
        advertisedRole: txtString(s.txt, 'role'),
      },
    });
    this.tracked.set(s.fqdn, { nodeId: item.nodeId, ip: item.ip, port: s.port, apiPath, service: s, gone: false });
    this.opts.logger?.debug({ node: item.nodeId, ip, port: s.port }, 'bonjour: node advertised');
    return item;
  }

  /** A Blackmagic Camera phone advertised: its TXT device_id is its identity; its product answer over HTTPS confirms it. */
  private async handlePhoneUp(s: Service): Promise<Discovered | null> {
    if (this.stopped) return null;
    const txtInfo = phoneInfoFromTxt(s.txt, s.name ?? null);
    if (!txtInfo) return null;
    const apiPath = safeApiPath(txtString(s.txt, 'path') ?? PHONE_API_PATH);
    const ips = await this.candidates(s);
    let ip: string | null = ips[0] ?? null;
    let info = null;
    for (const candidate of ips) {
      const product = await fetchPhoneProduct({ ip: candidate, port: s.port, apiPath });
      if (product) {
        ip = candidate;
        info = { ...txtInfo, ...(product.productName ? { model: product.productName } : {}), certSha256: product.certSha256 };
        break;
      }
    }
    if (this.stopped) return null;
    const item = recordDiscovery({
      ctx: this.opts.ctx,
      finding: {
        source: 'bonjour', ip, hostname: s.host?.endsWith('.local') ? s.host : null, port: s.port, apiPath,
        // Even unanswered (app off screen), the advertisement says what the phone is.
        info: info ?? txtInfo, advertisedId: txtInfo.id, advertisedName: txtInfo.name ?? null, advertisedRole: 'camera',
      },
    });
    this.tracked.set(s.fqdn, { nodeId: item.nodeId, ip: item.ip, port: s.port, apiPath, service: s, gone: false, phone: true });
    return item;
  }

  private handleDown(s: Service): void {
    const t = this.tracked.get(s.fqdn);
    if (!t || this.stopped) return;
    t.gone = true;
    this.tracked.delete(s.fqdn);
    markDiscoveryGone({ ctx: this.opts.ctx, nodeId: t.nodeId, ip: t.ip, port: t.port });
    this.opts.logger?.debug({ node: t.nodeId }, 'bonjour: node stopped advertising');
  }

  /** Re-query the network, and mark nodes that vanished without a goodbye (out of battery, out of range). */
  private async recheck(): Promise<void> {
    this.refresh();
    this.browser?.expire();
    for (const t of [...this.tracked.values()]) {
      if (this.stopped || !t.ip || t.phone) continue;
      const info = await fetchNodeInfo({ ip: t.ip, port: t.port, apiPath: t.apiPath });
      if (this.stopped) return;
      const hostname = t.service.host?.endsWith('.local') ? t.service.host : null;
      if (info) {
        t.gone = false;
        recordDiscovery({ ctx: this.opts.ctx, finding: { source: 'bonjour', ip: t.ip, hostname, port: t.port, apiPath: t.apiPath, info } });
      } else if (!t.gone) {
        t.gone = true;
        markDiscoveryGone({ ctx: this.opts.ctx, nodeId: t.nodeId, ip: t.ip, port: t.port });
      }
    }
  }
}
