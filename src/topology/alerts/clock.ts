/**
 * Time for the alert rules, injected so every rule is tested with a fake clock:
 * `now()` and timers come from one place. `Timers` keeps one pending timer per
 * typed key (a rule and the device, path or group it is about), so a newcomer
 * reads `{ rule: 'hold-path', deviceId, network }` instead of a parsed string.
 */
import type { Network } from '../model.ts';

import type { Clock } from '../clock.ts';

/** The alert rules use the one clock (src/topology/clock.ts). */
export { systemClock, type Clock } from '../clock.ts';

/** What a pending timer is for. */
export type TimerKey =
  /** Hold before raising device_lost (or folding it). */
  | { rule: 'hold-lost'; deviceId: string }
  /** Hold before raising flapping. */
  | { rule: 'hold-flap'; deviceId: string }
  /** Hold before raising path_lost for one path. */
  | { rule: 'hold-path'; deviceId: string; network: Network }
  /** A device must stay back this long before its alerts resolve. */
  | { rule: 'settle'; deviceId: string }
  /** An upstream came back: look again at a device folded into its alert. */
  | { rule: 'after-upstream'; deviceId: string }
  /** Judge a group of paths (everything behind one upstream) again. */
  | { rule: 'group'; groupId: string }
  /** Look for expected devices that never answered. */
  | { rule: 'never-seen' };

function idOf(key: TimerKey): string {
  switch (key.rule) {
    case 'hold-path':
      return `${key.rule}\u0000${key.deviceId}\u0000${key.network}`;
    case 'group':
      return `${key.rule}\u0000${key.groupId}`;
    case 'never-seen':
      return key.rule;
    default:
      return `${key.rule}\u0000${key.deviceId}`;
  }
}

/** One pending timer per key; setting a key again replaces its timer. */
export class Timers {
  private readonly pending = new Map<string, { key: TimerKey; handle: unknown }>();

  constructor(private readonly clock: Clock) {}

  /** Run `fn` after `ms`, replacing any timer of the same key. */
  set(key: TimerKey, ms: number, fn: () => void): void {
    this.cancel(key);
    const id = idOf(key);
    const handle = this.clock.setTimeout(() => {
      this.pending.delete(id);
      fn();
    }, Math.max(0, ms));
    this.pending.set(id, { key, handle });
  }

  /** True while a timer of this key is pending. */
  has(key: TimerKey): boolean {
    return this.pending.has(idOf(key));
  }

  cancel(key: TimerKey): void {
    const id = idOf(key);
    const t = this.pending.get(id);
    if (t) this.clock.clearTimeout(t.handle);
    this.pending.delete(id);
  }

  /** Cancel every timer about one device (it left the map). */
  cancelDevice(deviceId: string): void {
    for (const { key } of [...this.pending.values()]) if ('deviceId' in key && key.deviceId === deviceId) this.cancel(key);
  }

  clear(): void {
    for (const { handle } of this.pending.values()) this.clock.clearTimeout(handle);
    this.pending.clear();
  }
}
