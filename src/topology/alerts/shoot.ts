/**
 * Shoot alerts (a module of its own beside manager.ts): clock_offset while a
 * node's clock is further off than the limit, recording_stopped at once when a
 * camera stops mid-take without being told, runway_low while recording with
 * fewer minutes of storage or battery left than the limit. Also publishes each
 * camera's shoot figures (`device.shoot`) for the board when they change.
 *
 * A subscriber of the bus, no poll: a camera is looked at when a status that is
 * news arrives (`node.status`: recording started or stopped, storage, battery) and
 * on its probe outcomes (`probe.outcome`: a poll's clock sample, a status that was
 * not news), at most once per `minLookMs` per camera there, since outcomes come
 * several times a second per path. Every input (a clock sample, a status) arrives
 * with an outcome, so no timer is needed: a runway threshold is crossed on the
 * status that crosses it, a clock offset on the sample that moves it.
 */
import { systemClock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { Alert, AlertKind } from '../health-types.ts';
import type { ShootFigures } from '../probes/shoot-book.ts';
import { shortestRunway } from '../runway.ts';
import type { Clock } from '../clock.ts';
import { AlertWriter } from './alert-writer.ts';
import { listAlerts } from './store.ts';

/** Shoot alert settings (from config). */
export interface ShootAlertOptions {
  /** |clock offset| above this (ms) raises clock_offset. */
  clockOffsetMs: number;
  /** Storage or battery minutes under this while recording raise runway_low. */
  runwayMinutes: number;
  /** Least time between two looks at one camera on its probe outcomes (default 1000 ms); a status that is news is looked at at once. */
  minLookMs?: number;
}

const SHOOT_KINDS: AlertKind[] = ['clock_offset', 'recording_stopped', 'runway_low'];

/** Raises and resolves the shoot alerts. */
export class ShootAlerts {
  private readonly unsubscribe: Array<() => void> = [];
  private readonly lastShoot = new Map<string, string>();
  /** When each camera was last looked at (the injected clock's ms). */
  private readonly lastLook = new Map<string, number>();

  private readonly writer: AlertWriter;
  private readonly clock: Clock;

  /**
   * `shoot`: a camera's status, clock estimate and runway as the engine keeps them (`engine.shootOf`).
   * `writer`: the alert service (one per server; a fresh one when absent).
   */
  constructor(private readonly deps: { ctx: Ctx; options: ShootAlertOptions; shoot: (deviceId: string) => ShootFigures; writer?: AlertWriter; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
    this.writer = deps.writer ?? new AlertWriter(deps.ctx, { clock: this.clock });
  }

  /** `kind:deviceId` of open shoot alerts: a look checks here, not the database, on every outcome. */
  private readonly openKeys = new Set<string>();

  start(): void {
    const { bus } = this.deps.ctx;
    for (const a of listAlerts({ ctx: this.deps.ctx, recentLimit: 1 }).open) if (SHOOT_KINDS.includes(a.kind)) this.openKeys.add(`${a.kind}:${a.deviceId}`);
    this.unsubscribe.push(
      bus.on('node.status', (e) => this.look(e.data.deviceId)),
      bus.on('probe.outcome', (e) => {
        const id = e.data.target.deviceId;
        const last = this.lastLook.get(id);
        if (last === undefined || this.clock.now() - last >= (this.deps.options.minLookMs ?? 1000)) this.look(id);
      }),
      bus.on('take.changed', (e) => {
        const { deviceId, change } = e.data;
        if (change === 'camera.stopped' && deviceId && e.data.early && e.data.takeRunning) {
          this.raise('recording_stopped', deviceId, 'critical', `${this.nameOf(deviceId)} stopped recording mid-take: ${e.data.reason ?? 'no reason given'} (footage is being lost)`);
        }
        if (change === 'camera.started' && deviceId) this.resolveKind('recording_stopped', deviceId, `${this.nameOf(deviceId)} is recording again`);
        if (change === 'closed') {
          for (const key of [...this.openKeys].filter((k) => k.startsWith('recording_stopped:'))) this.resolveKind('recording_stopped', key.slice('recording_stopped:'.length), 'the take has ended');
        }
      }),
      // Another module may resolve one of ours (a device removed from the map).
      bus.on('alert.resolved', (e) => this.openKeys.delete(`${e.data.alert.kind}:${e.data.alert.deviceId}`)),
      bus.on('device.changed', (e) => {
        this.names = null;
        if (e.data.change !== 'removed') return;
        this.lastLook.delete(e.data.deviceId);
        this.lastShoot.delete(e.data.deviceId);
        for (const a of this.writer.openOf(e.data.deviceId)) if (SHOOT_KINDS.includes(a.kind)) this.resolve(a, `${e.data.deviceId} removed from the map`);
      }),
    );
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  /** Look at one camera's clock and runway now. */
  private look(deviceId: string): void {
    this.lastLook.set(deviceId, this.clock.now());
    const { clockOffsetMs, runwayMinutes } = this.deps.options;
    const h = this.deps.shoot(deviceId);
    this.publishShoot(deviceId, h);
    const name = () => this.nameOf(deviceId);
    if (h.clock) {
      const off = Math.abs(h.clock.offsetMs);
      if (off > clockOffsetMs) {
        this.raise('clock_offset', deviceId, 'warning', `${name()}'s clock is ${Math.round(h.clock.offsetMs)} ms ${h.clock.offsetMs > 0 ? 'ahead of' : 'behind'} rigmap (limit ${clockOffsetMs} ms): its footage will not line up with the other cameras`);
      } else this.resolveKind('clock_offset', deviceId, `${name()}'s clock is back within ${clockOffsetMs} ms (${Math.round(h.clock.offsetMs)} ms)`);
    }
    const recording = h.status?.state === 'recording';
    const shortest = shortestRunway(h.runway);
    if (recording && shortest && shortest.minutes < runwayMinutes) {
      this.raise('runway_low', deviceId, 'warning', `${name()} has ${Math.floor(shortest.minutes)} min of ${shortest.what} left while recording (limit ${runwayMinutes} min)`);
    } else if (!recording || (shortest && shortest.minutes >= runwayMinutes)) {
      this.resolveKind('runway_low', deviceId, recording ? `${name()} has ${Math.floor(shortest!.minutes)} min of ${shortest!.what} left` : `${name()} is no longer recording`);
    }
  }

  /** `device.shoot` when a camera's figures change as the board shows them (whole minutes, whole ms). */
  private publishShoot(deviceId: string, h: ShootFigures): void {
    if (!h.status) return;
    const recording = h.status.recording ?? null;
    const key = JSON.stringify([recording?.since, recording?.clip, h.runway && [Math.floor(h.runway.storageMinutes ?? -1), Math.floor(h.runway.batteryMinutes ?? -1)], h.clock && Math.round(h.clock.offsetMs)]);
    if (this.lastShoot.get(deviceId) === key) return;
    this.lastShoot.set(deviceId, key);
    this.deps.ctx.bus.emit('device.shoot', { deviceId, recording, runway: h.runway ?? null, clock: h.clock ?? null });
  }

  private raise(kind: AlertKind, deviceId: string, severity: Alert['severity'], message: string): void {
    if (this.openKeys.has(`${kind}:${deviceId}`)) return;
    this.openKeys.add(`${kind}:${deviceId}`);
    this.writer.raise({ kind, deviceId, network: null, severity, message });
  }

  private resolveKind(kind: AlertKind, deviceId: string, message: string): void {
    if (!this.openKeys.delete(`${kind}:${deviceId}`)) return;
    const open = this.writer.find(kind, deviceId);
    if (open) this.resolve(open, message);
  }

  private resolve(alert: Alert, message: string): void {
    this.openKeys.delete(`${alert.kind}:${alert.deviceId}`);
    this.writer.resolve(alert, message);
  }

  private names: Map<string, string> | null = null;
  private nameOf(deviceId: string): string {
    // Names change rarely; re-read the map when one is missing.
    if (!this.names?.has(deviceId)) this.names = new Map(loadDevices(this.deps.ctx.db).map((d) => [d.id, d.name]));
    return this.names.get(deviceId) ?? deviceId;
  }
}
