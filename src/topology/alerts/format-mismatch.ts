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
import { formatKey } from '../look/format.ts';
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
 * How long status changes are gathered into one judgement. A rig-wide `rigmap set`
 * makes every camera report at once; judging the whole rig per report was most of
 * the server's CPU during a change. Far below the settle time, so no alert is later.
 */
export const MISMATCH_COALESCE_MS = 100;

/** The subscriber: re-judges when a camera's recorded format changes and when the map changes. */
export class FormatMismatchRule {
  private readonly writer: AlertWriter;
  private readonly pending = new Map<string, { key: string; timer: TimerHandle }>();
  /** The odd set each open alert names, so a changed set replaces the alert. */
  private readonly named = new Map<string, string>();
  private readonly off: Array<() => void> = [];
  /** Each camera's format as last reported: a status that leaves it alone (battery, ISO, a heartbeat) cannot change a verdict. */
  private readonly formats = new Map<string, string | null>();
  private soon: TimerHandle | null = null;

  constructor(private readonly deps: { ctx: Ctx; health: (id: string) => DeviceHealth | undefined; clock: Clock; by: ConformBy; settleMs?: number }) {
    this.writer = new AlertWriter(deps.ctx);
  }

  start(): void {
    const { bus } = this.deps.ctx;
    this.off.push(
      bus.on('node.status', (e) => {
        const key = formatKey(e.data.status.look?.format);
        if (this.formats.has(e.data.deviceId) && this.formats.get(e.data.deviceId) === key) return;
        this.formats.set(e.data.deviceId, key);
        this.evaluateSoon();
      }),
      bus.on('device.changed', (e) => {
        if (e.data.change === 'removed') this.formats.delete(e.data.deviceId);
        this.evaluateSoon();
      }),
    );
    this.evaluate();
  }

  stop(): void {
    for (const f of this.off.splice(0)) f();
    if (this.soon !== null) this.deps.clock.clearTimeout(this.soon);
    this.soon = null;
    for (const p of this.pending.values()) this.deps.clock.clearTimeout(p.timer);
    this.pending.clear();
  }

  /** One judgement for every change of the next moment. */
  private evaluateSoon(): void {
    if (this.soon !== null) return;
    this.soon = this.deps.clock.setTimeout(() => {
      this.soon = null;
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
