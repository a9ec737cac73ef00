/**
 * `tailnet_relayed` (warning): a device's tailnet path has gone through DERP or
 * a peer relay instead of direct for longer than `--tailnet-relayed-sec`, so
 * live preview and commands are slower. Resolved when the path is direct
 * again. Its own module (the manager handles probe alerts); it writes through
 * the alert store and publishes the same bus events as the manager, so
 * notifiers, SSE and metrics see it like any other alert. Time is injected.
 */
import { eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import type { TailnetPathHealth } from '../health-types.ts';
import { devices } from '../store/schema.ts';
import { findOpenAlert, insertAlert, resolveAlertRow } from './store.ts';

/** How a relayed path is named in the message. */
function relayedVia(t: TailnetPathHealth): string {
  if (t.quality === 'peer-relay') return `a peer relay${t.peerRelay ? ` (${t.peerRelay})` : ''}`;
  return `DERP${t.relay ? ` "${t.relay}"` : ''}`;
}

/** Judges every device's tailnet path against the relayed limit; raise and resolve are idempotent. */
export class TailnetRelayedAlerts {
  constructor(private readonly deps: { ctx: () => Ctx; relayedSec: number; now?: () => number }) {}

  /** Look at each device's current tailnet path (call after every path refresh). */
  judge(paths: ReadonlyArray<{ deviceId: string; tailnet: TailnetPathHealth }>): void {
    const ctx = this.deps.ctx();
    const now = (this.deps.now ?? Date.now)();
    for (const { deviceId, tailnet } of paths) {
      const open = findOpenAlert(ctx.db, 'tailnet_relayed', deviceId, 'tailscale');
      if (tailnet.quality === 'direct') {
        if (!open) continue;
        const done = resolveAlertRow(ctx.db, open.id, `${this.nameOf(ctx, deviceId)}: tailnet path direct again (${tailnet.summary})`);
        if (done) ctx.bus.emit('alert.resolved', { alert: done });
        continue;
      }
      // Idle and offline say nothing about the path: neither raise nor resolve on them.
      if (!tailnet.relayed || !tailnet.relayedSince || open) continue;
      const forMs = now - Date.parse(tailnet.relayedSince);
      if (forMs < this.deps.relayedSec * 1000) continue;
      const alert = insertAlert(ctx.db, {
        kind: 'tailnet_relayed',
        deviceId,
        network: 'tailscale',
        severity: 'warning',
        message: `${this.nameOf(ctx, deviceId)}: tailnet path relayed through ${relayedVia(tailnet)} for ${Math.round(forMs / 1000)} s, not direct; live preview and commands will be slower`,
      });
      ctx.bus.emit('alert.raised', { alert });
    }
  }

  private nameOf(ctx: Ctx, deviceId: string): string {
    return ctx.db.select({ name: devices.name }).from(devices).where(eq(devices.id, deviceId)).get()?.name ?? deviceId;
  }
}
