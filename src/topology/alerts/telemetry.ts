/** Telemetry thresholds: battery low (not charging), running hot, storage low. Raised and resolved from node status. */
import type { NodeStatus } from '../health-types.ts';
import type { AlertWriter } from './alert-writer.ts';

/** Thresholds (from config). */
export interface TelemetryOptions {
  /** Battery level (0..1) under which a device not charging raises battery_low; resolves 5 points above. */
  batteryLow: number;
  /** Free storage share (0..1) under which storage_low is raised. */
  storageLow: number;
}

/** Battery, thermal and storage alerts of every device. */
export class TelemetryRules {
  /** The last verdicts per device: status is frequent, and only a changed verdict can raise or resolve anything. */
  private readonly verdicts = new Map<string, string>();

  constructor(private readonly writer: AlertWriter, private readonly options: TelemetryOptions) {}

  /** A node reported a new status. */
  onStatus(deviceId: string, status: NodeStatus): void {
    const { batteryLow, storageLow } = this.options;
    const level = status.battery?.level;
    const charging = !!status.battery?.charging;
    const lowBattery = typeof level === 'number' && level < batteryLow && !charging;
    // Hysteresis: a battery hovering at the threshold raises once, not on every wobble.
    const batteryOk = charging || (typeof level === 'number' && level >= batteryLow + 0.05);
    const { freeBytes, totalBytes } = status.storage ?? { freeBytes: 0, totalBytes: 0 };
    const lowStorage = totalBytes > 0 && freeBytes / totalBytes < storageLow;
    const hot = status.thermal === 'serious' || status.thermal === 'critical';
    const verdict = `${lowBattery}|${batteryOk}|${status.thermal}|${lowStorage}`;
    if (this.verdicts.get(deviceId) === verdict) return;
    this.verdicts.set(deviceId, verdict);

    const w = this.writer;
    const name = w.name(deviceId);
    const battery = w.find('battery_low', deviceId);
    if (lowBattery && !battery) w.raise({ kind: 'battery_low', deviceId, network: null, severity: 'warning', message: `${name} battery at ${Math.round(level * 100)} % and not charging` });
    else if (battery && batteryOk) w.resolve(battery, `${name} battery OK (${Math.round((level ?? 0) * 100)} %${charging ? ', charging' : ''})`);

    const thermal = w.find('thermal', deviceId);
    if (hot && !thermal) w.raise({ kind: 'thermal', deviceId, network: null, severity: status.thermal === 'critical' ? 'critical' : 'warning', message: `${name} is running hot (thermal state ${status.thermal})` });
    else if (!hot && thermal) w.resolve(thermal, `${name} cooled down (thermal state ${status.thermal})`);

    const storage = w.find('storage_low', deviceId);
    if (lowStorage && !storage) w.raise({ kind: 'storage_low', deviceId, network: null, severity: 'warning', message: `${name} storage low: ${(freeBytes / 1e9).toFixed(1)} GB free of ${(totalBytes / 1e9).toFixed(0)} GB` });
    else if (!lowStorage && storage) w.resolve(storage, `${name} storage OK again`);
  }

  forget(deviceId: string): void {
    this.verdicts.delete(deviceId);
  }
}
