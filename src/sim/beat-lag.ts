/**
 * How late the simulator's heartbeats go out: for every beat, the time it was
 * written minus the time it was due. A loaded box (or a busy simulator) delays
 * beats, and a late beat looks like silence to rigmap, so a benchmark prints
 * this beside rigmap's detection latency to tell the two apart.
 */

/** Lateness of the beats since the last reset (ms). */
export interface BeatLagSummary {
  beats: number;
  p50: number;
  p99: number;
  max: number;
}

/** Samples kept between resets: a bounded ring, so a long run costs fixed memory. */
const CAPACITY = 1 << 18;

/** Records beat lateness; `due` and `at` are performance.now() readings. */
export class BeatLag {
  private readonly samples = new Float32Array(CAPACITY);
  private count = 0;
  private maxMs = 0;

  record(due: number, at: number): void {
    const late = at > due ? at - due : 0;
    this.samples[this.count++ % CAPACITY] = late;
    if (late > this.maxMs) this.maxMs = late;
  }

  /** p50/p99 over the kept samples (the last 262,144), max over all since the reset. */
  summary(): BeatLagSummary {
    const kept = this.samples.slice(0, Math.min(this.count, CAPACITY)).sort();
    const at = (p: number) => (kept.length ? kept[Math.min(kept.length - 1, Math.ceil(p * kept.length) - 1)]! : 0);
    return { beats: this.count, p50: at(0.5), p99: at(0.99), max: this.maxMs };
  }

  reset(): void {
    this.count = 0;
    this.maxMs = 0;
  }
}
