/**
 * Derivation of live health from the engine's paths: a path's health as shown, a
 * device's health and state from its paths, its last status and when it was last
 * seen. Pure bookkeeping on the injected clock: the engine schedules and feeds it,
 * the outcome publisher (outcome-publisher.ts) reads it. Publishes `device.state`
 * when a device's derived state moves and `node.status` when a status is news.
 */
import type { Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { cameraProtocolOf } from '../cameras/health.ts';
import type { DeviceHealth, DeviceState, NodeStatus, PathHealth } from '../health-types.ts';
import { trustOf } from '../trust/pins.ts';
import { deriveDeviceState, statusNewsKey } from './device-state.ts';
import type { PathEntry } from './path-entry.ts';
import { ShootBook, type ShootFigures } from './shoot-book.ts';

/**
 * What of a status is news on the bus: what a crew member sees (statusNewsKey) and
 * the take (since, clip, bitrate), which the shoot book and the shoot rules read
 * from `node.status` instead of being called.
 */
function newsKey(status: NodeStatus): string {
  const r = status.recording;
  return `${statusNewsKey(status)}|${r ? `${r.since}|${r.clip}|${r.bitrateBps}` : ''}`;
}

/** Every device's derived health, by device id. */
export class DeviceHealthBook {
  private readonly states = new Map<string, DeviceHealth>();
  private readonly statuses = new Map<string, { status: NodeStatus; key: string }>();
  private readonly lastSeen = new Map<string, number>();
  /** Clock offsets and recording bitrates of camera nodes (shoot); it takes bitrates from `node.status`. */
  readonly shoot: ShootBook;

  /** `entriesOf`: the engine's paths of a device. */
  constructor(private readonly deps: { ctx: Ctx; clock: Clock; entriesOf: (deviceId: string) => Iterable<PathEntry> }) {
    this.shoot = new ShootBook({ now: () => deps.clock.now() });
  }

  /** A path of the device answered at `at`. */
  seen(deviceId: string, at: number): void {
    this.lastSeen.set(deviceId, at);
  }

  /** A runner reported a status: kept for health, published as `node.status` when it is news. */
  noteStatus(deviceId: string, status: NodeStatus): void {
    const key = newsKey(status);
    const prev = this.statuses.get(deviceId);
    this.statuses.set(deviceId, { status, key });
    if (prev?.key !== key) this.deps.ctx.bus.emit('node.status', { deviceId, status });
  }

  /** Live health of one device (unknown when it has no probeable path): fresh paths, the state as last published. */
  get(deviceId: string): DeviceHealth {
    const known = this.states.get(deviceId);
    if (!known) return { deviceId, state: 'unknown', paths: [], status: null, lastSeen: null };
    return { ...this.compute(deviceId, this.deps.clock.now()), state: known.state };
  }

  /** The device's state as last published ('unknown' before any). */
  stateOf(deviceId: string): DeviceState {
    return this.states.get(deviceId)?.state ?? 'unknown';
  }

  /** Every device the book knows, with its published state. */
  all(): Array<{ deviceId: string; state: DeviceState }> {
    return [...this.states.values()].map((h) => ({ deviceId: h.deviceId, state: h.state }));
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  has(deviceId: string): boolean {
    return this.states.has(deviceId);
  }

  /** The shoot side of a device (status, clock estimate, runway) without deriving its paths: the shoot rules read this. */
  shootOf(deviceId: string): ShootFigures {
    const status = this.statuses.get(deviceId)?.status ?? null;
    return { status, ...this.shoot.healthOf(deviceId, status) };
  }

  /** The state a path shows: a certificate other than the pin outranks any probe verdict (the peer may be an impostor). */
  shownState(entry: PathEntry): PathHealth['state'] {
    return entry.target.https && trustOf(this.deps.ctx).isUntrusted(entry.target.deviceId, entry.target.service) ? 'untrusted' : entry.machine.state;
  }

  pathHealth(entry: PathEntry, now: number): PathHealth {
    const { target, machine } = entry;
    return {
      network: target.network,
      address: target.address,
      service: target.service,
      port: target.port,
      state: this.shownState(entry),
      latencyMs: machine.latencyMs,
      lastError: machine.state === 'up' ? null : machine.lastError,
      failure: machine.state === 'down' ? machine.lastCategory : null,
      since: machine.since ? new Date(machine.since).toISOString() : null,
      flapping: machine.flapping,
      heartbeatAgeMs: entry.lastBeat ? now - entry.lastBeat : null,
    };
  }

  /** Derive a device's health now and keep it as published; returns the previous one (undefined for a new device). */
  settle(deviceId: string): { prev: DeviceHealth | undefined; health: DeviceHealth } {
    const prev = this.states.get(deviceId);
    const health = this.compute(deviceId, this.deps.clock.now());
    this.states.set(deviceId, health);
    return { prev, health };
  }

  /** Re-derive a device (map change, flapping, a down path failing another way); `device.state` if its state moved. */
  refresh(deviceId: string): DeviceHealth {
    const { prev, health } = this.settle(deviceId);
    if (prev && prev.state !== health.state) this.deps.ctx.bus.emit('device.state', { deviceId, health, from: prev.state });
    return health;
  }

  /** A device left the map: a device re-added under this id starts unseen. */
  forget(deviceId: string): void {
    this.states.delete(deviceId);
    this.statuses.delete(deviceId);
    this.lastSeen.delete(deviceId);
    this.shoot.forget(deviceId);
  }

  private compute(deviceId: string, now: number): DeviceHealth {
    const entries = [...this.deps.entriesOf(deviceId)];
    const paths = entries.map((p) => this.pathHealth(p, now));
    const seen = this.lastSeen.get(deviceId);
    const status = this.statuses.get(deviceId)?.status ?? null;
    return {
      deviceId,
      state: deriveDeviceState(paths),
      paths,
      status,
      lastSeen: seen ? new Date(seen).toISOString() : null,
      ...this.shoot.healthOf(deviceId, status),
      ...cameraProtocolOf(entries.map((e) => e.target.kind)),
    };
  }
}
