/**
 * An adaptive silence detector for one heartbeat stream (φ-accrual, as in
 * Cassandra and Akka): it learns the stream's heartbeat inter-arrival times and
 * judges the stream silent once the silence since the last event is so unlikely
 * under what it learned that φ = -log10(P(a gap this long)) passes the
 * threshold. A steady stream is judged soon after its expected beat; a jittery
 * Wi-Fi stream gets the slack its own jitter asks for. Bounded by a floor (never
 * sooner than one interval plus a margin) and a ceiling (never later than the
 * fixed factor × the announced interval, the rule it replaces). Before it has
 * learned enough intervals it does not fall back to the ceiling: from the
 * second learned interval (the third beat) on it blends what it learned with a
 * prior built on the announced interval (`minSamples` pseudo-intervals of that
 * length, spread `priorStdShare`), each real interval replacing one
 * pseudo-interval, so a node lost in its first seconds is seen about as soon
 * as a steady one.
 */
import { systemClock, type Clock } from '../clock.ts';

/** Settings of the detector; the defaults suit 100 ms – 10 s heartbeats. */
export interface SilenceDetectorOptions {
  /** The interval the node announced (hello `heartbeatMs`). */
  expectedMs: number;
  /** The ceiling as a multiple of the announced interval (the old fixed rule; default 2.5). */
  ceilingFactor?: number;
  /** φ above which the stream is silent (default 8: one false judgement in 10^8 gaps of a normal stream). */
  threshold?: number;
  /** Intervals remembered (default 100). */
  windowSize?: number;
  /** Intervals needed before the learned limit replaces the ceiling (default 8). */
  minSamples?: number;
  /** Intervals learned before the prior is used; fewer: the ceiling (default 2, i.e. from the third beat). */
  priorFrom?: number;
  /** Gaps shorter than this share of the announced interval are bursts, not learned (default 0.5). */
  minGapShare?: number;
  /** Spread of the prior, as a share of the announced interval (default 0.06: a cold limit of about 1.34 × at a steady 1 s, near the steady 1.28 ×). */
  priorStdShare?: number;
  /** Least spread assumed, as a share of the mean (default 0.05): timer and scheduler jitter a sample can miss. */
  minStdShare?: number;
  /** Least spread assumed in ms (default 10). */
  minStdMs?: number;
  /** Least margin over the mean interval in ms (default 100: a busy host's scheduling hiccups): the floor is the larger of this and `floorShare`. */
  floorMarginMs?: number;
  /** Least margin over the mean interval as a share of it (default 0.25): scheduling hiccups on a busy host. */
  floorShare?: number;
  /** The clock beats and silences are timed on when no time is given (default the system clock). */
  clock?: Clock;
}

/** z such that P(Z > z) = 10^-φ for a standard normal Z (Acklam's inverse, tail branch). */
export function zForPhi(phi: number): number {
  const p = 10 ** -phi;
  const q = Math.sqrt(-2 * Math.log(p));
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  return -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
}

/** φ of a silence of `elapsedMs` under a normal distribution of intervals (mean, std). */
export function phiOf(elapsedMs: number, mean: number, std: number): number {
  const y = (elapsedMs - mean) / std;
  // Logistic approximation of the normal CDF tail used by Akka's detector.
  const e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
  const pLater = elapsedMs > mean ? e / (1 + e) : 1 - 1 / (1 + e);
  return -Math.log10(Math.max(pLater, 1e-300));
}

/** The φ-accrual detector of one stream. */
export class SilenceDetector {
  private readonly intervals: number[] = [];
  private next = 0;
  private sum = 0;
  private sumSq = 0;
  private lastBeat: number | null = null;
  private expectedMs: number;
  private cached: number | null = null;
  private readonly z: number;

  constructor(private readonly opts: SilenceDetectorOptions) {
    this.expectedMs = opts.expectedMs;
    this.z = zForPhi(opts.threshold ?? 8);
  }

  /** The node announced (another) interval: what was learned at the old rate no longer applies. */
  expect(ms: number): void {
    if (ms === this.expectedMs) return;
    this.expectedMs = ms;
    this.forget();
  }

  /** A heartbeat arrived at `now` (ms): learn the gap since the previous one. */
  beat(now: number = (this.opts.clock ?? systemClock).now()): void {
    if (this.lastBeat !== null) {
      const gap = now - this.lastBeat;
      // A gap past the ceiling is an outage or a reconnect, not the stream's rhythm; one far
      // shorter than announced is a burst (events replayed after a reconnect, a batch the
      // network held back): learning it would make the spread, and so the limit, balloon.
      if (gap >= this.expectedMs * (this.opts.minGapShare ?? 0.5) && gap <= this.ceilingMs()) this.learn(gap);
    }
    this.lastBeat = now;
  }

  /** The stream was cut: the next beat starts a new gap (what was learned stays). */
  restart(): void {
    this.lastBeat = null;
  }

  /** Intervals learned so far (for tests and the health view). */
  get samples(): number {
    return this.intervals.length;
  }

  /** The never-later-than bound: the fixed factor × the announced interval. */
  ceilingMs(): number {
    return (this.opts.ceilingFactor ?? 2.5) * this.expectedMs;
  }

  /** How long a silence after the last event may last before the stream is judged silent. */
  limitMs(): number {
    if (this.cached !== null) return this.cached;
    const ceiling = this.ceilingMs();
    const n = this.intervals.length;
    if (n < (this.opts.priorFrom ?? 2)) return (this.cached = ceiling);
    // Pseudo-intervals of the prior still counted: none once minSamples real ones are learned.
    const k = Math.max(0, (this.opts.minSamples ?? 8) - n);
    const prior = this.expectedMs;
    const priorStd = prior * (this.opts.priorStdShare ?? 0.06);
    const mean = (this.sum + k * prior) / (n + k);
    const variance = Math.max(0, (this.sumSq + k * (prior * prior + priorStd * priorStd)) / (n + k) - mean * mean);
    const std = Math.max(Math.sqrt(variance), mean * (this.opts.minStdShare ?? 0.05), this.opts.minStdMs ?? 10);
    const floor = mean + Math.max(this.opts.floorMarginMs ?? 100, mean * (this.opts.floorShare ?? 0.25));
    // Rounded to 10 ms so the probe's timer keeps one length between beats (refresh, not re-create).
    const limit = Math.ceil(Math.min(ceiling, Math.max(floor, mean + this.z * std)) / 10) * 10;
    return (this.cached = limit);
  }

  /** Whether a stream whose last event came at `lastEventAt` is silent at `now`. */
  isSilent(lastEventAt: number, now: number = (this.opts.clock ?? systemClock).now()): boolean {
    return now - lastEventAt >= this.limitMs();
  }

  /** φ of a silence of `elapsedMs` (Infinity-free; 0 before anything is learned). */
  phi(elapsedMs: number): number {
    const n = this.intervals.length;
    if (n === 0) return 0;
    const mean = this.sum / n;
    const std = Math.max(Math.sqrt(Math.max(0, this.sumSq / n - mean * mean)), mean * (this.opts.minStdShare ?? 0.05), this.opts.minStdMs ?? 10);
    return phiOf(elapsedMs, mean, std);
  }

  private learn(gap: number): void {
    const size = this.opts.windowSize ?? 100;
    if (this.intervals.length < size) this.intervals.push(gap);
    else {
      const old = this.intervals[this.next]!;
      this.sum -= old;
      this.sumSq -= old * old;
      this.intervals[this.next] = gap;
      this.next = (this.next + 1) % size;
    }
    this.sum += gap;
    this.sumSq += gap * gap;
    this.cached = null;
  }

  private forget(): void {
    this.intervals.length = 0;
    this.next = 0;
    this.sum = 0;
    this.sumSq = 0;
    this.lastBeat = null;
    this.cached = null;
  }
}
