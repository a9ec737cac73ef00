/**
 * The poll schedule a probe runner keeps beside its live stream: one poll every
 * `intervalMs`, through the engine's concurrency limit, never two in flight to
 * one target (a slow answer skips a turn instead of piling up), and a poll on
 * demand (`now`, for a look-again) that restarts the schedule.
 */
import type { LimitFunction } from 'p-limit';

export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private stopped = false;

  constructor(private readonly o: { intervalMs: number; limit: LimitFunction; once: () => Promise<void> }) {}

  /** First poll after `delayMs`. */
  start(delayMs: number): void {
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  /** Poll at once (unless one is in flight) and count the interval from here. */
  now(): void {
    if (this.stopped || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.run();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private run(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => this.run(), this.o.intervalMs);
    if (this.busy) return;
    this.busy = true;
    void this.o.limit(() => this.o.once()).finally(() => {
      this.busy = false;
    });
  }
}
