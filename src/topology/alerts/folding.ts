/**
 * Folding: the one alert of a shared part that is down (a hotspot, the tailnet)
 * lists the devices whose losses it explains, and says which devices behind it
 * it does not cover (they lost a path it does not carry, so they alert alone).
 * This decides the folded list and the wording; the alert service (alert-writer.ts)
 * writes them and tells the bus. A group alert is raised already carrying every
 * device it explains at that moment, so the first notice names them.
 */
import type { Alert, DeviceHealth } from '../health-types.ts';
import type { AlertWriter } from './alert-writer.ts';
import { type GroupVerdict, type PathGroup, TAILNET_GROUP } from './path-groups.ts';
import { describeLost } from './wording.ts';

type DownVerdict = Extract<GroupVerdict, { state: 'down' }>;

/** The alerts of groups judged down. */
export class GroupAlerts {
  /** Per group: devices behind it that raised their own alert instead. */
  private readonly notCovered = new Map<string, Set<string>>();
  /** Per alert id: its message before the covers / not-covered note. */
  private readonly baseMessage = new Map<number, string>();

  constructor(private readonly deps: { writer: AlertWriter; health: (id: string) => DeviceHealth }) {}

  /** The open alert of a group, if any. */
  find(g: PathGroup): Alert | undefined {
    const w = this.deps.writer;
    if (!g.upstreamId) return w.find('network_lost', TAILNET_GROUP, 'tailscale');
    return w.find('device_lost', g.upstreamId) ?? w.find('flapping', g.upstreamId);
  }

  /**
   * Raise the group's alert if it is not open yet (the group was judged down),
   * folding `fold` into it in the same step; returns the open alert.
   */
  ensure(g: PathGroup, verdict: DownVerdict, fold: string[] = []): Alert {
    const open = this.find(g);
    if (open) return open;
    const w = this.deps.writer;
    let base: Omit<Parameters<AlertWriter['raise']>[0], 'folded'>;
    if (!g.upstreamId) {
      base = { kind: 'network_lost', deviceId: TAILNET_GROUP, network: 'tailscale', severity: 'critical', message: 'Tailscale down from here: every device lost its Tailscale path at once (LAN paths unaffected)' };
    } else {
      const name = w.name(g.upstreamId);
      const message = verdict.evidence === 'probe'
        ? describeLost(name, this.deps.health(g.upstreamId))
        : `${name} lost: every path through it went quiet at once${verdict.evidence === 'quiet-probe' ? ' and it does not answer' : ''}`;
      base = { kind: 'device_lost', deviceId: g.upstreamId, network: null, severity: 'critical', message };
    }
    const folded = [...new Set(fold)].sort();
    for (const id of folded) this.notCovered.get(g.id)?.delete(id);
    const alert = w.raise({ ...base, folded, message: this.wording(g, base.message, folded) });
    this.baseMessage.set(alert.id, base.message);
    return alert;
  }

  /**
   * Put devices on the group alert's folded list (their losses are explained by
   * the group). `also`: other devices behind the group whose losses it explains
   * right now, folded in the same step when the alert is first raised.
   */
  fold(g: PathGroup, verdict: DownVerdict, deviceId: string, also: string[] = []): void {
    const open = this.find(g);
    this.notCovered.get(g.id)?.delete(deviceId);
    if (!open) {
      this.ensure(g, verdict, [deviceId, ...also]);
      return;
    }
    this.write(g, open, open.folded.includes(deviceId) ? open.folded : [...open.folded, deviceId]);
  }

  /** A device behind the group raised its own alert: the group's alert says it does not cover it. */
  markNotCovered(g: PathGroup, verdict: DownVerdict, deviceId: string): void {
    let set = this.notCovered.get(g.id);
    if (!set) this.notCovered.set(g.id, (set = new Set()));
    set.add(deviceId);
    const alert = this.ensure(g, verdict);
    this.write(g, alert, alert.folded.filter((d) => d !== deviceId));
  }

  /** A folded device came back on its own: it leaves the folded list. */
  unfold(g: PathGroup, deviceId: string): void {
    const alert = this.find(g);
    if (!alert?.folded.includes(deviceId)) return;
    this.write(g, alert, alert.folded.filter((d) => d !== deviceId));
  }

  /** The devices on the group alert's folded list. */
  foldedOf(g: PathGroup): string[] {
    return this.find(g)?.folded ?? [];
  }

  /**
   * The group is released: forget who was not covered. The alert's base wording is
   * kept while it may still be open (the group can go down again before it resolves);
   * one short string per upstream outage.
   */
  forget(g: PathGroup): void {
    this.notCovered.delete(g.id);
    if (this.baseMessage.size > 1000) this.baseMessage.clear();
  }

  /** New folded list and the wording that goes with it, in one write (one `alert.changed`). */
  private write(g: PathGroup, alert: Alert, folded: string[]): void {
    const base = this.baseMessage.get(alert.id) ?? alert.message;
    this.baseMessage.set(alert.id, base);
    this.deps.writer.update(alert, { folded, message: this.wording(g, base, [...folded].sort()) });
  }

  /** "<base>; covers A, B; does not cover C (lost on another path too: own alert)". */
  private wording(g: PathGroup, base: string, folded: string[]): string {
    const w = this.deps.writer;
    const names = (ids: string[]) => ids.map((id) => w.name(id)).join(', ');
    const out = [...(this.notCovered.get(g.id) ?? [])].filter((id) => !folded.includes(id)).sort();
    let message = base;
    if (folded.length) message += `; covers ${names(folded)}`;
    if (out.length) message += `; does not cover ${names(out)} (lost on another path too: own alert)`;
    return message;
  }
}
