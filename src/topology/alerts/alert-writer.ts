/**
 * Raising and resolving: the one place alert rows are written and the bus told.
 * One open alert per kind, device and network; names are cached for messages.
 */
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { Alert, AlertKind } from '../health-types.ts';
import type { Network } from '../model.ts';
import { findOpenAlert, insertAlert, openAlertsOf, resolveAlertRow } from './store.ts';

/** A new alert as the rules describe it. */
export interface AlertDraft {
  kind: AlertKind;
  deviceId: string;
  network: Network | null;
  severity: Alert['severity'];
  message: string;
}

/** Writes alerts and publishes alert.raised / alert.resolved. */
export class AlertWriter {
  private readonly names = new Map<string, string>();

  constructor(private readonly ctx: Ctx) {}

  /** Raise unless the same alert is already open; returns the open alert either way. */
  raise(a: AlertDraft): Alert {
    const open = findOpenAlert(this.ctx.db, a.kind, a.deviceId, a.network);
    if (open) return open;
    const alert = insertAlert(this.ctx.db, a);
    this.ctx.bus.emit('alert.raised', { alert });
    return alert;
  }

  /** Resolve; `notify` false closes quietly (a path alert replaced by the device's own). */
  resolve(alert: Alert, message?: string, notify = true): void {
    const done = resolveAlertRow(this.ctx.db, alert.id, message);
    if (done && notify) this.ctx.bus.emit('alert.resolved', { alert: done });
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
