/**
 * Device and path alerts: device_lost, path_lost, flapping, and their resolution.
 * A loss is held `holdMs` before raising; then each lost path is explained or not
 * by the group it goes through (path-groups.ts). Explained losses fold into the
 * group's alert; an unexplained one raises the device's own alert. Only raising
 * is ever suppressed: resolving follows the device, after `settleMs` back.
 */
import type { DeviceHealth, PathHealth } from '../health-types.ts';
import type { Network } from '../model.ts';
import type { AlertWriter } from './alert-writer.ts';
import type { Clock, Timers } from './clock.ts';
import type { GroupAlerts } from './folding.ts';
import { ALIVE_AFTER_MS, type GroupVerdict, type PathGroup, type PathGroups } from './path-groups.ts';
import { describeLost, describePathLost, networkName } from './wording.ts';

/** How often a held decision looks again while a group is still pending. */
const RECHECK_MS = 100;

/** Tuning of the device rules. */
export interface DeviceRuleOptions {
  holdMs: number;
  settleMs: number;
  /** The grouping window: how long a decision may wait for a group to make up its mind. */
  windowMs: number;
}

type DownVerdict = Extract<GroupVerdict, { state: 'down' }>;

/** What explains the loss of one path: the down group, or nothing yet / nothing. */
type Explanation = { group: PathGroup; verdict: DownVerdict } | 'pending' | null;

/** Raises, folds and resolves device-level alerts. */
export class DeviceRules {
  /** When each device last became degraded: a path only counts as lost once the device around it is reachable. */
  private readonly degradedAt = new Map<string, number>();
  /** When the device last came back from down: paths reconnect one by one, so a lagging one gets the grouping window more. */
  private readonly recoveredAt = new Map<string, number>();

  constructor(private readonly deps: {
    writer: AlertWriter;
    timers: Timers;
    clock: Clock;
    groups: PathGroups;
    groupAlerts: GroupAlerts;
    health: (id: string) => DeviceHealth;
    options: DeviceRuleOptions;
    probeNow?: (deviceId: string) => void;
  }) {}

  /** The device's state changed. */
  onDeviceState(deviceId: string, health: DeviceHealth, from: string): void {
    const { timers, options, clock } = this.deps;
    if (health.state === 'degraded' && from !== 'degraded') this.degradedAt.set(deviceId, clock.now());
    if (health.state === 'degraded' && from === 'down') this.recoveredAt.set(deviceId, clock.now());
    if (health.state === 'down') {
      timers.cancel({ rule: 'settle', deviceId });
      const started = clock.now();
      // The hold counts from the last sign of life: a device lost to silence has already been quiet for a while.
      const lastSeen = health.lastSeen ? Date.parse(health.lastSeen) : started;
      timers.set({ rule: 'hold-lost', deviceId }, Math.min(options.holdMs, lastSeen + options.holdMs - started), () => this.decideLost(deviceId, started));
    } else if (health.state === 'app_closed') {
      // A phone whose app went off screen: it answers (refused), so it is not lost. Its own, milder alert after the hold.
      timers.cancel({ rule: 'settle', deviceId });
      timers.set({ rule: 'hold-lost', deviceId }, options.holdMs, () => this.decideAppClosed(deviceId));
    } else if (health.state === 'flapping') {
      timers.cancel({ rule: 'settle', deviceId });
      const open = this.deps.writer.openOf(deviceId).some((a) => a.kind === 'device_lost' || a.kind === 'path_lost');
      // A device already in trouble keeps its one alert; otherwise flapping is the alert.
      if (!open) timers.set({ rule: 'hold-flap', deviceId }, options.holdMs, () => this.raiseFlapping(deviceId));
    } else if (health.state === 'up' || health.state === 'degraded') {
      timers.cancel({ rule: 'hold-lost', deviceId });
      timers.cancel({ rule: 'hold-flap', deviceId });
      this.scheduleSettle(deviceId);
      // Back from down with a path still lost: that path is judged on its own now (its hold counts from here).
      if (health.state === 'degraded' && from !== 'up') for (const p of health.paths) if (p.state === 'down') this.onPathState(deviceId, p.network, 'down');
    }
  }

  /** One of the device's paths changed state. */
  onPathState(deviceId: string, network: Network, state: string): void {
    if (state !== 'down') return;
    const started = this.deps.clock.now();
    this.deps.timers.set({ rule: 'hold-path', deviceId, network }, this.deps.options.holdMs, () => this.decidePath(deviceId, network, started));
  }

  /** Resolve the device's alerts once it has stayed back for the settle time. */
  scheduleSettle(deviceId: string): void {
    this.deps.timers.set({ rule: 'settle', deviceId }, this.deps.options.settleMs, () => this.settle(deviceId));
  }

  /** Look again at once (no hold): an upstream that explained this device came back. */
  decideNow(deviceId: string): void {
    const h = this.deps.health(deviceId);
    const now = this.deps.clock.now();
    if (h.state === 'down') this.decideLost(deviceId, now - this.deps.options.windowMs);
    else if (h.state === 'degraded') for (const p of h.paths) if (p.state === 'down') this.decidePath(deviceId, p.network, now - this.deps.options.windowMs, true, true);
  }

  forget(deviceId: string): void {
    this.degradedAt.delete(deviceId);
    this.recoveredAt.delete(deviceId);
  }

  /** What explains the loss of the device's path on `network` right now. */
  private explain(deviceId: string, network: Network, verdicts?: Map<string, GroupVerdict>): Explanation {
    let pending = false;
    for (const g of this.deps.groups.groupsOf(deviceId, network)) {
      // `verdicts`: one judgement per group while looking at many members at once (judging is O(members)).
      let v = verdicts?.get(g.id);
      if (!v) {
        v = this.deps.groups.judge(g, this.deps.clock.now());
        verdicts?.set(g.id, v);
      }
      if (v.state === 'down') return { group: g, verdict: v };
      if (v.state === 'pending') pending = true;
    }
    return pending ? 'pending' : null;
  }

  /**
   * The other devices behind `g` whose every lost path a down group explains right
   * now: folded into the group's alert in the step that raises it, so the first
   * notice already names them (their own holds, when they run out, find them folded).
   */
  private explainedBehind(g: PathGroup, deviceId: string): string[] {
    if (this.deps.groupAlerts.find(g)) return [];
    const out: string[] = [];
    const verdicts = new Map<string, GroupVerdict>();
    for (const id of g.members) {
      if (id === deviceId) continue;
      const h = this.deps.health(id);
      if (h.state !== 'down' && h.state !== 'degraded') continue;
      if (this.deps.writer.openOf(id).some((a) => a.kind === 'device_lost' || a.kind === 'path_lost' || a.kind === 'flapping')) continue;
      const lost = [...new Set(h.paths.filter((p) => p.state === 'down').map((p) => p.network))];
      if (!lost.includes(g.network)) continue;
      if (lost.every((n) => { const why = this.explain(id, n, verdicts); return !!why && why !== 'pending'; })) out.push(id);
    }
    return out;
  }

  /**
   * Before a group's alert is first raised: is a member's path through it still up
   * but no longer beating since the lost ones went quiet (within the slack of
   * heartbeat phases)? It is about to be lost too; the raise waits for it (bounded by
   * the grouping window) so the one alert already names every device it explains.
   */
  private othersGoingQuiet(g: PathGroup): boolean {
    const now = this.deps.clock.now();
    // Every held member asks every RECHECK_MS: one look per group per recheck, not one per member (O(members) each).
    const memo = this.quietMemo.get(g.id);
    if (memo && now - memo.at < RECHECK_MS) return memo.value;
    const value = this.lookQuiet(g, now);
    if (this.quietMemo.size > 1000) this.quietMemo.clear();
    this.quietMemo.set(g.id, { at: now, value });
    return value;
  }

  private readonly quietMemo = new Map<string, { at: number; value: boolean }>();

  private lookQuiet(g: PathGroup, now: number): boolean {
    if (this.deps.groupAlerts.find(g)) return false;
    const paths = g.members.map((id) => this.deps.health(id).paths.find((p) => p.network === g.network && (p.state === 'up' || p.state === 'down')));
    const lost = paths.filter((p): p is PathHealth => p?.state === 'down' && p.heartbeatAgeMs != null);
    if (lost.length === 0) return false;
    const quietAt = Math.max(...lost.map((p) => now - (p.heartbeatAgeMs as number)));
    return paths.some((p) => p?.state === 'up' && p.heartbeatAgeMs != null && now - p.heartbeatAgeMs <= quietAt + ALIVE_AFTER_MS);
  }

  /** Is a group the device's path on `network` goes through judged down or pending? */
  private troubleOn(deviceId: string, network: Network): boolean {
    return this.deps.groups.groupsOf(deviceId, network).some((g) => this.deps.groups.judge(g, this.deps.clock.now()).state !== 'up');
  }

  private decideLost(deviceId: string, started: number): void {
    const { health, writer, timers, clock, options, groupAlerts } = this.deps;
    const h = health(deviceId);
    if (h.state !== 'down') return;
    const lostNets = [...new Set(h.paths.filter((p) => p.state === 'down').map((p) => p.network))];
    const why = lostNets.map((n) => this.explain(deviceId, n));
    if (why.includes('pending') && clock.now() - started < options.windowMs + options.holdMs) {
      timers.set({ rule: 'hold-lost', deviceId }, RECHECK_MS, () => this.decideLost(deviceId, started));
      return;
    }
    const explained = why.filter((w): w is Exclude<Explanation, 'pending' | null> => !!w && w !== 'pending');
    if (explained.length === lostNets.length && explained.some((e) => this.othersGoingQuiet(e.group)) && clock.now() - started < options.windowMs + options.holdMs) {
      timers.set({ rule: 'hold-lost', deviceId }, RECHECK_MS, () => this.decideLost(deviceId, started));
      return;
    }
    if (explained.length === lostNets.length) {
      for (const e of explained) groupAlerts.fold(e.group, e.verdict, deviceId, this.explainedBehind(e.group, deviceId));
      return;
    }
    // Lost on a path no down group explains: the device alerts alone, and the groups say they do not cover it.
    for (const e of explained) groupAlerts.markNotCovered(e.group, e.verdict, deviceId);
    for (const a of writer.openOf(deviceId)) if (a.kind === 'path_lost' || a.kind === 'flapping' || a.kind === 'app_closed') writer.resolve(a, undefined, false);
    writer.raise({ kind: 'device_lost', deviceId, network: null, severity: 'critical', message: describeLost(writer.name(deviceId), h) });
  }

  /** Still app_closed after the hold: one warning; a device_lost raised while it was silent gives way to it. */
  private decideAppClosed(deviceId: string): void {
    const { health, writer } = this.deps;
    if (health(deviceId).state !== 'app_closed') return;
    const name = writer.name(deviceId);
    for (const a of writer.openOf(deviceId)) if (a.kind === 'device_lost' || a.kind === 'path_lost') writer.resolve(a, `${name} answers again (Blackmagic Camera off screen)`, false);
    if (writer.find('app_closed', deviceId)) return;
    writer.raise({ kind: 'app_closed', deviceId, network: null, severity: 'warning', message: `${name}: Blackmagic Camera is not on screen (phone locked or app in background); the phone answers` });
  }

  private decidePath(deviceId: string, network: Network, started: number, now = false, confirmed = false): void {
    const { health, writer, timers, clock, options, groupAlerts } = this.deps;
    const key = { rule: 'hold-path', deviceId, network } as const;
    const h = health(deviceId);
    const path = h.paths.find((p) => p.network === network && p.state === 'down');
    if (!path) return;
    if (h.state === 'down' || h.state === 'flapping' || h.state === 'app_closed') return; // the device-level alert covers it
    // While the whole device was down its alert covered this path too; the hold
    // counts from when the device became reachable again, so a path that is just
    // slower to come back after an outage is not reported as lost on its own.
    const heldSince = Math.max(path.since ? Date.parse(path.since) : 0, this.degradedAt.get(deviceId) ?? 0);
    const recovered = (this.recoveredAt.get(deviceId) ?? -Infinity) + options.holdMs + options.windowMs;
    const remaining = Math.max(heldSince + options.holdMs, recovered) - clock.now();
    if (!now && remaining > 0) return timers.set(key, remaining, () => this.decidePath(deviceId, network, started));
    // A flapping alert still open is held until the device settles: it covers this path too.
    if (writer.find('flapping', deviceId)) return;
    let why = this.explain(deviceId, network);
    // Its other paths run through a part that is failing right now (the hotspot going
    // quiet): the device may be about to be lost whole; wait for one alert, not two.
    // Or that other path has itself gone quiet without being declared lost yet.
    const shaky = (p: PathHealth) => (p.heartbeatAgeMs ?? 0) > ALIVE_AFTER_MS || this.troubleOn(deviceId, p.network);
    if (!why && h.paths.some((p) => p.network !== network && p.state === 'up' && shaky(p))) why = 'pending';
    if (why === 'pending' && clock.now() - started < options.windowMs + options.holdMs) {
      timers.set(key, RECHECK_MS, () => this.decidePath(deviceId, network, started));
      return;
    }
    if (why && why !== 'pending' && this.othersGoingQuiet(why.group) && clock.now() - started < options.windowMs + options.holdMs) {
      timers.set(key, RECHECK_MS, () => this.decidePath(deviceId, network, started));
      return;
    }
    if (why && why !== 'pending') return groupAlerts.fold(why.group, why.verdict, deviceId, this.explainedBehind(why.group, deviceId));
    // Before blaming one path: have the device's other paths polled now and look once more,
    // so a device going down whole (the other path's loss not noticed yet) raises one alert.
    if (!confirmed) {
      this.deps.probeNow?.(deviceId);
      timers.set(key, Math.min(options.holdMs, 1000), () => this.decidePath(deviceId, network, started, true, true));
      return;
    }
    writer.raise({ kind: 'path_lost', deviceId, network, severity: 'warning', message: describePathLost(writer.name(deviceId), h, network) });
  }

  private raiseFlapping(deviceId: string): void {
    const { health, writer } = this.deps;
    const h = health(deviceId);
    if (h.state !== 'flapping') return;
    const lan = this.explain(deviceId, 'lan');
    if (lan && lan !== 'pending' && h.paths.every((p) => !p.flapping || p.network === 'lan')) return this.deps.groupAlerts.fold(lan.group, lan.verdict, deviceId);
    const changes = h.paths.filter((p) => p.flapping).map((p) => networkName(p.network)).join(' and ');
    writer.raise({ kind: 'flapping', deviceId, network: null, severity: 'warning', message: `${writer.name(deviceId)} is flapping: the ${changes} path keeps going up and down` });
  }

  /** The device has stayed back for the settle time: one resolved notice per open alert. */
  private settle(deviceId: string): void {
    const { health, writer } = this.deps;
    const h = health(deviceId);
    if (h.state !== 'up' && h.state !== 'degraded') return;
    const downNets = new Set(h.paths.filter((p) => p.state === 'down').map((p) => p.network));
    const name = writer.name(deviceId);
    for (const a of writer.openOf(deviceId)) {
      if (a.kind === 'device_lost' || a.kind === 'flapping') writer.resolve(a, `${name} is back (${h.state === 'up' ? 'every path up' : 'some paths up'})`);
      else if (a.kind === 'app_closed') writer.resolve(a, `${name}: Blackmagic Camera is back on screen`);
      else if (a.kind === 'path_lost' && a.network && !downNets.has(a.network)) writer.resolve(a, `${name}: ${networkName(a.network)} path is back`);
    }
  }
}
