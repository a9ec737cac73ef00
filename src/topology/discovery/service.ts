/**
 * The discovery service of a running server: the Bonjour browser (on by
 * default), on-demand subnet scans, and the mDNS hostname prober, sharing one
 * mDNS interface setting and the probe scope.
 */
import type { Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { isInScope, parseProbeScope, type ProbeScope } from '../probes/scope.ts';
import { BonjourBrowser } from './bonjour-browser.ts';
import { type ExpectedHost, expectedMdnsHosts, type HostProbeResult, probeMdnsHosts } from './mdns-prober.ts';
import { ScanRegistry } from './scans.ts';

/** Is every range of the scope inside 127.0.0.0/8 (or ::1)? */
export function isLoopbackScope(scope: ProbeScope): boolean {
  return (
    scope.ranges !== null &&
    scope.ranges.length > 0 &&
    scope.ranges.every(([net, bits]) => (net.kind() === 'ipv4' ? bits >= 8 && net.toByteArray()[0] === 127 : bits === 128 && net.toString() === '::1'))
  );
}

/** Settings of the discovery service. */
export interface DiscoveryOptions {
  /** Browse Bonjour while running (default true). */
  bonjour?: boolean;
  /** mDNS interface; null or '' for the machine's default (127.0.0.1 when the scope is loopback-only). */
  mdnsInterface?: string | null;
  /** The probe scope ("127.0.0.0/8"): addresses outside it are never contacted. Empty: everything. */
  scope?: string;
  /** Bonjour re-check period (default 30 s). */
  recheckMs?: number;
  logger?: { debug(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
  /** The Bonjour re-check cadence and scan times run on it (default the system clock). */
  clock?: Clock;
}

/** Discovery as the server and the routes use it. */
export class DiscoveryService {
  readonly scans: ScanRegistry;
  readonly iface: string | null;
  readonly inScope: (ip: string) => boolean;
  private browser: BonjourBrowser | null = null;

  constructor(private readonly opts: DiscoveryOptions = {}) {
    const scope = parseProbeScope(opts.scope);
    this.inScope = (ip) => isInScope(scope, ip);
    // A probe scope inside 127.0.0.0/8 (tests, demos) keeps mDNS on loopback too: nothing leaves the machine.
    this.iface = opts.mdnsInterface || (isLoopbackScope(scope) ? '127.0.0.1' : null);
    this.scans = new ScanRegistry({ inScope: this.inScope, clock: opts.clock });
  }

  /** Start Bonjour browsing (when enabled); background writes are made as `ctx.actor`. */
  start({ ctx }: { ctx: Ctx }): this {
    if (this.opts.bonjour !== false && !this.browser) {
      this.browser = new BonjourBrowser({ ctx, iface: this.iface, inScope: this.inScope, recheckMs: this.opts.recheckMs, logger: this.opts.logger, clock: this.opts.clock }).start();
    }
    return this;
  }

  /** Is Bonjour browsing running? */
  get browsing(): boolean {
    return this.browser !== null;
  }

  /** Re-send the Bonjour query (nodes answer at once). */
  refreshBonjour(): void {
    this.browser?.refresh();
  }

  /** Resolve `.local` names (default: every one in the inventory) and probe the contract at each. */
  probeHosts({ ctx, hosts, timeoutMs }: { ctx: Ctx; hosts?: ExpectedHost[]; timeoutMs?: number }): Promise<HostProbeResult[]> {
    return probeMdnsHosts({ ctx, hosts: hosts ?? expectedMdnsHosts({ ctx }), iface: this.iface, inScope: this.inScope, timeoutMs });
  }

  /** Stop browsing and cancel running scans. */
  async stop(): Promise<void> {
    await this.browser?.stop();
    this.browser = null;
    await this.scans.stopAll();
  }
}
