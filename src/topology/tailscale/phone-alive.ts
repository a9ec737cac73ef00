/**
 * Further evidence when a camera stops answering (refused: app off screen, or
 * silent: walked away). Where the Local API is configured, one tailscaled ping
 * of its tailnet address right away: Tailscale on the phone answers even while
 * Blackmagic Camera is off screen, so an answer says the phone is alive and on
 * the tailnet, and no answer says it is off, asleep or out of range. The
 * sentence rides on the ping in the device's tailnet health.
 */
import { systemClock, type Clock } from '../clock.ts';
import type { EventBus } from '../events.ts';
import type { DeviceHealth, TailnetPing } from '../health-types.ts';

/** A camera is asked about at most once per this many ms (an outage, not every probe). */
export const ALIVE_MIN_GAP_MS = 10_000;

/** The crew's words for what a tailscaled ping says about a camera that stopped answering. */
export function aliveEvidence(health: Pick<DeviceHealth, 'state' | 'protocol'>, ping: TailnetPing): string {
  const what = health.protocol === 'blackmagic' ? 'the phone' : 'the device';
  const why = health.state === 'app_closed' ? 'the camera app is closed or off screen' : 'the camera app does not answer';
  if (ping.error === null && ping.rttMs !== null) {
    return `tailscaled reaches ${what} (${ping.rttMs} ms${ping.via ? `, ${ping.via}` : ''}): ${what} is alive and on the tailnet; ${why}`;
  }
  return `tailscaled gets no answer from ${what} either (${ping.error ?? 'no reply'}): ${what} is off, asleep or out of range`;
}

/** What the checks need of the Tailscale service. */
export interface AlivePinger {
  /** One tailscaled ping of the device's tailnet address, recorded with `evidence`; null when it has none or is not a peer. */
  pingDevice(deviceId: string, evidence: (ping: TailnetPing) => string): Promise<TailnetPing | null>;
  /** The device answers again: what the ping said no longer applies. */
  clearEvidence(deviceId: string): void;
}

/** Subscribes to device state changes: a camera down or app_closed gets one ping (rate-limited per device). */
export class PhoneAliveChecks {
  private readonly lastAsked = new Map<string, number>();
  private off: (() => void) | null = null;

  constructor(private readonly o: { bus: EventBus; pinger: AlivePinger; clock?: Clock; minGapMs?: number }) {}

  start(): this {
    this.off = this.o.bus.on('device.state', (e) => void this.consider(e.data.health));
    return this;
  }

  stop(): void {
    this.off?.();
    this.off = null;
  }

  private async consider(health: DeviceHealth): Promise<void> {
    if (health.state === 'up' || health.state === 'degraded') {
      this.lastAsked.delete(health.deviceId);
      return this.o.pinger.clearEvidence(health.deviceId);
    }
    if (health.state !== 'down' && health.state !== 'app_closed') return;
    const now = (this.o.clock ?? systemClock).now();
    const last = this.lastAsked.get(health.deviceId);
    if (last !== undefined && now - last < (this.o.minGapMs ?? ALIVE_MIN_GAP_MS)) return;
    this.lastAsked.set(health.deviceId, now);
    await this.o.pinger.pingDevice(health.deviceId, (ping) => aliveEvidence(health, ping)).catch(() => null);
  }
}
