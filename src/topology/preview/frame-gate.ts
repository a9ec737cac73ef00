/**
 * How many frames a node may hand the preview hub: a token bucket of
 * `2 × asked fps` a second (burst of the same). A node that floods tiny frames
 * as fast as its socket allows gets the rest skipped before any copy, check or
 * fan-out, and its socket paused until the next frame is due, so TCP pushes
 * back on the node instead of rigmap spinning on it.
 */
import type { Clock } from '../clock.ts';

export class FrameGate {
  private tokens: number;
  private last: number;
  private readonly perMs: number;

  constructor(private readonly clock: Clock, readonly maxPerSec: number) {
    this.tokens = maxPerSec;
    this.last = clock.now();
    this.perMs = maxPerSec / 1000;
  }

  /** Take one frame if the budget allows it now. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Milliseconds until the next frame would be taken (0 when one is due now). */
  waitMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }

  private refill(): void {
    const t = this.clock.now();
    if (t > this.last) this.tokens = Math.min(this.maxPerSec, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
  }
}
