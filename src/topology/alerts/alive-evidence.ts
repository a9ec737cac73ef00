/**
 * Issue 22 gap: the tailscaled ping of a camera that stopped answering
 * (tailscale/phone-alive.ts) says whether the phone itself is alive. The crew
 * reads the alert, not the health panel, so an open device_lost / app_closed
 * alert quotes that sentence: reworded once through the alert service (SSE,
 * webhook and Alertmanager see `alert.changed`). The ping usually lands during
 * the hold, before the alert exists, so the last sentence per device is kept
 * and quoted when the alert is raised too. A resolved alert is never touched.
 */
import type { EventBus } from '../events.ts';
import type { Alert } from '../health-types.ts';
import type { AlertWriter } from './alert-writer.ts';

const QUOTED_KINDS = new Set<Alert['kind']>(['device_lost', 'app_closed']);
/** A peer's sentence is shown, not trusted: capped so an odd reply cannot bloat every alert row. */
const MAX_EVIDENCE_CHARS = 300;
const EVIDENCE_MARK = ' — tailscaled ';

/** "<alert text> — <tailscaled sentence>", the evidence capped. */
export function withEvidence(message: string, evidence: string): string {
  return `${message}${EVIDENCE_MARK}${evidence.replace(/^tailscaled /, '').slice(0, MAX_EVIDENCE_CHARS)}`;
}

/** Quotes the tailscaled evidence in a device's open device_lost / app_closed alert, once per alert. */
export class AliveEvidenceRule {
  private readonly evidence = new Map<string, string>();

  constructor(private readonly o: { bus: EventBus; writer: AlertWriter }) {}

  /** Subscribes; returns the unsubscribers. */
  start(): Array<() => void> {
    const { bus } = this.o;
    return [
      bus.on('tailnet.path', (e) => {
        const said = e.data.tailnet.ping?.evidence;
        if (said === undefined) return void this.evidence.delete(e.data.deviceId);
        this.evidence.set(e.data.deviceId, said);
        for (const a of this.o.writer.openOf(e.data.deviceId)) this.quote(a, said);
      }),
      bus.on('alert.raised', (e) => {
        const said = this.evidence.get(e.data.alert.deviceId);
        if (said !== undefined) this.quote(e.data.alert, said);
      }),
    ];
  }

  forget(deviceId: string): void {
    this.evidence.delete(deviceId);
  }

  private quote(alert: Alert, said: string): void {
    if (!QUOTED_KINDS.has(alert.kind) || alert.resolvedAt) return;
    // Re-read the row: the open alert may have been reworded or resolved since the event was sent.
    const open = this.o.writer.find(alert.kind, alert.deviceId, alert.network);
    // One rewording per alert, however often the sentence changes: the row's own text says
    // whether it is quoted already (and outlives a restart).
    if (!open || open.id !== alert.id || open.message.includes(EVIDENCE_MARK)) return;
    this.o.writer.update(open, { message: withEvidence(open.message, said) });
  }
}
