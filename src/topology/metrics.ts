/**
 * Prometheus metrics on a registry of this server instance (never prom-client's
 * global one, so tests and several servers in one process stay apart).
 * Every series carries `rig` (the rig's name) so one Prometheus can scrape or
 * federate many rigmaps; `rigmap_rig_info{rig}` is the one series per rig to
 * join on (docs/fleet.md).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { systemClock, type Clock } from './clock.ts';
import type { EventBus } from './events.ts';
import type { DeviceState, NodeStatus, PathState, RunwayHealth } from './health-types.ts';
import type { ProbeObserver } from './probes/engine.ts';
import type { ProbeMap, ProbeOutcome } from './probes/outcome.ts';
import type { ProbeTarget } from './probes/targets.ts';

/** What the metrics keep of one path (from `probe.map` and `probe.outcome`). */
interface PathSeries {
  target: ProbeTarget;
  state: PathState;
  lastBeat: number | null;
}

/** What the metrics keep of one device (state from outcomes and `device.state`, status, runway). */
interface DeviceSeries {
  state: DeviceState;
  status: NodeStatus | null;
  runway: RunwayHealth | null;
}

/**
 * The metrics of one rigmap server: a subscriber of the bus like every other. It
 * keeps the state the gauges show (each path's state and last beat, each device's
 * state, status and runway) from the events, so a scrape reads that state and
 * never asks the engine to recompute the rig's health.
 */
export class RigMetrics implements ProbeObserver {
  readonly registry = new Registry();
  private readonly latencyHist: Histogram<'device' | 'network' | 'address' | 'service'>;
  private readonly errors: Counter<'device' | 'network' | 'reason'>;
  private readonly transitions: Counter<'device' | 'network' | 'to'>;
  private readonly alertsRaised: Counter<'kind'>;
  private off: Array<() => void> = [];
  private readonly paths = new Map<string, PathSeries>();
  private readonly devices = new Map<string, DeviceSeries>();
  private readonly clock: Clock;

  constructor(private readonly deps: { rig?: () => string; clock?: Clock } = {}) {
    this.clock = deps.clock ?? systemClock;
    const registers = [this.registry];
    const paths = this.paths;
    const devices = this.devices;
    const clock = this.clock;
    const labelsOf = (t: ProbeTarget) => ({ device: t.deviceId, network: t.network, address: t.address, service: t.service });
    new Gauge({
      name: 'rigmap_rig_info', help: 'Always 1; its rig label names the rig this rigmap watches (join on it)', registers,
      collect() {
        this.set(1);
      },
    });
    const pathLabels = ['device', 'network', 'address', 'service'] as const;
    new Gauge({
      name: 'rigmap_path_up', help: 'Path state: 1 up, 0 down or untrusted (certificate changed), -1 unknown (out-of-scope paths are left out)', labelNames: pathLabels, registers,
      collect() {
        this.reset();
        for (const p of paths.values()) {
          if (p.state === 'out_of_scope') continue;
          this.set(labelsOf(p.target), p.state === 'up' ? 1 : p.state === 'down' || p.state === 'untrusted' ? 0 : -1);
        }
      },
    });
    new Gauge({
      name: 'rigmap_path_heartbeat_age_seconds', help: 'Age of the last SSE heartbeat on a path', labelNames: pathLabels, registers,
      collect() {
        this.reset();
        const now = clock.now();
        for (const p of paths.values()) if (p.lastBeat !== null) this.set(labelsOf(p.target), (now - p.lastBeat) / 1000);
      },
    });
    new Gauge({
      name: 'rigmap_device_up', help: 'Device state: 1 up, 0.5 degraded or flapping, 0.25 app closed (phone answers, app off screen), 0 down, -1 unknown', labelNames: ['device'] as const, registers,
      collect() {
        this.reset();
        const value = { up: 1, degraded: 0.5, flapping: 0.5, app_closed: 0.25, down: 0, unknown: -1 } as const;
        for (const [device, d] of devices) this.set({ device }, value[d.state]);
      },
    });
    // The node's own report (as of its last news: whole battery %, 0.1 GB), for fleet rules (src/topology/export/prometheus-rules.ts).
    const statusGauge = (name: string, help: string, value: (s: NodeStatus) => number | null) => new Gauge({
      name, help, labelNames: ['device'] as const, registers,
      collect() {
        this.reset();
        for (const [device, d] of devices) {
          const v = d.status ? value(d.status) : null;
          if (v !== null && Number.isFinite(v)) this.set({ device }, v);
        }
      },
    });
    statusGauge('rigmap_node_battery_level', 'Battery level 0-1 as the node reports it', (st) => st.battery?.level ?? null);
    statusGauge('rigmap_node_charging', '1 when the node is charging, 0 when not', (st) => (st.battery ? Number(st.battery.charging) : null));
    statusGauge('rigmap_node_storage_free_ratio', 'Free share 0-1 of the node\'s storage', (st) => (st.storage && st.storage.totalBytes > 0 ? st.storage.freeBytes / st.storage.totalBytes : null));
    new Gauge({
      name: 'rigmap_node_runway_minutes', help: 'Minutes of recording left by storage and by battery, when the node tells', labelNames: ['device', 'kind'] as const, registers,
      collect() {
        this.reset();
        for (const [device, d] of devices) {
          // Runway arrives with the node's recording status (device.shoot); absent, no series.
          if (typeof d.runway?.storageMinutes === 'number') this.set({ device, kind: 'storage' }, d.runway.storageMinutes);
          if (typeof d.runway?.batteryMinutes === 'number') this.set({ device, kind: 'battery' }, d.runway.batteryMinutes);
        }
      },
    });
    this.latencyHist = new Histogram({
      name: 'rigmap_path_latency_seconds', help: 'Round-trip time of successful polls', labelNames: pathLabels, registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    });
    this.errors = new Counter({ name: 'rigmap_probe_errors_total', help: 'Failed probes by reason', labelNames: ['device', 'network', 'reason'] as const, registers });
    this.transitions = new Counter({ name: 'rigmap_path_transitions_total', help: 'Path state changes', labelNames: ['device', 'network', 'to'] as const, registers });
    this.alertsRaised = new Counter({ name: 'rigmap_alerts_raised_total', help: 'Alerts raised by kind', labelNames: ['kind'] as const, registers });
  }

  /** Take everything the gauges and counters show from the bus. */
  subscribe(bus: EventBus): void {
    this.off.push(
      bus.on('probe.map', (e) => this.onMap(e.data)),
      bus.on('probe.outcome', (e) => this.onOutcome(e.data)),
      bus.on('device.state', (e) => {
        this.device(e.data.deviceId).state = e.data.health.state;
      }),
      bus.on('node.status', (e) => {
        this.device(e.data.deviceId).status = e.data.status;
      }),
      bus.on('device.shoot', (e) => {
        this.device(e.data.deviceId).runway = e.data.runway;
      }),
      bus.on('alert.raised', (e) => this.alertsRaised.inc({ kind: e.data.alert.kind })),
    );
  }

  /** The engine's paths after a reload: new ones start unknown, gone ones lose their series. */
  private onMap(map: ProbeMap): void {
    const wanted = new Map(map.targets.map((t) => [t.key, t]));
    for (const [key, p] of this.paths) if (!wanted.has(key)) {
      this.dropped(p.target);
      this.paths.delete(key);
    }
    for (const t of map.targets) {
      const known = this.paths.get(t.key);
      if (known) known.target = t;
      else this.paths.set(t.key, { target: t, state: t.inScope ? 'unknown' : 'out_of_scope', lastBeat: null });
    }
    const ids = new Set(map.devices.map((d) => d.deviceId));
    for (const id of this.devices.keys()) if (!ids.has(id)) this.devices.delete(id);
    for (const d of map.devices) this.device(d.deviceId).state = d.state;
  }

  private onOutcome(o: ProbeOutcome): void {
    const { target } = o;
    let p = this.paths.get(target.key);
    if (!p) this.paths.set(target.key, (p = { target, state: o.path.state, lastBeat: null }));
    p.state = o.path.state;
    p.lastBeat = o.path.lastBeat;
    this.device(target.deviceId).state = o.deviceState;
    if (o.ok && o.latencyMs !== null) this.latency(target, o.latencyMs);
    if (!o.ok && o.category) this.error(target, o.category);
    if (o.transition) this.transitions.inc({ device: target.deviceId, network: target.network, to: o.transition.to });
  }

  private device(id: string): DeviceSeries {
    let d = this.devices.get(id);
    if (!d) this.devices.set(id, (d = { state: 'unknown', status: null, runway: null }));
    return d;
  }

  unsubscribe(): void {
    for (const off of this.off.splice(0)) off();
  }

  latency(t: ProbeTarget, ms: number): void {
    this.latencyHist.observe({ device: t.deviceId, network: t.network, address: t.address, service: t.service }, ms / 1000);
  }

  /** Address changes and removed paths would otherwise leave a stale latency series behind forever. */
  dropped(t: ProbeTarget): void {
    this.latencyHist.remove({ device: t.deviceId, network: t.network, address: t.address, service: t.service });
  }

  error(t: ProbeTarget, category: string): void {
    this.errors.inc({ device: t.deviceId, network: t.network, reason: category });
  }

  /** The Prometheus text exposition; the rig label is read per scrape (an import may rename the rig). */
  text(): Promise<string> {
    if (this.deps.rig) this.registry.setDefaultLabels({ rig: this.deps.rig() });
    return this.registry.metrics();
  }
}
