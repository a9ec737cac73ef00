/**
 * Prometheus metrics on a registry of this server instance (never prom-client's
 * global one, so tests and several servers in one process stay apart).
 * Every series carries `rig` (the rig's name) so one Prometheus can scrape or
 * federate many rigmaps; `rigmap_rig_info{rig}` is the one series per rig to
 * join on (docs/fleet.md).
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from './events.ts';
import type { DeviceHealth } from './health-types.ts';
import type { ProbeObserver } from './probes/engine.ts';
import type { ProbeTarget } from './probes/targets.ts';

/** The metrics of one rigmap server. */
export class RigMetrics implements ProbeObserver {
  readonly registry = new Registry();
  private readonly latencyHist: Histogram<'device' | 'network' | 'address' | 'service'>;
  private readonly errors: Counter<'device' | 'network' | 'reason'>;
  private readonly transitions: Counter<'device' | 'network' | 'to'>;
  private readonly alertsRaised: Counter<'kind'>;
  private off: Array<() => void> = [];

  constructor(private readonly deps: { health: () => DeviceHealth[]; rig?: () => string }) {
    const registers = [this.registry];
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
        for (const d of deps.health()) for (const p of d.paths) {
          if (p.state === 'out_of_scope') continue;
          this.set({ device: d.deviceId, network: p.network, address: p.address, service: p.service }, p.state === 'up' ? 1 : p.state === 'down' || p.state === 'untrusted' ? 0 : -1);
        }
      },
    });
    new Gauge({
      name: 'rigmap_path_heartbeat_age_seconds', help: 'Age of the last SSE heartbeat on a path', labelNames: pathLabels, registers,
      collect() {
        this.reset();
        for (const d of deps.health()) for (const p of d.paths) {
          if (p.heartbeatAgeMs !== null) this.set({ device: d.deviceId, network: p.network, address: p.address, service: p.service }, p.heartbeatAgeMs / 1000);
        }
      },
    });
    new Gauge({
      name: 'rigmap_device_up', help: 'Device state: 1 up, 0.5 degraded or flapping, 0.25 app closed (phone answers, app off screen), 0 down, -1 unknown', labelNames: ['device'] as const, registers,
      collect() {
        this.reset();
        const value = { up: 1, degraded: 0.5, flapping: 0.5, app_closed: 0.25, down: 0, unknown: -1 } as const;
        for (const d of deps.health()) this.set({ device: d.deviceId }, value[d.state]);
      },
    });
    // The node's own report, for fleet rules (battery, storage, runway low: src/topology/export/prometheus-rules.ts).
    const statusGauge = (name: string, help: string, value: (d: DeviceHealth) => number | null) => new Gauge({
      name, help, labelNames: ['device'] as const, registers,
      collect() {
        this.reset();
        for (const d of deps.health()) {
          const v = value(d);
          if (v !== null && Number.isFinite(v)) this.set({ device: d.deviceId }, v);
        }
      },
    });
    statusGauge('rigmap_node_battery_level', 'Battery level 0-1 as the node reports it', (d) => d.status?.battery.level ?? null);
    statusGauge('rigmap_node_charging', '1 when the node is charging, 0 when not', (d) => (d.status ? Number(d.status.battery.charging) : null));
    statusGauge('rigmap_node_storage_free_ratio', 'Free share 0-1 of the node\'s storage', (d) => (d.status && d.status.storage.totalBytes > 0 ? d.status.storage.freeBytes / d.status.storage.totalBytes : null));
    new Gauge({
      name: 'rigmap_node_runway_minutes', help: 'Minutes of recording left by storage and by battery, when the node tells', labelNames: ['device', 'kind'] as const, registers,
      collect() {
        this.reset();
        for (const d of deps.health()) {
          // Runway arrives with the node's recording status (an optional health field); absent, no series.
          const runway = (d as { runway?: { storageMinutes?: number | null; batteryMinutes?: number | null } }).runway;
          if (typeof runway?.storageMinutes === 'number') this.set({ device: d.deviceId, kind: 'storage' }, runway.storageMinutes);
          if (typeof runway?.batteryMinutes === 'number') this.set({ device: d.deviceId, kind: 'battery' }, runway.batteryMinutes);
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

  /** Count transitions and alerts from the bus. */
  subscribe(bus: EventBus): void {
    this.off.push(
      bus.on('path.state', (e) => this.transitions.inc({ device: e.data.deviceId, network: e.data.path.network, to: e.data.path.state })),
      bus.on('alert.raised', (e) => this.alertsRaised.inc({ kind: e.data.alert.kind })),
    );
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
