/**
 * Alerting, wired to the bus. The rules live by concern beside this file:
 * raising and resolving (alert-writer.ts), device and path holds
 * (device-rules.ts), what explains what (path-groups.ts, folding.ts),
 * telemetry thresholds (telemetry.ts) and never-seen devices (never-seen.ts).
 * Time and timers come from an injected clock, so every rule is unit-tested.
 */
import type { Ctx } from '../context.ts';
import type { DeviceHealth } from '../health-types.ts';
import { AlertWriter } from './alert-writer.ts';
import { AliveEvidenceRule } from './alive-evidence.ts';
import { type Clock, systemClock, Timers } from './clock.ts';
import { DeviceRules } from './device-rules.ts';
import { GroupAlerts } from './folding.ts';
import { NeverSeenRule } from './never-seen.ts';
import { type PathGroup, PathGroups } from './path-groups.ts';
import { TelemetryRules } from './telemetry.ts';

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
  /** Paths through one upstream lost within this many ms count as lost together (default 3000). */
  foldWindowMs?: number;
  /** Timeout of the quick probe of an upstream when paths through it go quiet (default 1000). */
  upstreamProbeTimeoutMs?: number;
}

/** What alerting needs from the rest of the system. */
export interface AlertDeps {
  ctx: Ctx;
  options: AlertOptions;
  health: (deviceId: string) => DeviceHealth;
  /** Have the engine poll a device now. */
  probeNow?: (deviceId: string) => void;
  /** One quick look at a device: true answered, false no answer in time, null nothing to probe. */
  checkNow?: (deviceId: string, timeoutMs: number) => Promise<boolean | null>;
  clock?: Clock;
  /** The alert service (one per server, shared with the shoot and tailnet rules); made here when absent. */
  writer?: AlertWriter;
}

/** Raises and resolves alerts from bus events. */
export class AlertManager {
  private readonly unsubscribe: Array<() => void> = [];
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly writer: AlertWriter;
  private readonly groups: PathGroups;
  private readonly groupAlerts: GroupAlerts;
  private readonly devices: DeviceRules;
  private readonly telemetry: TelemetryRules;
  private readonly neverSeen: NeverSeenRule;
  private readonly aliveEvidence: AliveEvidenceRule;
  private readonly quickProbes = new Map<string, number>();
  private running = false;

  constructor(private readonly deps: AlertDeps) {
    const { ctx, options, health } = deps;
    this.clock = deps.clock ?? systemClock;
    this.timers = new Timers(this.clock);
    this.writer = deps.writer ?? new AlertWriter(ctx, { clock: this.clock });
    const windowMs = options.foldWindowMs ?? 3000;
    this.groups = new PathGroups({ ctx, health, options: { windowMs }, onRelease: (g) => this.release(g) });
    this.groupAlerts = new GroupAlerts({ writer: this.writer, health });
    this.devices = new DeviceRules({
      writer: this.writer, timers: this.timers, clock: this.clock, groups: this.groups, groupAlerts: this.groupAlerts, health,
      options: { holdMs: options.holdMs, settleMs: options.settleMs, windowMs },
      probeNow: deps.probeNow,
    });
    this.telemetry = new TelemetryRules(this.writer, options);
    this.neverSeen = new NeverSeenRule({ ctx, writer: this.writer, timers: this.timers, health, afterMs: options.neverSeenAfterMs });
    this.aliveEvidence = new AliveEvidenceRule({ bus: ctx.bus, writer: this.writer });
  }

  start(): void {
    const { bus } = this.deps.ctx;
    this.running = true;
    this.unsubscribe.push(
      bus.on('device.state', (e) => {
        const { deviceId, health, from } = e.data;
        if (health.state === 'up' || health.state === 'degraded') this.neverSeen.onSeen(deviceId);
        this.devices.onDeviceState(deviceId, health, from);
        const behind = this.groups.groupOfUpstream(deviceId);
        if (behind) this.rejudge(behind);
      }),
      bus.on('path.state', (e) => this.onPathState(e.data.deviceId, e.data.path.network, e.data.path.state)),
      bus.on('node.status', (e) => this.telemetry.onStatus(e.data.deviceId, e.data.status)),
      bus.on('link.changed', () => this.groups.forget()),
      bus.on('inventory.imported', () => this.forgetMap()),
      bus.on('device.changed', (e) => {
        if (e.data.change === 'removed') this.retireDevice(e.data.deviceId);
        // A rename changes the name alerts use; a removal takes its links with it (no link.changed).
        this.writer.forgetName(e.data.deviceId);
        this.groups.forget();
      }),
      ...this.aliveEvidence.start(),
    );
    this.neverSeen.start();
  }

  stop(): void {
    this.running = false;
    for (const off of this.unsubscribe.splice(0)) off();
    this.timers.clear();
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
    this.writer.forgetName();
    this.groups.forget();
  }

  /** A device left the map: nothing more will be heard from it, so its open alerts resolve and its timers stop. */
  private retireDevice(deviceId: string): void {
    this.timers.cancelDevice(deviceId);
    const name = this.writer.name(deviceId);
    for (const a of this.writer.openOf(deviceId)) this.writer.resolve(a, `${name} removed from the map`);
    this.devices.forget(deviceId);
    this.telemetry.forget(deviceId);
    this.aliveEvidence.forget(deviceId);
    this.writer.forgetName(deviceId);
  }

  private onPathState(deviceId: string, network: 'lan' | 'tailscale', state: string): void {
    for (const g of this.groups.groupsOf(deviceId, network)) {
      if (state === 'down' && g.upstreamId) this.probeUpstream(g);
      // A folded device back on its own while the group is still down leaves the folded list.
      if (state === 'up' && this.groups.isDown(g.id)) this.groupAlerts.unfold(g, deviceId);
      if (state === 'up') this.rejudge(g);
    }
    this.devices.onPathState(deviceId, network, state);
  }

  /** Paths through an upstream went quiet: have it polled now, and take one quick look with a short timeout. */
  private probeUpstream(g: PathGroup): void {
    const up = g.upstreamId as string;
    this.deps.probeNow?.(up);
    const check = this.deps.checkNow;
    const now = this.clock.now();
    if (!check || now - (this.quickProbes.get(g.id) ?? -Infinity) < 1000) return;
    this.quickProbes.set(g.id, now);
    void check(up, this.deps.options.upstreamProbeTimeoutMs ?? 1000).then(
      (answered) => {
        if (answered === null || !this.running) return;
        this.groups.noteQuickProbe(g.id, answered, this.clock.now());
        if (answered) this.rejudge(g);
      },
      () => {},
    );
  }

  /** Judge a group again; a released one lets its folded devices speak for themselves. */
  private rejudge(g: PathGroup): void {
    this.groups.judge(g, this.clock.now());
  }

  /**
   * The shared part works again. Its folded devices that stay down get their own
   * alert after one hold (time for the engine's fresh polls to see them back);
   * the group's own alert resolves as its device does (or, for the tailnet, after the settle time).
   */
  private release(g: PathGroup): void {
    const folded = this.groupAlerts.foldedOf(g);
    this.groupAlerts.forget(g);
    for (const id of folded) {
      this.deps.probeNow?.(id);
      this.timers.set({ rule: 'after-upstream', deviceId: id }, this.deps.options.holdMs, () => {
        const h = this.deps.health(id);
        if (h.paths.some((p) => p.network === g.network && p.state === 'down')) this.devices.decideNow(id);
      });
    }
    if (g.upstreamId) this.devices.scheduleSettle(g.upstreamId);
    else {
      this.timers.set({ rule: 'group', groupId: g.id }, this.deps.options.settleMs, () => {
        const open = this.groupAlerts.find(g);
        if (open && !this.groups.isDown(g.id)) this.writer.resolve(open, 'Tailscale paths are back');
      });
    }
  }
}
