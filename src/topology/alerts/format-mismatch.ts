/**
 * The format_mismatch rule: when a camera of a group starts recording another
 * resolution or frame rate than the rest (someone changed it mid-shoot), ONE
 * alert per group names the odd camera(s), not one per camera. A mismatch must
 * hold for `settleMs` first (a group being switched camera by camera by
 * `rigmap set` is not an incident); it resolves once the formats match again.
 * Decides with the pure conformance rule; writes only through alert-writer.ts.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { DeviceHealth } from '../health-types.ts';
import { type ConformBy, type GroupVerdict, judgeConformance } from '../look/conformance.ts';
import { AlertWriter } from './alert-writer.ts';

/** The alert's device id for a group: "formats" for the cameras, "formats:<tag>" per tag. */
export function mismatchAlertId(group: string): string {
  return group === 'role camera' ? 'formats' : `formats:${group.replace(/^(role|tag) /, '')}`;
}

/** The one line of a group's alert. */
export function mismatchMessage(g: GroupVerdict): string {
  const where = g.group === 'role camera' ? '' : ` (${g.group})`;
  const sentences = g.odd.map((o) => o.sentence).join('; ');
  return `Formats differ${where}: ${sentences}. Footage will not cut together; set it back (rigmap set format=${g.format ?? '…'}) or apply the rig preset.`;
}

/** What the rule wants for one group now: raise with this message, or resolve. */
export type MismatchDecision = { raise: string; oddIds: string[] } | { resolve: true };

/** Pure: the decision of every group (keyed by alert device id). */
export function decideMismatches(groups: GroupVerdict[]): Map<string, MismatchDecision> {
  return new Map(groups.map((g) => [mismatchAlertId(g.group), g.odd.length ? { raise: mismatchMessage(g), oddIds: g.odd.map((o) => o.id).sort() } : { resolve: true as const }]));
}

/**
 * How long a burst of status news and map changes is gathered before the rig is
 * judged once. Judging reads every device row and every camera's health, so doing
 * it per event is O(cameras²) when 1,000 cameras report their first status at
 * once (the health bench saw the server's event loop held for seconds). Far under
 * the 2 s settle, so an alert is at most this much later.
 */
export const MISMATCH_COALESCE_MS = 200;

/** The subscriber: re-judges after camera status changes and map changes (a burst judged once). */
export class FormatMismatchRule {
  private readonly writer: AlertWriter;
  private queued: TimerHandle | null = null;
  /** The look each camera last reported (JSON), so status news that leaves it alone is not judged. */
  private readonly looks = new Map<string, string>();
  private readonly pending = new Map<string, { key: string; timer: TimerHandle }>();
  /** The odd set each open alert names, so a changed set replaces the alert. */
  private readonly named = new Map<string, string>();
  private readonly off: Array<() => void> = [];

  constructor(private readonly deps: { ctx: Ctx; health: (id: string) => DeviceHealth | undefined; clock: Clock; by: ConformBy; settleMs?: number }) {
    this.writer = new AlertWriter(deps.ctx);
  }

  start(): void {
    const { bus } = this.deps.ctx;
    this.off.push(
      bus.on('node.status', (e) => {
        // Only the look (format, frame rate …) is judged here: battery or storage news changes nothing.
        const key = JSON.stringify(e.data.status.look ?? null);
        if (this.looks.get(e.data.deviceId) === key) return;
        this.looks.set(e.data.deviceId, key);
        this.queue();
      }),
      bus.on('device.changed', (e) => {
        this.looks.delete(e.data.deviceId);
        this.queue();
      }),
    );
    this.evaluate();
  }

  stop(): void {
    for (const f of this.off.splice(0)) f();
    if (this.queued !== null) this.deps.clock.clearTimeout(this.queued);
    this.queued = null;
    for (const p of this.pending.values()) this.deps.clock.clearTimeout(p.timer);
    this.pending.clear();
  }

  /** Judge the rig once the current burst of news has gathered. */
  private queue(): void {
    if (this.queued !== null) return;
    this.queued = this.deps.clock.setTimeout(() => {
      this.queued = null;
      this.evaluate();
    }, MISMATCH_COALESCE_MS);
  }

  /** Judge the rig now and act on what changed. */
  evaluate(): void {
    const rows = loadDevices(this.deps.ctx.db).filter((d) => d.expected);
    const report = judgeConformance(rows.map((d) => ({ id: d.id, name: d.name, role: d.role, tags: d.tags, look: this.deps.health(d.id)?.status?.look })), { by: this.deps.by });
    for (const [id, decision] of decideMismatches(report.groups)) {
      const open = this.writer.find('format_mismatch', id);
      if ('resolve' in decision) {
        this.cancel(id);
        if (open) this.writer.resolve(open, 'formats match again');
        this.named.delete(id);
        continue;
      }
      const key = decision.oddIds.join(',');
      if (open && this.named.get(id) === key) continue;
      if (this.pending.get(id)?.key === key) continue;
      this.cancel(id);
      const timer = this.deps.clock.setTimeout(() => this.fire(id, key), this.deps.settleMs ?? 2000);
      this.pending.set(id, { key, timer });
    }
  }

  private cancel(id: string): void {
    const p = this.pending.get(id);
    if (p) this.deps.clock.clearTimeout(p.timer);
    this.pending.delete(id);
  }

  /** The mismatch held: raise (replacing an open alert that named other cameras). */
  private fire(id: string, key: string): void {
    this.pending.delete(id);
    const rows = loadDevices(this.deps.ctx.db).filter((d) => d.expected);
    const report = judgeConformance(rows.map((d) => ({ id: d.id, name: d.name, role: d.role, tags: d.tags, look: this.deps.health(d.id)?.status?.look })), { by: this.deps.by });
    const decision = decideMismatches(report.groups).get(id);
    if (!decision || 'resolve' in decision || decision.oddIds.join(',') !== key) return this.evaluate();
    const open = this.writer.find('format_mismatch', id);
    if (open) this.writer.resolve(open, 'replaced: other cameras differ now', false);
    this.writer.raise({ kind: 'format_mismatch', deviceId: id, network: null, severity: 'warning', message: decision.raise });
    this.named.set(id, key);
  }
}
