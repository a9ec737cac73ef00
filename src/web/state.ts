/**
 * The dashboard's one store: the topology, live health per device, reach per
 * device and alerts. Views subscribe to what they draw; live events patch the
 * store in place so nothing is refetched for a state change.
 */
import type { Alert, DeviceHealth, DeviceState, PathHealth, PathState } from '../topology/health-types.ts';
import type { Network } from '../topology/model.ts';
import type { DeviceReach } from '../topology/reach.ts';
import type { AlertsDoc, LiveDevice, LiveTopology, ReachDoc } from './api.ts';

export type Topic = 'topology' | 'health' | 'reach' | 'alerts';
type Listener = (detail: { deviceId?: string }) => void;

/** The store's data plus a tiny subscription mechanism. */
export class Store {
  topology: LiveTopology | null = null;
  devices = new Map<string, LiveDevice>();
  health = new Map<string, DeviceHealth>();
  reach = new Map<string, DeviceReach>();
  viewer: ReachDoc['viewer'] | null = null;
  alerts: AlertsDoc = { open: [], recent: [] };
  alertsAvailable = true;
  private listeners = new Map<Topic, Set<Listener>>();

  on(topic: Topic, fn: Listener): void {
    if (!this.listeners.has(topic)) this.listeners.set(topic, new Set());
    this.listeners.get(topic)!.add(fn);
  }

  emit(topic: Topic, detail: { deviceId?: string } = {}): void {
    for (const fn of this.listeners.get(topic) ?? []) fn(detail);
  }

  setTopology(t: LiveTopology): void {
    this.topology = t;
    this.devices = new Map(t.devices.map((d) => [d.id, d]));
    for (const d of t.devices) if (d.health) this.health.set(d.id, d.health);
    for (const id of [...this.health.keys()]) if (!this.devices.has(id)) this.health.delete(id);
    this.emit('topology');
  }

  setReach(doc: ReachDoc): void {
    this.viewer = doc.viewer;
    this.reach = new Map(Object.entries(doc.devices));
    this.emit('reach');
  }

  setAlerts(doc: AlertsDoc): void {
    this.alerts = { open: doc.open ?? [], recent: doc.recent ?? [] };
    this.emit('alerts');
  }

  /** Replace a device's health (device.state events). */
  setHealth(health: DeviceHealth): void {
    this.health.set(health.deviceId, health);
    this.emit('health', { deviceId: health.deviceId });
  }

  /** Patch one path into a device's health (path.state events). */
  setPath(deviceId: string, path: PathHealth): void {
    const h = this.health.get(deviceId) ?? { deviceId, state: 'unknown' as DeviceState, paths: [], status: null, lastSeen: null };
    const same = (p: PathHealth) => p.network === path.network && p.address === path.address && p.service === path.service;
    const paths = h.paths.some(same) ? h.paths.map((p) => (same(p) ? path : p)) : [...h.paths, path];
    this.setHealth({ ...h, paths });
  }

  setStatus(deviceId: string, status: DeviceHealth['status']): void {
    const h = this.health.get(deviceId) ?? { deviceId, state: 'unknown' as DeviceState, paths: [], status: null, lastSeen: null };
    this.setHealth({ ...h, status });
  }

  upsertAlert(alert: Alert): void {
    const without = (list: Alert[]) => list.filter((a) => a.id !== alert.id);
    const open = alert.resolvedAt ? without(this.alerts.open) : [alert, ...without(this.alerts.open)];
    const recent = [alert, ...without(this.alerts.recent)].slice(0, 200);
    this.alerts = { open, recent };
    this.emit('alerts');
  }

  stateOf(deviceId: string): DeviceState {
    return this.health.get(deviceId)?.state ?? 'unknown';
  }
}

/** The state of one network's attachment: best of its paths (up if any path there is up). */
export function networkState(health: DeviceHealth | undefined, network: Network): { state: PathState | 'none'; latencyMs: number | null; error: string | null } {
  const paths = (health?.paths ?? []).filter((p) => p.network === network);
  if (paths.length === 0) return { state: 'none', latencyMs: null, error: null };
  const up = paths.filter((p) => p.state === 'up');
  if (up.length > 0) {
    const lat = up.map((p) => p.latencyMs).filter((n): n is number => typeof n === 'number');
    return { state: 'up', latencyMs: lat.length ? Math.min(...lat) : null, error: null };
  }
  const down = paths.find((p) => p.state === 'down');
  if (down) return { state: 'down', latencyMs: null, error: down.lastError };
  if (paths.every((p) => p.state === 'out_of_scope')) return { state: 'out_of_scope', latencyMs: null, error: null };
  return { state: 'unknown', latencyMs: null, error: null };
}
