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

interface Bound {
  /** rigmap time the sample arrived (ms). */
  at: number;
  lo: number;
  /** Upper bound; +Infinity for one-way samples. */
  hi: number;
}

/** Node clock times are hostile input: an ISO string of sane length, else ignored. */
export function parseNodeTime(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > 40) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

/** Clock rounding (integer ms on both sides) may put a true bound 1 ms off. */
const SLACK_MS = 1;

/** Offset estimator of one node. */
export class ClockOffsetEstimator {
  private samples: Bound[] = [];
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly now: () => number;

  constructor(opts: { windowMs?: number; maxSamples?: number; now?: () => number } = {}) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxSamples = opts.maxSamples ?? 256;
    this.now = opts.now ?? Date.now;
  }

  /** A poll: sent at `sentAt`, answered at `receivedAt` (rigmap ms), node time `nodeTime` (ms). */
  addRoundTrip(sentAt: number, receivedAt: number, nodeTime: number): void {
    if (!(receivedAt >= sentAt)) return;
    this.add({ at: receivedAt, lo: nodeTime - receivedAt, hi: nodeTime - sentAt });
  }

  /** An event-stream message stamped `nodeTime` by the node, received at `receivedAt`. */
  addOneWay(receivedAt: number, nodeTime: number): void {
    this.add({ at: receivedAt, lo: nodeTime - receivedAt, hi: Number.POSITIVE_INFINITY });
  }

  /** The current estimate; null until a round trip has bounded it from above. */
  estimate(): ClockEstimate | null {
    this.prune();
    let lo = Number.NEGATIVE_INFINITY;
    let hi = Number.POSITIVE_INFINITY;
    for (const s of this.samples) {
      if (s.lo > lo) lo = s.lo;
      if (s.hi < hi) hi = s.hi;
    }
    if (!Number.isFinite(hi) || !Number.isFinite(lo)) return null;
    // Slack can leave lo a hair above hi: the truth is between them.
    if (lo > hi) [lo, hi] = [hi, lo];
    return { offsetMs: round1((lo + hi) / 2), uncertaintyMs: round1((hi - lo) / 2) };
  }

  /** Samples held now (for tests and the bench). */
  get size(): number {
    return this.samples.length;
  }

  private add(sample: Bound): void {
    if (!Number.isFinite(sample.lo)) return;
    // A sample that contradicts an older one means the node's clock was set since: everything
    // before it describes another clock (even samples that happen to overlap), so all of it goes.
    if (this.samples.some((s) => s.lo > sample.hi + SLACK_MS || sample.lo > s.hi + SLACK_MS)) this.samples = [];
    this.samples.push(sample);
    if (this.samples.length > this.maxSamples) this.samples.shift();
  }

  private prune(): void {
    const oldest = this.now() - this.windowMs;
    // In place, with no callbacks: estimate() runs for every camera every second (shoot
    // health) and a new array each time lived about a second, long enough to be promoted:
    // old-generation garbage the collector left in the server's RSS.
    const samples = this.samples;
    let lastRoundTrip = -1;
    let stale = false;
    for (let i = 0; i < samples.length; i++) {
      if (Number.isFinite(samples[i]!.hi)) lastRoundTrip = i;
      if (samples[i]!.at < oldest) stale = true;
    }
    if (!stale) return;
    // Keep the newest round trip even when old: an idle node is still bounded by it.
    let kept = 0;
    for (let i = 0; i < samples.length; i++) if (samples[i]!.at >= oldest || i === lastRoundTrip) samples[kept++] = samples[i]!;
    samples.length = kept;
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
