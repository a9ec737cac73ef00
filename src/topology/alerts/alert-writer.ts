/**
 * The alert service: the one place alert rows are written and the bus told.
 * Rules (device-rules, folding, telemetry, shoot, tailnet-relayed, never-seen)
 * decide; this raises, folds, rewords and resolves, and publishes every change:
 * `alert.raised` (the new alert, already carrying its folded list and wording),
 * `alert.changed` (an open alert's folded list or message changed) and
 * `alert.resolved`. One open alert per kind, device and network; names are
 * cached for messages. Times come from the injected clock.
 */
import { systemClock, type Clock } from '../clock.ts';
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { Alert, AlertKind } from '../health-types.ts';
import type { Network } from '../model.ts';
import { findOpenAlert, insertAlert, openAlertsOf, resolveAlertRow, updateOpenAlert } from './store.ts';

/** A new alert as the rules describe it; `folded`: devices whose losses it explains from the start. */
export interface AlertDraft {
  kind: AlertKind;
  deviceId: string;
  network: Network | null;
  severity: Alert['severity'];
  message: string;
  folded?: string[];
}

/** What may change on an open alert. */
export interface AlertUpdate {
  folded?: string[];
  message?: string;
}

/** Writes alerts and publishes alert.raised / alert.changed / alert.resolved. */
export class AlertWriter {
  private readonly names = new Map<string, string>();
  private readonly clock: Clock;

  constructor(private readonly ctx: Ctx, opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? systemClock;
  }

  /** Raise unless the same alert is already open; returns the open alert either way. */
  raise(a: AlertDraft): Alert {
    const open = findOpenAlert(this.ctx.db, a.kind, a.deviceId, a.network);
    if (open) return open;
    const folded = [...new Set(a.folded ?? [])].sort();
    const alert = insertAlert(this.ctx.db, { ...a, folded }, this.clock.now());
    this.ctx.bus.emit('alert.raised', { alert });
    return alert;
  }

  /** Change an open alert's folded list and/or message; tells the bus only when something changed. */
  update(alert: Alert, change: AlertUpdate): Alert {
    const folded = change.folded ? [...new Set(change.folded)].sort() : alert.folded;
    const message = change.message ?? alert.message;
    if (message === alert.message && folded.join('\u0000') === alert.folded.join('\u0000')) return alert;
    const updated = updateOpenAlert(this.ctx.db, alert.id, { folded, message });
    if (!updated) return alert;
    this.ctx.bus.emit('alert.changed', { alert: updated });
    return updated;
  }

  /** Resolve; `notify` false closes quietly (a path alert replaced by the device's own). */
  resolve(alert: Alert, message?: string, notify = true): Alert | undefined {
    const done = resolveAlertRow(this.ctx.db, alert.id, message, this.clock.now());
    if (done && notify) this.ctx.bus.emit('alert.resolved', { alert: done });
    return done;
  }

  find(kind: AlertKind, deviceId: string, network: Network | null = null): Alert | undefined {
    return findOpenAlert(this.ctx.db, kind, deviceId, network);
  }

  openOf(deviceId: string): Alert[] {
    return openAlertsOf(this.ctx.db, deviceId);
  }

  /** The device's name for messages (cached until the map changes). */
  name(deviceId: string): string {
    let n = this.names.get(deviceId);
    if (!n) {
      n = loadDevices(this.ctx.db, [deviceId])[0]?.name ?? deviceId;
      this.names.set(deviceId, n);
    }
    return n;
  }

  forgetName(deviceId?: string): void {
    if (deviceId) this.names.delete(deviceId);
    else this.names.clear();
  }
}
