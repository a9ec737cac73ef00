/**
 * A small world for the alert-rule unit tests: a real database (real migrations)
 * holding a hotspot with cameras linked to it, the real bus and AlertManager, a
 * fake clock, and device health the test sets path by path, published on the bus
 * as the probe engine would.
 */
import { join } from 'node:path';
import { AlertManager, type AlertOptions } from '../../src/topology/alerts/manager.ts';
import { listAlerts } from '../../src/topology/alerts/store.ts';
import { FakeClock } from '../helpers/fake-clock.ts';
import type { Ctx } from '../../src/topology/context.ts';
import { deriveDeviceState } from '../../src/topology/probes/device-state.ts';
import { EventBus } from '../../src/topology/events.ts';
import type { Alert, DeviceHealth, NodeStatus, PathHealth } from '../../src/topology/health-types.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import type { Network, Role } from '../../src/topology/model.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';

export { FakeClock };

interface PathSim {
  state: PathHealth['state'];
  since: number;
  lastBeat: number | null;
}

/**
 * The world; `cameras` cameras cam-1… linked to the upstream (by default the
 * hotspot "hotspot"; `upstream` names another, e.g. a relay), each with a LAN and a Tailscale path.
 */
export function makeWorld(opts: { cameras?: number; options?: Partial<AlertOptions>; checkNow?: (id: string) => Promise<boolean | null>; neverSeen?: string[]; upstream?: { id: string; name: string; role: Role } } = {}) {
  const hub = opts.upstream ?? { id: 'hotspot', name: 'Hotspot', role: 'hotspot' };
  const { dir, cleanup } = makeTempDir('rigmap-alerts-');
  const store = openDb(join(dir, 'rigmap.db'));
  const bus = new EventBus();
  const ctx: Ctx = { db: store.db, bus, actor: 'test' };
  const cams = Array.from({ length: opts.cameras ?? 3 }, (_, i) => `cam-${i + 1}`);
  const svc = [{ name: 'camera-node', protocol: 'http', port: 8080 }];
  importInventoryText({
    ctx,
    text: JSON.stringify({
      version: 1,
      devices: [
        { id: hub.id, name: hub.name, role: hub.role, addresses: [{ network: 'lan', ip: '127.41.1.1' }], services: [{ name: 'admin', protocol: 'http', port: 80 }] },
        ...cams.map((id, i) => ({ id, name: id, role: 'camera', expected: true, addresses: [{ network: 'lan', ip: `127.41.1.${10 + i}` }, { network: 'tailscale', ip: `127.141.1.${10 + i}` }], services: svc })),
      ],
      links: cams.map((id) => ({ from: id, to: hub.id, kind: 'wifi' })),
    }),
  });
  const clock = new FakeClock();
  const paths = new Map<string, Map<Network, PathSim>>();
  const statuses = new Map<string, NodeStatus>();
  const lastSeen = new Map<string, number>();
  const published = new Map<string, DeviceHealth['state']>();
  /** Paths still up but no longer beating (gone quiet, not yet declared lost). */
  const hushed = new Set<string>();
  const nets = (id: string): Network[] => (id === hub.id ? ['lan'] : ['lan', 'tailscale']);
  for (const id of [hub.id, ...cams]) {
    paths.set(id, new Map(nets(id).map((n) => [n, { state: 'up', since: clock.now(), lastBeat: id === hub.id ? null : clock.now() }])));
    lastSeen.set(id, clock.now());
    published.set(id, 'up');
  }
  for (const id of opts.neverSeen ?? []) {
    for (const p of paths.get(id)!.values()) Object.assign(p, { state: 'unknown', lastBeat: null });
    lastSeen.delete(id);
    published.set(id, 'unknown');
  }
  const health = (id: string): DeviceHealth => {
    const now = clock.now();
    const list: PathHealth[] = [...(paths.get(id)?.entries() ?? [])].map(([network, p]) => ({
      network, address: '', service: 'camera-node', port: 8080, state: p.state, latencyMs: null, lastError: p.state === 'down' ? 'no heartbeat' : null,
      since: new Date(p.since).toISOString(), flapping: false, heartbeatAgeMs: p.lastBeat === null ? null : now - p.lastBeat,
    }));
    const seen = lastSeen.get(id);
    return { deviceId: id, state: published.get(id) ?? deriveDeviceState(list), paths: list, status: statuses.get(id) ?? null, lastSeen: seen ? new Date(seen).toISOString() : null };
  };
  const manager = new AlertManager({
    ctx, health, clock, checkNow: opts.checkNow ? (id) => opts.checkNow!(id) : undefined,
    options: { holdMs: 1000, settleMs: 5000, neverSeenAfterMs: 0, batteryLow: 0.15, storageLow: 0.1, foldWindowMs: 3000, ...opts.options },
  });
  manager.start();

  /** Set one path's state as the engine would see it, publishing path.state and device.state. */
  const setPath = (id: string, network: Network, state: 'up' | 'down', o: { quietSince?: number } = {}) => {
    const p = paths.get(id)!.get(network)!;
    const from = p.state as PathHealth['state'];
    p.state = state;
    p.since = clock.now();
    if (state === 'up' && id !== hub.id) p.lastBeat = clock.now();
    if (state === 'down' && o.quietSince !== undefined) p.lastBeat = o.quietSince;
    if (state === 'up') lastSeen.set(id, clock.now());
    // The last sign of life is the last beat on any path (what the engine's lastSeen tracks).
    else if (id !== hub.id) lastSeen.set(id, Math.max(...[...paths.get(id)!.values()].map((x) => x.lastBeat ?? 0)));
    const h0 = health(id);
    bus.emit('path.state', { deviceId: id, path: h0.paths.find((x) => x.network === network)!, from, reason: 'test' });
    const next = deriveDeviceState(h0.paths);
    const prev = published.get(id)!;
    published.set(id, next);
    if (next !== prev) bus.emit('device.state', { deviceId: id, health: health(id), from: prev });
  };
  /** Heartbeats arrive on every path still up (time passes for living devices). */
  const beat = () => {
    for (const [id, m] of paths) for (const [n, p] of m) if (p.state === 'up' && id !== hub.id && !hushed.has(`${id}/${n}`)) {
      p.lastBeat = clock.now();
      lastSeen.set(id, clock.now());
    }
  };
  /** Advance `ms` in 250 ms steps with heartbeats on the living paths. */
  const run = (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      beat();
      clock.advance(Math.min(250, ms - t));
    }
  };
  const alerts = () => listAlerts({ ctx, recentLimit: 1000 });
  const raised = (): string[] => {
    const { open, recent } = alerts();
    return [...open, ...recent].sort((a, b) => a.id - b.id).map((a) => `${a.kind}:${a.deviceId}${a.network ? `:${a.network}` : ''}`);
  };
  const open = (kind: Alert['kind'], deviceId: string) => alerts().open.find((a) => a.kind === kind && a.deviceId === deviceId);
  return {
    ctx, clock, cams, manager, setPath, run, alerts, raised, open, health,
    /** The path stops beating (still up until the test declares it lost). */
    hush: (id: string, network: Network) => hushed.add(`${id}/${network}`),
    setStatus: (id: string, s: NodeStatus) => {
      statuses.set(id, s);
      bus.emit('node.status', { deviceId: id, status: s });
    },
    close: () => {
      manager.stop();
      store.close();
      cleanup();
    },
  };
}
