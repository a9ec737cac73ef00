/** Expected devices that have never answered some time after start raise expected_never_seen; resolved when first seen. */
import type { Ctx } from '../context.ts';
import { loadDevices } from '../device-rows.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { AlertWriter } from './alert-writer.ts';
import type { Timers } from './clock.ts';

/** The never-seen rule. */
export class NeverSeenRule {
  constructor(private readonly deps: { ctx: Ctx; writer: AlertWriter; timers: Timers; health: (id: string) => DeviceHealth; afterMs: number }) {}

  /** Look once, `afterMs` after start (0: off). */
  start(): void {
    if (this.deps.afterMs > 0) this.deps.timers.set({ rule: 'never-seen' }, this.deps.afterMs, () => this.check());
  }

  /** The device answered: its never-seen alert resolves. */
  onSeen(deviceId: string): void {
    const never = this.deps.writer.find('expected_never_seen', deviceId);
    if (never) this.deps.writer.resolve(never, `${this.deps.writer.name(deviceId)} seen at last`);
  }

  private check(): void {
    for (const d of loadDevices(this.deps.ctx.db)) {
      if (!d.expected) continue;
      const h = this.deps.health(d.id);
      const probed = h.paths.some((p) => p.state !== 'out_of_scope');
      if (probed && !h.lastSeen) this.deps.writer.raise({ kind: 'expected_never_seen', deviceId: d.id, network: null, severity: 'warning', message: `${d.name} is expected in the rig but has never answered` });
    }
  }
}
