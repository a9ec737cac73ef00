/**
 * The probe engine: one scheduler per path (Gatus style), staggered with jitter,
 * bounded concurrency for polls, keep-alive agents. Each result a runner reports
 * goes through the path's state machine and out as one `probe.outcome` on the bus
 * (then `path.state` / `device.state` when it moved something); metrics and
 * history subscribe to it, nothing is called directly. Picks up map changes
 * without a restart: bus events from this process and `PRAGMA data_version` for
 * changes the CLI makes from another one (each reload publishes `probe.map`).
 * Scheduling only: deriving health is device-health-book.ts, publishing a result
 * outcome-publisher.ts, the flap window path-entry.ts.
 */
import http from 'node:http';
import type https from 'node:https';
import pLimit, { type LimitFunction } from 'p-limit';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { DeviceHealth } from '../health-types.ts';
import { cameraProtocol } from '../cameras/registry.ts';
import { lazyAgents, quickCheck } from './http-get.ts';
import { trustOf } from '../trust/pins.ts';
import { DeviceHealthBook } from './device-health-book.ts';
import { publishOutcome } from './outcome-publisher.ts';
import { type PathEntry, tickFlapping } from './path-entry.ts';
import { PathMachine, type PathMachineOptions, type ProbeFailure } from './path-machine.ts';
import type { ProbeRunner, ProbeSink, RunnerDeps } from './runner.ts';
import type { ProbeScope } from './scope.ts';
import type { ShootBook, ShootFigures } from './shoot-book.ts';
import { SimpleProbeRunner } from './simple-probes.ts';
import { buildTargets, type ProbeTarget, sameProbe } from './targets.ts';

/** Engine settings (from config). */
export interface ProbeEngineOptions extends PathMachineOptions {
  scope: ProbeScope;
  intervalMs: number;
  heartbeatFactor: number;
  /** Heartbeat interval asked of camera nodes (contract v1.1); 0 or absent: the node's own. */
  heartbeatMs?: number;
  /** Per-request timeout of polls; default min(interval, 3 s). */
  timeoutMs?: number;
  /** Polls in flight at once across the engine. */
  concurrency?: number;
  /** Spread first probes over this many ms so a big rig does not start in one burst. */
  staggerMs?: number;
  /** How often to look for changes made by another process; 0 turns it off. */
  dataVersionPollMs?: number;
}

/** Where transitions and samples go (src/topology/history; fed from `probe.outcome`). */
export interface HealthRecorder {
  recordTransition(t: { target: ProbeTarget; from: string; to: string; reason: string; at: number }): void;
  recordSample(t: { target: ProbeTarget; ok: boolean; latencyMs: number | null; at: number }): void;
}

/** Per-probe observations for metrics (fed from `probe.outcome` and `probe.map`). */
export interface ProbeObserver {
  latency(target: ProbeTarget, ms: number): void;
  error(target: ProbeTarget, category: string): void;
  /** A path left the map (or changed address): forget its series. */
  dropped(target: ProbeTarget): void;
}

/** Probes every path of the map and keeps live health. */
export class ProbeEngine {
  private readonly paths = new Map<string, PathEntry>();
  private readonly byDevice = new Map<string, Set<PathEntry>>();
  private readonly book: DeviceHealthBook;
  private readonly limit: LimitFunction;
  private readonly pollAgent = new http.Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
  private readonly streamAgent = new http.Agent({ keepAlive: false });
  // https paths get agents of their own from the trust store (src/topology/trust/): each holds to its device's pinned certificate.
  private readonly unsubscribe: Array<() => void> = [];
  private timers: TimerHandle[] = [];
  private reloadTimer: TimerHandle | null = null;
  private readonly clock: Clock;
  private dataVersion = -1;
  running = false;

  /**
   * `onReload`: after every re-read of the map (CLI changes too, via data_version), with the devices that left it.
   * `clock`: the one Clock (time of outcomes, the engine's and the runners' schedules); a FakeClock in tests.
   * `runnerFor`: which runner probes a target, when not the protocol registry's (tests drive a scripted camera).
   */
  constructor(private readonly deps: {
    ctx: Ctx; options: ProbeEngineOptions; onReload?: (e: { removed: string[] }) => void;
    clock?: Clock; runnerFor?: (deps: RunnerDeps) => ProbeRunner | null;
  }) {
    this.limit = pLimit(deps.options.concurrency ?? 128);
    this.clock = deps.clock ?? systemClock;
    this.book = new DeviceHealthBook({ ctx: deps.ctx, clock: this.clock, entriesOf: (id) => this.byDevice.get(id) ?? [] });
  }

  /** Clock offsets and recording bitrates of camera nodes (shoot). */
  get shoot(): ShootBook {
    return this.book.shoot;
  }

  /** Load the map and start probing; resolves at once (probes run in the background). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const { bus } = this.deps.ctx;
    this.unsubscribe.push(this.shoot.subscribe(bus));
    for (const type of ['device.changed', 'link.changed', 'inventory.imported'] as const) {
      this.unsubscribe.push(bus.on(type, () => this.scheduleReload()));
    }
    this.reload();
    const pollMs = this.deps.options.dataVersionPollMs ?? 1000;
    if (pollMs > 0) this.timers.push(this.clock.setInterval(() => this.checkDataVersion(), pollMs));
    this.timers.push(this.clock.setInterval(() => {
      for (const id of tickFlapping(this.paths.values(), this.clock.now())) this.book.refresh(id);
    }, 1000));
  }

  /** Stop every runner and timer; close sockets. */
  stop(): void {
    this.running = false;
    for (const off of this.unsubscribe.splice(0)) off();
    for (const t of this.timers.splice(0)) this.clock.clearInterval(t);
    if (this.reloadTimer !== null) this.clock.clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    for (const entry of this.paths.values()) entry.runner?.stop();
    for (const agent of [this.pollAgent, this.streamAgent]) agent.destroy();
    for (const entry of this.paths.values()) this.dropTls(entry);
  }

  /** Live health of one device (unknown when it has no probeable path). */
  getDeviceHealth(deviceId: string): DeviceHealth {
    return this.book.get(deviceId);
  }

  /** Every device's health, for /api/topology and the roll call. */
  allHealth(): DeviceHealth[] {
    return this.book.ids().map((id) => this.book.get(id));
  }

  /** A camera's shoot side (status, clock, runway) without deriving its paths, for the shoot rules. */
  shootOf(deviceId: string): ShootFigures {
    return this.book.shootOf(deviceId);
  }

  /** Counts for /healthz. */
  summary(): { running: boolean; paths: number; up: number; down: number; unknown: number; outOfScope: number } {
    const out = { running: this.running, paths: this.paths.size, up: 0, down: 0, unknown: 0, outOfScope: 0 };
    for (const p of this.paths.values()) {
      if (p.machine.state === 'up') out.up++;
      else if (p.machine.state === 'down') out.down++;
      else if (p.machine.state === 'out_of_scope') out.outOfScope++;
      else out.unknown++;
    }
    return out;
  }

  /** Probe every path of a device now (alerts ask before blaming a device whose upstream may be down). */
  probeNow(deviceId: string): void {
    for (const entry of this.byDevice.get(deviceId) ?? []) entry.runner?.probeNow();
  }

  /** One quick look at a device outside its schedule and state machine (see `quickCheck`). */
  checkNow(deviceId: string, timeoutMs: number): Promise<boolean | null> {
    const entries = [...(this.byDevice.get(deviceId) ?? [])].filter((e) => e.runner);
    return Promise.all(entries.map((e) => quickCheck({ targets: [e.target], timeoutMs, agents: lazyAgents(this.streamAgent, () => this.tlsOf(e).stream) })))
      .then((r) => (r.length === 0 ? null : r.some(Boolean)));
  }

  /** Re-read the map soon (many events from one import collapse into one reload). */
  scheduleReload(): void {
    if (!this.running || this.reloadTimer !== null) return;
    this.reloadTimer = this.clock.setTimeout(() => {
      this.reloadTimer = null;
      this.reload();
    }, 50);
  }

  private checkDataVersion(): void {
    const sqlite = (this.deps.ctx.db as unknown as { $client: { pragma(s: string, o: { simple: true }): number } }).$client;
    const version = sqlite.pragma('data_version', { simple: true });
    if (this.dataVersion !== -1 && version !== this.dataVersion) this.scheduleReload();
    this.dataVersion = version;
  }

  /** Diff the map against running paths: start new ones, stop removed ones, restart changed ones. */
  reload(): void {
    if (!this.running) return;
    const { options } = this.deps;
    const devices = loadDevices(this.deps.ctx.db);
    trustOf(this.deps.ctx).refresh(); // a re-trust from the CLI reaches the server through the database
    const targets = buildTargets({ devices, scope: options.scope, defaultIntervalMs: options.intervalMs });
    const wanted = new Map(targets.map((t) => [t.key, t]));
    const touched = new Set<string>();
    for (const [key, entry] of this.paths) {
      const next = wanted.get(key);
      if (next && sameProbe(next, entry.target)) continue;
      entry.runner?.stop();
      this.dropTls(entry);
      this.paths.delete(key);
      this.byDevice.get(entry.target.deviceId)?.delete(entry);
      touched.add(entry.target.deviceId);
    }
    const stagger = options.staggerMs ?? Math.min(options.intervalMs, 1000);
    for (const target of targets) {
      if (this.paths.has(target.key)) continue;
      const machine = new PathMachine(options);
      const entry: PathEntry = { target, machine, runner: null, lastBeat: null, tls: null };
      this.paths.set(target.key, entry);
      let set = this.byDevice.get(target.deviceId);
      if (!set) this.byDevice.set(target.deviceId, (set = new Set()));
      set.add(entry);
      touched.add(target.deviceId);
      if (!target.inScope) {
        machine.state = 'out_of_scope';
        machine.lastError = `${target.address} is outside the probe scope (${options.scope.text})`;
        continue;
      }
      entry.runner = this.makeRunner(entry);
      entry.runner.start(Math.random() * stagger);
    }
    const ids = new Set(devices.map((d) => d.id));
    const removed = this.book.ids().filter((id) => !ids.has(id));
    for (const id of removed) {
      this.byDevice.delete(id);
      this.book.forget(id);
    }
    for (const id of ids) if (touched.has(id) || !this.book.has(id)) this.book.refresh(id);
    this.deps.ctx.bus.emit('probe.map', { targets: [...this.paths.values()].map((e) => e.target), devices: this.book.all() });
    this.deps.onReload?.({ removed });
  }

  private makeRunner(entry: PathEntry): ProbeRunner {
    const { options } = this.deps;
    const timeoutMs = options.timeoutMs ?? Math.max(500, Math.min(entry.target.intervalMs, 3000));
    const tlsOf = (e: PathEntry) => this.tlsOf(e);
    const deps: RunnerDeps = {
      target: entry.target,
      sink: this.sinkFor(entry),
      limit: this.limit,
      pollAgent: this.pollAgent,
      streamAgent: this.streamAgent,
      // Getters: an http path never reads them, so it never makes the pinned agents (2 per https path).
      get tlsPollAgent() { return tlsOf(entry).poll; },
      get tlsStreamAgent() { return tlsOf(entry).stream; },
      timeoutMs,
      heartbeatFactor: options.heartbeatFactor,
      heartbeatMs: options.heartbeatMs,
      clock: this.shoot.clockSink(entry.target.deviceId),
      scheduler: this.clock,
    };
    const given = this.deps.runnerFor?.(deps);
    if (given) return given;
    // A camera speaks its protocol (camera-node, Blackmagic, …); any other service gets a plain HTTP/TCP probe.
    return cameraProtocol(entry.target.kind)?.createRunner(deps) ?? new SimpleProbeRunner(deps);
  }

  /** The pinned agents of a path, made on first use (an http path never opens them). */
  private tlsOf(entry: PathEntry): { poll: https.Agent; stream: https.Agent } {
    if (!entry.tls) {
      const trust = trustOf(this.deps.ctx);
      const who = { deviceId: entry.target.deviceId, service: entry.target.service };
      entry.tls = { poll: trust.agent({ ...who, keepAlive: true, maxSockets: 1 }), stream: trust.agent(who) };
    }
    return entry.tls;
  }

  private dropTls(entry: PathEntry): void {
    entry.tls?.poll.destroy();
    entry.tls?.stream.destroy();
    entry.tls = null;
  }

  private sinkFor(entry: PathEntry): ProbeSink {
    const { target } = entry;
    const live = () => this.paths.get(target.key) === entry;
    return {
      ok: (latencyMs, reason, source = 'poll') => {
        if (!live()) return;
        const now = this.clock.now();
        this.book.seen(target.deviceId, now);
        const change = entry.machine.succeed(now, latencyMs === null ? null : Math.round(latencyMs * 10) / 10, reason, source);
        publishOutcome(this.deps.ctx.bus, this.book, entry, { ok: true, latencyMs, at: now, source, category: null }, change);
      },
      fail: (failure: ProbeFailure) => {
        if (!live()) return;
        const now = this.clock.now();
        const before = entry.machine.lastCategory;
        const change = entry.machine.fail(now, failure);
        // A down path that now fails another way (a dropped stream, then a phone's refused port: app_closed) may change the device's state.
        if (!change && entry.machine.state === 'down' && before !== failure.category) this.book.refresh(target.deviceId);
        publishOutcome(this.deps.ctx.bus, this.book, entry, { ok: false, latencyMs: null, at: now, source: failure.source ?? 'poll', category: failure.category }, change);
      },
      // Kept for health and published as node.status when news; the shoot book and rules take it from the bus.
      status: (status) => {
        if (live()) this.book.noteStatus(target.deviceId, status);
      },
      heartbeat: (at) => {
        if (live()) entry.lastBeat = at;
      },
    };
  }
}
