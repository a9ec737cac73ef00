/**
 * The poll schedule a probe runner keeps beside its live stream: one poll every
 * `intervalMs`, through the engine's concurrency limit, never two in flight to
 * one target (a slow answer skips a turn instead of piling up), and a poll on
 * demand (`now`, for a look-again) that restarts the schedule.
 */
import type { LimitFunction } from 'p-limit';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';

export class PollLoop {
  private timer: TimerHandle | null = null;
  private busy = false;
  private stopped = false;
  private readonly clock: Clock;

  /** `clock`: the one Clock (injected at the wiring; a FakeClock in tests). */
  constructor(private readonly o: { intervalMs: number; limit: LimitFunction; once: () => Promise<void>; clock?: Clock }) {
    this.clock = o.clock ?? systemClock;
  }

  /** First poll after `delayMs`. */
  start(delayMs: number): void {
    this.timer = this.clock.setTimeout(() => this.run(), delayMs);
  }

  /** Poll at once (unless one is in flight) and count the interval from here. */
  now(): void {
    if (this.stopped || this.busy) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
  }

  private run(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.run(), this.o.intervalMs);
    if (this.busy) return;
    this.busy = true;
    void this.o.limit(() => this.o.once()).finally(() => {
      this.busy = false;
    });
  }
}
