/**
 * `tailnet_relayed` (warning): a device's tailnet path has gone through DERP or
 * a peer relay instead of direct for longer than `--tailnet-relayed-sec`, so
 * live preview and commands are slower. Resolved when the path is direct
 * again. Its own module (the manager handles probe alerts); it decides and the
 * alert service (alert-writer.ts) writes and tells the bus, so notifiers, SSE
 * and metrics see it like any other alert. It hears the tailnet's results from
 * the bus (`tailnet.paths`), never from a call. Time is injected (the one Clock).
 */
import { systemClock, type Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import type { TailnetPathHealth } from '../health-types.ts';
import { AlertWriter } from './alert-writer.ts';

/** How a relayed path is named in the message. */
function relayedVia(t: TailnetPathHealth): string {
  if (t.quality === 'peer-relay') return `a peer relay${t.peerRelay ? ` (${t.peerRelay})` : ''}`;
  return `DERP${t.relay ? ` "${t.relay}"` : ''}`;
}

/**
 * Judges every device's tailnet path against the relayed limit; raise and resolve
 * are idempotent. A subscriber of `tailnet.paths` (one per refresh from tailscaled):
 * the refresh cadence, twice per limit, is what moves the relayed time on, so it
 * needs no timer of its own.
 */
export class TailnetRelayedAlerts {
  private writerOf: { ctx: Ctx; writer: AlertWriter } | null = null;
  private off: (() => void) | null = null;

  /** `writer`: the server's alert service, when it has one (else one is made on the context). */
  constructor(private readonly deps: { ctx: () => Ctx; relayedSec: number; clock?: Clock; writer?: () => AlertWriter | undefined }) {}

  /** Judge every refresh published on the context's bus. */
  start(): void {
    this.off ??= this.deps.ctx().bus.on('tailnet.paths', (e) => this.judge(e.data.paths));
  }

  stop(): void {
    this.off?.();
    this.off = null;
  }

  /** Look at each device's current tailnet path (one refresh's paths). */
  judge(paths: ReadonlyArray<{ deviceId: string; tailnet: TailnetPathHealth }>): void {
    const w = this.writer();
    const now = (this.deps.clock ?? systemClock).now();
    for (const { deviceId, tailnet } of paths) {
      const open = w.find('tailnet_relayed', deviceId, 'tailscale');
      if (tailnet.quality === 'direct') {
        if (open) w.resolve(open, `${w.name(deviceId)}: tailnet path direct again (${tailnet.summary})`);
        continue;
      }
      // Idle and offline say nothing about the path: neither raise nor resolve on them.
      if (!tailnet.relayed || !tailnet.relayedSince || open) continue;
      const forMs = now - Date.parse(tailnet.relayedSince);
      if (forMs < this.deps.relayedSec * 1000) continue;
      w.raise({
        kind: 'tailnet_relayed',
        deviceId,
        network: 'tailscale',
        severity: 'warning',
        message: `${w.name(deviceId)}: tailnet path relayed through ${relayedVia(tailnet)} for ${Math.round(forMs / 1000)} s, not direct; live preview and commands will be slower`,
      });
    }
    // Names are read fresh each round (a rename between rounds shows in the next message).
    w.forgetName();
  }

  private writer(): AlertWriter {
    const given = this.deps.writer?.();
    if (given) return given;
    const ctx = this.deps.ctx();
    if (this.writerOf?.ctx !== ctx) this.writerOf = { ctx, writer: new AlertWriter(ctx, { clock: this.deps.clock }) };
    return this.writerOf.writer;
  }
}
