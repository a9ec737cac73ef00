/**
 * The state machine of one path (one service on one address). Pure: it is fed
 * probe outcomes with their time and answers whether the state changed, so it is
 * tested without sockets or clocks.
 */
import type { PathState } from '../health-types.ts';

/** Tuning of every path machine. */
export interface PathMachineOptions {
  /** Consecutive failed polls before a path is down (K). */
  failuresToDown: number;
  /** Consecutive successes before a down path is up again (M). */
  successesToUp: number;
  /** More than this many state changes inside the window is flapping (F). */
  flapThreshold: number;
  /** The flapping window in ms (W). */
  flapWindowMs: number;
}

/** A failure: `immediate` ones (refused, stream closed, silence) need no K. */
export interface ProbeFailure {
  reason: string;
  /** Short, bounded label for metrics: refused, timeout, http_error, heartbeat_silent, stream_closed, bad_answer, error. */
  category: string;
  immediate: boolean;
  /**
   * Where it came from; default 'poll'. Stream failures (closed, silent, garbled)
   * are immediate and do not count toward K: K counts failed polls only.
   */
  source?: ProbeSource;
}

/** Which probe an outcome came from: the interval poll or the live event stream. */
export type ProbeSource = 'poll' | 'stream';

/** What a probe outcome changed. */
export interface PathChange {
  from: PathState;
  to: PathState;
  reason: string;
}

/** One path's state, counters and flap history. */
export class PathMachine {
  state: PathState = 'unknown';
  since: number | null = null;
  latencyMs: number | null = null;
  lastError: string | null = null;
  /** The category of the last failure (refused, timeout, app_closed …): how a down path failed. */
  lastCategory: string | null = null;
  flapping = false;
  /** Failed polls in a row; only a poll that answers resets it (a beating stream does not). */
  private pollFailures = 0;
  private successes = 0;
  private changes: number[] = [];

  constructor(private readonly opts: PathMachineOptions) {}

  /**
   * A probe answered (poll, SSE hello, heartbeat). A stream event proves the node
   * is alive but says nothing about its /status: it neither cancels failed polls
   * nor brings a path up while the last poll failed, so a node answering garbage,
   * errors or nothing on /status while its stream still beats goes down after K.
   */
  succeed(now: number, latencyMs: number | null, reason: string, source: ProbeSource = 'poll'): PathChange | null {
    if (latencyMs !== null) this.latencyMs = latencyMs;
    if (source === 'poll') this.pollFailures = 0;
    this.successes++;
    if (this.state === 'up') return null;
    if (this.pollFailures > 0) return null;
    if (this.state === 'down' && this.successes < this.opts.successesToUp) return null;
    this.lastError = null;
    return this.move(now, 'up', reason);
  }

  /** A probe failed. Immediate failures go down at once; polls after K in a row. */
  fail(now: number, failure: ProbeFailure): PathChange | null {
    this.successes = 0;
    if ((failure.source ?? 'poll') === 'poll') this.pollFailures++;
    this.lastError = failure.reason;
    this.lastCategory = failure.category;
    if (this.state === 'down') return null;
    if (!failure.immediate && this.pollFailures < this.opts.failuresToDown) return null;
    return this.move(now, 'down', failure.reason);
  }

  /** Re-evaluate flapping as time passes; true when the flag changed. */
  tick(now: number): boolean {
    this.prune(now);
    const flapping = this.changes.length > this.opts.flapThreshold || (this.flapping && this.changes.length > 0);
    if (flapping === this.flapping) return false;
    this.flapping = flapping;
    return true;
  }

  private prune(now: number): void {
    const cutoff = now - this.opts.flapWindowMs;
    while (this.changes.length && (this.changes[0] as number) < cutoff) this.changes.shift();
  }

  private move(now: number, to: PathState, reason: string): PathChange {
    const from = this.state;
    this.state = to;
    this.since = now;
    // unknown → x is the first sighting, not a change worth counting as a flap.
    if (from !== 'unknown') this.changes.push(now);
    this.tick(now);
    return { from, to, reason };
  }
}
