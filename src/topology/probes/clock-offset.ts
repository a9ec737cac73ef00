/**
 * Clock offset of one camera node, NTP-style: how far the node's clock runs
 * from rigmap's (offset = node − rigmap, ms). Each sample bounds the offset:
 *
 * - a poll (round trip): the node stamped `status.time` somewhere between sending
 *   and receiving, so the offset lies in [node − received, node − sent] — the
 *   classic "receive time corrected by half the round trip", with ± half the
 *   round trip as its uncertainty;
 * - an event-stream message (one way): the node stamped it before it arrived, so
 *   the offset is at least node − received.
 *
 * Over a window the tightest bounds win (the smallest round trip gives the
 * narrowest interval; the least delayed event raises the floor), so network and
 * event-loop delays only ever widen the interval, never bias it. A sample that
 * contradicts older ones (the node's clock was stepped) drops every older one.
 * Time is injected so the rules are testable without waiting.
 */

/** The estimate: offset (node − rigmap) and how far it may be off, in ms. */
export interface ClockEstimate {
  offsetMs: number;
  uncertaintyMs: number;
}

/** Node clock times are hostile input: an ISO string of sane length, else ignored. */
export function parseNodeTime(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Clock rounding (integer ms on both sides) may put a true bound 1 ms off. */
const SLACK_MS = 1;

/**
 * Offset estimator of one node. Samples live in a fixed ring of typed arrays: a
 * node sends about four a second and each is kept for the 60 s window, long
 * enough that one object per sample is promoted and dies in the old generation
 * (at 1,000 cameras that churn was most of the server's RSS above its live heap).
 */
export class ClockOffsetEstimator {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly now: () => number;
  /** rigmap time each sample arrived, its lower bound, its upper bound (+Infinity: one way). */
  private readonly at: Float64Array;
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  /** Ring position of the oldest sample, and how many are held (in arrival order). */
  private head = 0;
  private count = 0;

  constructor(opts: { windowMs?: number; maxSamples?: number; now?: () => number } = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxSamples = Math.max(1, opts.maxSamples ?? 256);
    this.now = opts.now ?? Date.now;
    this.at = new Float64Array(this.maxSamples);
    this.lo = new Float64Array(this.maxSamples);
    this.hi = new Float64Array(this.maxSamples);
  }

  /** A poll: sent at `sentAt`, answered at `receivedAt` (rigmap ms), node time `nodeTime` (ms). */
  addRoundTrip(sentAt: number, receivedAt: number, nodeTime: number): void {
    if (!(receivedAt >= sentAt)) return;
    this.add(receivedAt, nodeTime - receivedAt, nodeTime - sentAt);
  }

  /** An event-stream message stamped `nodeTime` by the node, received at `receivedAt`. */
  addOneWay(receivedAt: number, nodeTime: number): void {
    this.add(receivedAt, nodeTime - receivedAt, Number.POSITIVE_INFINITY);
  }

  /** The current estimate; null until a round trip has bounded it from above. */
  estimate(): ClockEstimate | null {
    this.prune();
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.count; i++) {
      const k = this.slot(i);
      if (this.lo[k]! > lo) lo = this.lo[k]!;
      if (this.hi[k]! < hi) hi = this.hi[k]!;
    }
    if (!Number.isFinite(hi) || !Number.isFinite(lo)) return null;
    // Slack can leave lo a hair above hi: the truth is between them.
    if (lo > hi) [lo, hi] = [hi, lo];
    return { offsetMs: round1((lo + hi) / 2), uncertaintyMs: round1((hi - lo) / 2) };
  }

  /** Samples held now (for tests and the bench). */
  get size(): number {
    return this.count;
  }

  /** Ring position of the i-th oldest sample. */
  private slot(i: number): number {
    return (this.head + i) % this.maxSamples;
  }

  private add(at: number, lo: number, hi: number): void {
    if (!Number.isFinite(lo)) return;
    // A sample that contradicts an older one means the node's clock was set since: everything
    // before it describes another clock (even samples that happen to overlap), so all of it goes.
    for (let i = 0; i < this.count; i++) {
      const k = this.slot(i);
      if (this.lo[k]! > hi + SLACK_MS || lo > this.hi[k]! + SLACK_MS) {
        this.count = 0;
        break;
      }
    }
    if (this.count === this.maxSamples) {
      this.head = (this.head + 1) % this.maxSamples;
      this.count--;
    }
    const k = this.slot(this.count++);
    this.at[k] = at;
    this.lo[k] = lo;
    this.hi[k] = hi;
  }

  private prune(): void {
    const oldest = this.now() - this.windowMs;
    let lastRoundTrip = -1;
    let stale = false;
    for (let i = 0; i < this.count; i++) {
      const k = this.slot(i);
      if (Number.isFinite(this.hi[k]!)) lastRoundTrip = i;
      if (this.at[k]! < oldest) stale = true;
    }
    if (!stale) return;
    // Keep the newest round trip even when old: an idle node is still bounded by it. In place, oldest first.
    let kept = 0;
    for (let i = 0; i < this.count; i++) {
      const from = this.slot(i);
      if (this.at[from]! < oldest && i !== lastRoundTrip) continue;
      const to = this.slot(kept++);
      this.at[to] = this.at[from]!;
      this.lo[to] = this.lo[from]!;
      this.hi[to] = this.hi[from]!;
    }
    this.count = kept;
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** What a probe runner reports clock samples to (one node, any of its paths). */
export interface ClockSink {
  roundTrip(sentAt: number, receivedAt: number, nodeTime: unknown): void;
  oneWay(receivedAt: number, nodeTime: unknown): void;
}

/** Estimators of every node, by device id (both paths of a node feed the same clock). */
export class ClockBook {
  private readonly byDevice = new Map<string, ClockOffsetEstimator>();

  constructor(private readonly opts: { windowMs?: number; now?: () => number } = {}) {}

  /** The estimator of a device (created on first use). */
  of(deviceId: string): ClockOffsetEstimator {
    let e = this.byDevice.get(deviceId);
    if (!e) this.byDevice.set(deviceId, (e = new ClockOffsetEstimator(this.opts)));
    return e;
  }

  /** Where a runner of this device reports samples. */
  sinkFor(deviceId: string): ClockSink {
    return {
      roundTrip: (sentAt, receivedAt, nodeTime) => {
        const t = parseNodeTime(nodeTime);
        if (t !== null) this.of(deviceId).addRoundTrip(sentAt, receivedAt, t);
      },
      oneWay: (receivedAt, nodeTime) => {
        const t = parseNodeTime(nodeTime);
        if (t !== null) this.of(deviceId).addOneWay(receivedAt, t);
      },
    };
  }

  estimate(deviceId: string): ClockEstimate | null {
    return this.byDevice.get(deviceId)?.estimate() ?? null;
  }

  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }
}
