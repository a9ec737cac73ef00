/**
 * Alert rules: device lost, path lost, back, never seen, battery, thermal,
 * storage. Tells the crew once: a short hold before raising lets a device whose
 * upstream (the hotspot it links to) is down fold into the upstream's alert; a
 * settle time before resolving keeps a bouncing node to one alert; a flapping
 * device keeps its one alert until it settles.
 */
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { Alert, AlertKind, DeviceHealth, NodeStatus } from '../health-types.ts';
import { listLinks } from '../links.ts';
import type { Network } from '../model.ts';
import { findOpenAlert, foldIntoAlert, insertAlert, openAlertsOf, resolveAlertRow } from './store.ts';
import { describeLost, describePathLost, networkName } from './wording.ts';

/** Looks (100 ms apart) for an upstream to be seen down before a device behind it raises its own alert. */
const UPSTREAM_WAITS = 10;

/** Alert tuning (from config). */
export interface AlertOptions {
  /** Wait this long before raising, so upstream failures are seen first. */
  holdMs: number;
  /** A device must stay back this long before its alert resolves. */
  settleMs: number;
  /** Expected devices not seen this long after start raise "never seen"; 0 turns it off. */
  neverSeenAfterMs: number;
  /** Battery level (0..1) under which a device not charging raises battery_low. */
  batteryLow: number;
  /** Free storage share (0..1) under which storage_low is raised. */
  storageLow: number;
}

/** Raises and resolves alerts from bus events. */
export class AlertManager {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: Array<() => void> = [];
  private upstreams: Map<string, string[]> | null = null;
  private neverSeenTimer: NodeJS.Timeout | null = null;
  /** When each device last became degraded: a path only counts as lost once the device around it is reachable. */
  private readonly degradedAt = new Map<string, number>();

  constructor(private readonly deps: { ctx: Ctx; options: AlertOptions; health: (deviceId: string) => DeviceHealth; probeNow?: (deviceId: string) => void }) {}

  start(): void {
    const { bus } = this.deps.ctx;
    this.unsubscribe.push(
      bus.on('device.state', (e) => {
        if (e.data.health.state === 'degraded' && e.data.from !== 'degraded') this.degradedAt.set(e.data.deviceId, Date.now());
        this.onDeviceState(e.data.deviceId, e.data.health);
      }),
      bus.on('path.state', (e) => {
        // A downstream path lost: have its upstreams probed now, so the hold sees them as they are.
        if (e.data.path.state === 'down') for (const up of this.upstreamsOf(e.data.deviceId)) this.deps.probeNow?.(up);
        this.onPathState(e.data.deviceId, e.data.path.network);
      }),
      bus.on('node.status', (e) => this.onStatus(e.data.deviceId, e.data.status)),
      bus.on('link.changed', () => (this.upstreams = null)),
      bus.on('inventory.imported', () => this.forgetMap()),
      bus.on('device.changed', (e) => {
        if (e.data.change === 'removed') this.retireDevice(e.data.deviceId);
        // A rename changes the name alerts use; a removal takes its links with it (no link.changed).
        this.names.delete(e.data.deviceId);
        this.upstreams = null;
      }),
    );
    if (this.deps.options.neverSeenAfterMs > 0) this.neverSeenTimer = setTimeout(() => this.checkNeverSeen(), this.deps.options.neverSeenAfterMs);
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.neverSeenTimer) clearTimeout(this.neverSeenTimer);
  }

  /**
   * The probe engine re-read the map: changes made here, and ones the CLI made from
   * another process (seen only through data_version) — names and links may have
   * changed, and devices that left the map close their alerts.
   */
  mapReloaded({ removed }: { removed: string[] }): void {
    for (const id of removed) this.retireDevice(id);
    this.forgetMap();
  }

  private forgetMap(): void {
    this.names.clear();
    this.upstreams = null;
  }

  /** A device left the map: nothing more will be heard from it, so its open alerts resolve and its timers stop. */
  private retireDevice(deviceId: string): void {
    for (const key of [...this.timers.keys()]) if (key.split(':')[1] === deviceId) this.cancel(key);
    const name = this.names.get(deviceId) ?? deviceId;
    for (const a of openAlertsOf(this.deps.ctx.db, deviceId)) this.resolve(a, `${name} removed from the map`);
    this.degradedAt.delete(deviceId);
    this.verdicts.delete(deviceId);
    this.names.delete(deviceId);
  }

  private later(key: string, ms: number, fn: () => void): void {
    this.cancel(key);
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      fn();
    }, ms));
  }

  private cancel(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  private upstreamsOf(deviceId: string): string[] {
    if (!this.upstreams) {
      this.upstreams = new Map();
      for (const l of listLinks({ ctx: this.deps.ctx })) {
        const list = this.upstreams.get(l.from) ?? [];
        list.push(l.to);
        this.upstreams.set(l.from, list);
      }
    }
    return this.upstreams.get(deviceId) ?? [];
  }

  /** The downed upstream this device's trouble folds into, if any. */
  private downUpstream(deviceId: string): string | null {
    for (const up of this.upstreamsOf(deviceId)) if (this.deps.health(up).state === 'down') return up;
    return null;
  }

  private raise(a: { kind: AlertKind; deviceId: string; network: Network | null; severity: Alert['severity']; message: string }): void {
    if (findOpenAlert(this.deps.ctx.db, a.kind, a.deviceId, a.network)) return;
    const alert = insertAlert(this.deps.ctx.db, a);
    this.deps.ctx.bus.emit('alert.raised', { alert });
  }

  private resolve(alert: Alert, message?: string, notify = true): void {
    const done = resolveAlertRow(this.deps.ctx.db, alert.id, message);
    if (done && notify) this.deps.ctx.bus.emit('alert.resolved', { alert: done });
  }

  /**
   * Before a device behind an upstream (camera → hotspot) raises its own alert:
   * is the upstream perhaps down but not yet seen so? A downstream stream is cut
   * at once while the upstream's next poll may be seconds away, so ask for that
   * poll now and look again for up to UPSTREAM_WAITS × 100 ms. True: wait more.
   */
  private awaitUpstreams(deviceId: string, attempt: number): boolean {
    const ups = this.upstreamsOf(deviceId);
    if (ups.length === 0 || attempt >= UPSTREAM_WAITS) return false;
    if (attempt === 0) for (const up of ups) this.deps.probeNow?.(up);
    return true;
  }

  /** Fold into the upstream's open alert; false when the upstream has none yet. */
  private fold(deviceId: string, upstream: string): boolean {
    const host = findOpenAlert(this.deps.ctx.db, 'device_lost', upstream) ?? findOpenAlert(this.deps.ctx.db, 'flapping', upstream);
    if (!host) return false;
    foldIntoAlert(this.deps.ctx.db, host.id, deviceId);
    return true;
  }

  private onDeviceState(deviceId: string, health: DeviceHealth, attempt = 0): void {
    const { options } = this.deps;
    const db = this.deps.ctx.db;
    if (health.state === 'down') {
      this.cancel(`settle:${deviceId}`);
      this.later(`lost:${deviceId}`, options.holdMs, () => this.raiseLost(deviceId, attempt));
    } else if (health.state === 'flapping') {
      this.cancel(`settle:${deviceId}`);
      const open = openAlertsOf(db, deviceId).some((a) => a.kind === 'device_lost' || a.kind === 'path_lost');
      // A device already in trouble keeps its one alert; otherwise flapping is the alert.
      if (!open) this.later(`flap:${deviceId}`, options.holdMs, () => this.raiseFlapping(deviceId));
    } else if (health.state === 'up' || health.state === 'degraded') {
      this.cancel(`lost:${deviceId}`);
      this.cancel(`flap:${deviceId}`);
      const never = findOpenAlert(db, 'expected_never_seen', deviceId);
      if (never) this.resolve(never, `${this.name(deviceId)} seen at last`);
      this.later(`settle:${deviceId}`, options.settleMs, () => this.settle(deviceId));
    }
  }

  private raiseLost(deviceId: string, attempt: number): void {
    const health = this.deps.health(deviceId);
    if (health.state !== 'down') return;
    const upstream = this.downUpstream(deviceId);
    if (upstream) {
      if (this.fold(deviceId, upstream)) return;
      // The upstream's own alert is still on hold: look again shortly (bounded).
      if (attempt < UPSTREAM_WAITS + 20) this.later(`lost:${deviceId}`, 100, () => this.raiseLost(deviceId, attempt + 1));
      return;
    }
    if (this.awaitUpstreams(deviceId, attempt)) return this.later(`lost:${deviceId}`, 100, () => this.raiseLost(deviceId, attempt + 1));
    for (const a of openAlertsOf(this.deps.ctx.db, deviceId)) if (a.kind === 'path_lost' || a.kind === 'flapping') this.resolve(a, undefined, false);
    this.raise({ kind: 'device_lost', deviceId, network: null, severity: 'critical', message: describeLost(this.name(deviceId), health) });
  }

  private raiseFlapping(deviceId: string): void {
    const health = this.deps.health(deviceId);
    if (health.state !== 'flapping') return;
    const upstream = this.downUpstream(deviceId);
    if (upstream && this.fold(deviceId, upstream)) return;
    const changes = health.paths.filter((p) => p.flapping).map((p) => networkName(p.network)).join(' and ');
    this.raise({ kind: 'flapping', deviceId, network: null, severity: 'warning', message: `${this.name(deviceId)} is flapping: the ${changes} path keeps going up and down` });
  }

  /** The device has stayed back for the settle time: one resolved notice per open alert. */
  private settle(deviceId: string): void {
    const health = this.deps.health(deviceId);
    if (health.state !== 'up' && health.state !== 'degraded') return;
    const downNets = new Set(health.paths.filter((p) => p.state === 'down').map((p) => p.network));
    for (const a of openAlertsOf(this.deps.ctx.db, deviceId)) {
      if (a.kind === 'device_lost' || a.kind === 'flapping') this.resolve(a, `${this.name(deviceId)} is back (${health.state === 'up' ? 'every path up' : 'some paths up'})`);
      else if (a.kind === 'path_lost' && a.network && !downNets.has(a.network)) this.resolve(a, `${this.name(deviceId)}: ${networkName(a.network)} path is back`);
    }
    // Devices folded into this one's alert that are still down now get their own.
    for (const a of this.folderOf(deviceId)) this.onDeviceState(a, this.deps.health(a));
  }

  private folderOf(deviceId: string): string[] {
    return [...(this.upstreams ?? new Map<string, string[]>()).entries()].filter(([, ups]) => ups.includes(deviceId)).map(([id]) => id).filter((id) => this.deps.health(id).state === 'down');
  }

  private onPathState(deviceId: string, network: Network): void {
    this.later(`path:${deviceId}:${network}`, this.deps.options.holdMs, () => this.raisePathLost(deviceId, network, 0));
  }

  private raisePathLost(deviceId: string, network: Network, attempt: number): void {
    const health = this.deps.health(deviceId);
    const path = health.paths.find((p) => p.network === network && p.state === 'down');
    if (!path) return;
    if (health.state === 'down' || health.state === 'flapping') return; // the device-level alert covers it
    // While the whole device was down its alert covered this path too; the hold
    // counts from when the device became reachable again, so a path that is just
    // slower to come back after an outage is not reported as lost on its own.
    const heldSince = Math.max(path.since ? Date.parse(path.since) : 0, this.degradedAt.get(deviceId) ?? 0);
    const remaining = heldSince + this.deps.options.holdMs - Date.now();
    if (remaining > 0) return this.later(`path:${deviceId}:${network}`, remaining, () => this.raisePathLost(deviceId, network, attempt));
    // A flapping alert still open is held until the device settles: it covers this path too.
    if (findOpenAlert(this.deps.ctx.db, 'flapping', deviceId)) return;
    const upstream = this.downUpstream(deviceId);
    if (upstream) {
      if (!this.fold(deviceId, upstream) && attempt < UPSTREAM_WAITS + 20) this.later(`path:${deviceId}:${network}`, 100, () => this.raisePathLost(deviceId, network, attempt + 1));
      return;
    }
    if (this.awaitUpstreams(deviceId, attempt)) return this.later(`path:${deviceId}:${network}`, 100, () => this.raisePathLost(deviceId, network, attempt + 1));
    this.raise({ kind: 'path_lost', deviceId, network, severity: 'warning', message: describePathLost(this.name(deviceId), health, network) });
  }

  private onStatus(deviceId: string, status: NodeStatus): void {
    const { options } = this.deps;
    const db = this.deps.ctx.db;
    const level = status.battery?.level;
    const lowBattery = typeof level === 'number' && level < options.batteryLow && !status.battery.charging;
    // Only these verdicts can raise or resolve anything: when none changed since the
    // last status of this device, skip the three alert look-ups (status is frequent).
    const batteryOk = !!status.battery?.charging || (typeof level === 'number' && level >= options.batteryLow + 0.05);
    const { freeBytes: free, totalBytes: total } = status.storage ?? { freeBytes: 0, totalBytes: 0 };
    const verdict = `${lowBattery}|${batteryOk}|${status.thermal}|${total > 0 && free / total < options.storageLow}`;
    if (this.verdicts.get(deviceId) === verdict) return;
    this.verdicts.set(deviceId, verdict);
    const name = this.name(deviceId);
    const battery = findOpenAlert(db, 'battery_low', deviceId);
    if (lowBattery && !battery) this.raise({ kind: 'battery_low', deviceId, network: null, severity: 'warning', message: `${name} battery at ${Math.round(level * 100)} % and not charging` });
    else if (!lowBattery && battery && (status.battery.charging || level >= options.batteryLow + 0.05)) this.resolve(battery, `${name} battery OK (${Math.round(level * 100)} %${status.battery.charging ? ', charging' : ''})`);
    const hot = status.thermal === 'serious' || status.thermal === 'critical';
    const thermal = findOpenAlert(db, 'thermal', deviceId);
    if (hot && !thermal) this.raise({ kind: 'thermal', deviceId, network: null, severity: status.thermal === 'critical' ? 'critical' : 'warning', message: `${name} is running hot (thermal state ${status.thermal})` });
    else if (!hot && thermal) this.resolve(thermal, `${name} cooled down (thermal state ${status.thermal})`);
    const { freeBytes, totalBytes } = status.storage ?? { freeBytes: 0, totalBytes: 0 };
    const low = totalBytes > 0 && freeBytes / totalBytes < options.storageLow;
    const storage = findOpenAlert(db, 'storage_low', deviceId);
    if (low && !storage) this.raise({ kind: 'storage_low', deviceId, network: null, severity: 'warning', message: `${name} storage low: ${(freeBytes / 1e9).toFixed(1)} GB free of ${(totalBytes / 1e9).toFixed(0)} GB` });
    else if (!low && storage) this.resolve(storage, `${name} storage OK again`);
  }

  private checkNeverSeen(): void {
    for (const d of loadDevices(this.deps.ctx.db)) {
      if (!d.expected) continue;
      const h = this.deps.health(d.id);
      const probed = h.paths.some((p) => p.state !== 'out_of_scope');
      if (probed && !h.lastSeen) this.raise({ kind: 'expected_never_seen', deviceId: d.id, network: null, severity: 'warning', message: `${d.name} is expected in the rig but has never answered` });
    }
  }

  private readonly verdicts = new Map<string, string>();
  private names = new Map<string, string>();
  private name(deviceId: string): string {
    let n = this.names.get(deviceId);
    if (!n) {
      n = loadDevices(this.deps.ctx.db, [deviceId])[0]?.name ?? deviceId;
      this.names.set(deviceId, n);
    }
    return n;
  }
}
