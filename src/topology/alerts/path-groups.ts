/**
 * Which paths share what. A device's LAN path goes through the upstream it is
 * behind (upstreams.ts: a camera → its hotspot, router or relay); its Tailscale path goes
 * through the tailnet, never through the hotspot. A group is the set of paths
 * through one such shared part; the group is judged down on the upstream's own
 * probe, or on evidence: every path of the group lost within a short window, or
 * several lost together while a quick probe of the upstream got no answer.
 */
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { DeviceHealth, PathHealth } from '../health-types.ts';
import { listLinks } from '../links.ts';
import type { Network } from '../model.ts';
import { upstreamsOf } from '../upstreams.ts';

/** The id of the group of every Tailscale path (its alert's deviceId too). */
export const TAILNET_GROUP = 'tailnet';

/** Paths through one shared part of the network. */
export interface PathGroup {
  /** `upstream:<deviceId>` or `tailnet`. */
  id: string;
  /** The upstream device; null for the tailnet. */
  upstreamId: string | null;
  /** The network of the member paths that go through it. */
  network: Network;
  /** Devices with a path through it. */
  members: string[];
}

/** How a group stands right now. */
export type GroupVerdict =
  | { state: 'down'; since: number; evidence: 'probe' | 'all-lost' | 'quiet-probe' }
  /** Members are being lost but the picture is not complete yet: wait a little before blaming them one by one. */
  | { state: 'pending' }
  | { state: 'up' };

/** Judging tuning. */
export interface GroupOptions {
  /** Paths lost within this many ms of each other count as lost together. */
  windowMs: number;
}

interface GroupMemory {
  downSince: number | null;
  evidence: 'probe' | 'all-lost' | 'quiet-probe';
  /** When a quick probe of the upstream last answered / last got no answer. */
  answeredAt: number;
  quietAt: number;
}

/**
 * A member path that beat this long after the lost ones went quiet proves the
 * shared part still carries traffic (heartbeat phases differ by up to one
 * period, so paths cut together fall silent within about a second of each other).
 */
export const ALIVE_AFTER_MS = 1500;

/** A member's path that says something about the shared part: seen up or down (not unknown, not out of scope). */
const pathOn = (h: DeviceHealth, network: Network) => h.paths.find((p) => p.network === network && (p.state === 'up' || p.state === 'down'));
const sinceOf = (p: PathHealth, fallback: number) => (p.since ? Date.parse(p.since) : fallback);

/** The groups of the current map, and their judgement. */
export class PathGroups {
  private cache: { byId: Map<string, PathGroup>; byMember: Map<string, PathGroup[]> } | null = null;
  private readonly memory = new Map<string, GroupMemory>();

  /** `onRelease`: a group judged down works again (called from `judge`, whoever asked). */
  constructor(private readonly deps: { ctx: Ctx; health: (id: string) => DeviceHealth; options: GroupOptions; onRelease: (g: PathGroup) => void }) {}

  /** Links or devices changed: rebuild on next use. */
  forget(): void {
    this.cache = null;
  }

  private build() {
    if (this.cache) return this.cache;
    const byId = new Map<string, PathGroup>();
    const add = (id: string, upstreamId: string | null, network: Network, member: string) => {
      let g = byId.get(id);
      if (!g) byId.set(id, (g = { id, upstreamId, network, members: [] }));
      if (!g.members.includes(member)) g.members.push(member);
    };
    const devices = loadDevices(this.deps.ctx.db);
    for (const [member, upstream] of Object.entries(upstreamsOf(devices, listLinks({ ctx: this.deps.ctx })))) add(`upstream:${upstream}`, upstream, 'lan', member);
    for (const d of devices) if (d.addresses.some((a) => a.network === 'tailscale')) add(TAILNET_GROUP, null, 'tailscale', d.id);
    const byMember = new Map<string, PathGroup[]>();
    for (const g of byId.values()) for (const m of g.members) byMember.set(m, [...(byMember.get(m) ?? []), g]);
    this.cache = { byId, byMember };
    return this.cache;
  }

  /** The groups a device's path on `network` goes through. */
  groupsOf(deviceId: string, network: Network): PathGroup[] {
    return (this.build().byMember.get(deviceId) ?? []).filter((g) => g.network === network);
  }

  /** The group behind an upstream device, if any device links to it. */
  groupOfUpstream(upstreamId: string): PathGroup | undefined {
    return this.build().byId.get(`upstream:${upstreamId}`);
  }

  byId(id: string): PathGroup | undefined {
    return this.build().byId.get(id);
  }

  /** A quick probe of the group's upstream answered (true) or not (false) at `at`. */
  noteQuickProbe(groupId: string, answered: boolean, at: number): void {
    const m = this.mem(groupId);
    if (answered) m.answeredAt = at;
    else m.quietAt = at;
  }

  /** True while the group is judged down (no recomputation). */
  isDown(groupId: string): boolean {
    return this.memory.get(groupId)?.downSince != null;
  }

  /**
   * Judge the group now. Once down it stays down (sticky) until something proves
   * the shared part works: its upstream answers again, or a member's path
   * through it comes back; `onRelease` is told then.
   */
  judge(g: PathGroup, now: number): GroupVerdict {
    const m = this.mem(g.id);
    const { health, options } = this.deps;
    const up = g.upstreamId ? health(g.upstreamId) : null;
    const paths = g.members.map((id) => pathOn(health(id), g.network)).filter((p): p is PathHealth => !!p);
    const lost = paths.filter((p) => p.state === 'down');
    const lossTimes = lost.map((p) => sinceOf(p, now));
    if (up?.state === 'down') return this.markDown(m, now, 'probe');
    if (m.downSince != null) {
      const upAgain = up && (up.state === 'up' || up.state === 'degraded') && up.paths.some((p) => p.state === 'up' && sinceOf(p, 0) > (m.downSince as number));
      const memberBack = paths.some((p) => p.state === 'up' && sinceOf(p, 0) > (m.downSince as number));
      if (upAgain || memberBack || m.answeredAt > m.downSince || lost.length === 0) {
        m.downSince = null;
        this.deps.onRelease(g);
        return { state: 'up' };
      }
      return { state: 'down', since: m.downSince, evidence: m.evidence };
    }
    if (lost.length === 0) return { state: 'up' };
    const latest = Math.max(...lossTimes);
    // The upstream answered after these losses: it is up, they are on their own.
    if (m.answeredAt >= latest) return { state: 'up' };
    const together = lossTimes.filter((t) => latest - t <= options.windowMs).length;
    if (lost.length === paths.length && paths.length >= 2 && together === lost.length) return this.markDown(m, now, 'all-lost');
    if (g.upstreamId && together >= 2 && m.quietAt >= latest - options.windowMs) return this.markDown(m, now, 'quiet-probe');
    // A member still beating well after the lost paths went quiet: the shared part works.
    const quietAt = Math.max(...lost.map((p) => (p.heartbeatAgeMs != null ? now - p.heartbeatAgeMs : sinceOf(p, now))));
    if (paths.some((p) => p.state === 'up' && p.heartbeatAgeMs != null && now - p.heartbeatAgeMs > quietAt + ALIVE_AFTER_MS)) return { state: 'up' };
    // Some lost just now, others may follow: too early to blame each device alone.
    if (now - latest <= options.windowMs && lost.length < paths.length) return { state: 'pending' };
    return { state: 'up' };
  }

  /** Forget a group's memory (its alert closed and nothing is lost). */
  reset(groupId: string): void {
    this.memory.delete(groupId);
  }

  private markDown(m: GroupMemory, now: number, evidence: GroupMemory['evidence']): GroupVerdict {
    if (m.downSince == null) {
      m.downSince = now;
      m.evidence = evidence;
    }
    return { state: 'down', since: m.downSince, evidence: m.evidence };
  }

  private mem(id: string): GroupMemory {
    let m = this.memory.get(id);
    if (!m) this.memory.set(id, (m = { downSince: null, evidence: 'probe', answeredAt: 0, quietAt: 0 }));
    return m;
  }
}
