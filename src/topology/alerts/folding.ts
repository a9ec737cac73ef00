/**
 * Folding: the one alert of a shared part that is down (a hotspot, the tailnet)
 * lists the devices whose losses it explains, and says which devices behind it
 * it does not cover (they lost a path it does not carry, so they alert alone).
 */
import type { Alert, DeviceHealth } from '../health-types.ts';
import type { AlertWriter } from './alert-writer.ts';
import { type GroupVerdict, type PathGroup, TAILNET_GROUP } from './path-groups.ts';
import { foldIntoAlert, setAlertMessage, unfoldFromAlert } from './store.ts';
import type { Ctx } from '../context.ts';
import { describeLost } from './wording.ts';

/** The alerts of groups judged down. */
export class GroupAlerts {
  /** Per group: devices behind it that raised their own alert instead. */
  private readonly notCovered = new Map<string, Set<string>>();
  /** Per alert id: its message before the covers / not-covered note. */
  private readonly baseMessage = new Map<number, string>();

  constructor(private readonly deps: { ctx: Ctx; writer: AlertWriter; health: (id: string) => DeviceHealth }) {}

  /** The open alert of a group, if any. */
  find(g: PathGroup): Alert | undefined {
    const w = this.deps.writer;
    if (!g.upstreamId) return w.find('network_lost', TAILNET_GROUP, 'tailscale');
    return w.find('device_lost', g.upstreamId) ?? w.find('flapping', g.upstreamId);
  }

  /** Raise the group's alert if it is not open yet (the group was judged down). */
  ensure(g: PathGroup, verdict: Extract<GroupVerdict, { state: 'down' }>): Alert {
    const open = this.find(g);
    if (open) return open;
    const w = this.deps.writer;
    if (!g.upstreamId) {
      return w.raise({ kind: 'network_lost', deviceId: TAILNET_GROUP, network: 'tailscale', severity: 'critical', message: 'Tailscale down from here: every device lost its Tailscale path at once (LAN paths unaffected)' });
    }
    const name = w.name(g.upstreamId);
    const message = verdict.evidence === 'probe'
      ? describeLost(name, this.deps.health(g.upstreamId))
      : `${name} lost: every path through it went quiet at once${verdict.evidence === 'quiet-probe' ? ' and it does not answer' : ''}`;
    return w.raise({ kind: 'device_lost', deviceId: g.upstreamId, network: null, severity: 'critical', message });
  }

  /** Put a device on the group alert's folded list (its loss is explained by the group). */
  fold(g: PathGroup, verdict: Extract<GroupVerdict, { state: 'down' }>, deviceId: string): void {
    const alert = this.ensure(g, verdict);
    this.notCovered.get(g.id)?.delete(deviceId);
    if (!alert.folded.includes(deviceId)) foldIntoAlert(this.deps.ctx.db, alert.id, deviceId);
    this.reword(g);
  }

  /** A device behind the group raised its own alert: the group's alert says it does not cover it. */
  markNotCovered(g: PathGroup, verdict: Extract<GroupVerdict, { state: 'down' }>, deviceId: string): void {
    const alert = this.ensure(g, verdict);
    if (alert.folded.includes(deviceId)) unfoldFromAlert(this.deps.ctx.db, alert.id, deviceId);
    let set = this.notCovered.get(g.id);
    if (!set) this.notCovered.set(g.id, (set = new Set()));
    set.add(deviceId);
    this.reword(g);
  }

  /** A folded device came back on its own: it leaves the folded list. */
  unfold(g: PathGroup, deviceId: string): void {
    const alert = this.find(g);
    if (!alert?.folded.includes(deviceId)) return;
    unfoldFromAlert(this.deps.ctx.db, alert.id, deviceId);
    this.reword(g);
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

  private reword(g: PathGroup): void {
    const alert = this.find(g);
    if (!alert) return;
    const base = this.baseMessage.get(alert.id) ?? alert.message;
    this.baseMessage.set(alert.id, base);
    const w = this.deps.writer;
    const names = (ids: string[]) => ids.map((id) => w.name(id)).join(', ');
    const out = [...(this.notCovered.get(g.id) ?? [])].filter((id) => !alert.folded.includes(id)).sort();
    let message = base;
    if (alert.folded.length) message += `; covers ${names(alert.folded)}`;
    if (out.length) message += `; does not cover ${names(out)} (lost on another path too: own alert)`;
    if (message !== alert.message) setAlertMessage(this.deps.ctx.db, alert.id, message);
  }
}
