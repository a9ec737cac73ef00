/**
 * Each device's tailnet path over time: the latest path quality from the Local
 * API, since when it has been relayed (DERP or a peer relay), and the last
 * tailscaled ping. Publishes `tailnet.path` when what a crew member would see
 * changes. The clock is injected: the relayed-for-how-long rule depends on it.
 */
import { systemClock, type Clock } from '../clock.ts';
import type { EventBus } from '../events.ts';
import type { TailnetPathHealth, TailnetPing } from '../health-types.ts';
import type { TailscalePath } from './path-quality.ts';

/** Paths that go through a relay: slower preview and commands. */
export const isRelayed = (quality: TailscalePath['quality']): boolean => quality === 'derp' || quality === 'peer-relay';

/** The tailnet side of every device's health, by device id. */
export class TailnetHealth {
  private readonly byDevice = new Map<string, TailnetPathHealth>();

  constructor(private readonly deps: { bus?: () => EventBus; clock?: Clock }) {}

  private now(): number {
    return (this.deps.clock ?? systemClock).now();
  }

  /**
   * Take a fresh path snapshot (every known peer, by device id). Relayed time
   * runs only while the path is seen relayed refresh after refresh; anything
   * else ends it. Idle and offline end it too: a tailnet connection always
   * starts through DERP and upgrades to direct within seconds, so time relayed
   * before a quiet spell must not count once traffic resumes.
   */
  observePaths(paths: ReadonlyArray<{ deviceId: string } & TailscalePath>): void {
    const at = new Date(this.now()).toISOString();
    const seen = new Set<string>();
    for (const p of paths) {
      seen.add(p.deviceId);
      const prev = this.byDevice.get(p.deviceId);
      const relayed = isRelayed(p.quality);
      const relayedSince = relayed ? (prev?.relayed && prev.relayedSince ? prev.relayedSince : at) : null;
      this.put({
        quality: p.quality, summary: p.summary, relayed, relayedSince,
        curAddr: p.curAddr, relay: p.relay, peerRelay: p.peerRelay,
        ping: prev?.ping ?? null, updatedAt: at,
      }, p.deviceId, prev);
    }
    // A device no longer a peer (removed from the tailnet, or from the map) has no tailnet path.
    for (const id of [...this.byDevice.keys()]) if (!seen.has(id)) this.byDevice.delete(id);
  }

  /** Record a tailscaled ping of a device (kept with its path; a ping alone makes no path). */
  recordPing(deviceId: string, ping: TailnetPing): void {
    const prev = this.byDevice.get(deviceId);
    if (!prev) return;
    this.put({ ...prev, ping }, deviceId, prev);
  }

  /** The device's tailnet path health, or null when tailscaled says nothing about it. */
  get(deviceId: string): TailnetPathHealth | null {
    const h = this.byDevice.get(deviceId);
    return h ? { ...h, ping: h.ping ? { ...h.ping } : null } : null;
  }

  /** Every device with a tailnet path, by id. */
  all(): Array<{ deviceId: string; tailnet: TailnetPathHealth }> {
    return [...this.byDevice.keys()].sort().map((deviceId) => ({ deviceId, tailnet: this.get(deviceId)! }));
  }

  private put(next: TailnetPathHealth, deviceId: string, prev: TailnetPathHealth | undefined): void {
    this.byDevice.set(deviceId, next);
    // Tell browsers only what they would see change (not every refresh's timestamp).
    const shown = (h: TailnetPathHealth | undefined) => h && JSON.stringify([h.quality, h.summary, h.relayedSince, h.ping?.rttMs, h.ping?.via, h.ping?.error, h.ping?.evidence]);
    if (shown(prev) !== shown(next)) this.deps.bus?.().emit('tailnet.path', { deviceId, tailnet: this.get(deviceId)! });
  }
}
