/**
 * The periodic tailnet sync: one loop, run once at start and then every
 * interval; on a 429 or a 5xx (or an unreachable API) it backs off
 * exponentially, honouring Retry-After, and returns to the interval after a
 * success. Bounded: one run at a time, stopped by stop().
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { RigmapError } from '../errors.ts';

/** What /healthz and `rigmap tailscale status` show about the sync. */
export interface SyncStatus {
  enabled: boolean;
  source: string | null;
  state: 'idle' | 'running' | 'ok' | 'error' | 'backoff' | 'stopped';
  intervalSec: number;
  runs: number;
  lastRunAt: string | null;
  lastOkAt: string | null;
  lastError: { code: string; message: string; status?: number } | null;
  consecutiveFailures: number;
  nextRunAt: string | null;
  nextDelayMs: number | null;
}

/** Is this failure one that calls for backing off (rate limit, server error, network)? */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof RigmapError)) return true;
  const d = (err.details ?? {}) as { status?: number; retryable?: boolean };
  return d.retryable === true || d.status === 429 || (typeof d.status === 'number' && d.status >= 500);
}

/**
 * The delay before the next run: the interval after a success or a failure a
 * retry will not fix (bad token); after a retryable failure, interval × 2^n
 * capped at maxBackoffMs, and never sooner than the server's Retry-After.
 */
export function nextSyncDelay({ intervalMs, maxBackoffMs, failures, error }: {
  intervalMs: number;
  maxBackoffMs: number;
  failures: number;
  error?: unknown;
}): number {
  if (failures === 0 || error === undefined || !isRetryable(error)) return intervalMs;
  const backoff = Math.min(maxBackoffMs, intervalMs * 2 ** failures);
  const retryAfterSec = error instanceof RigmapError ? (error.details as { retryAfterSec?: number } | undefined)?.retryAfterSec : undefined;
  return Math.max(backoff, (retryAfterSec ?? 0) * 1000);
}

/** A self-rescheduling loop around one async job. */
export class SyncScheduler {
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private readonly st: SyncStatus;
  private readonly clock: Clock;

  constructor(
    private readonly opts: {
      source: string;
      intervalMs: number;
      maxBackoffMs?: number;
      job: () => Promise<void>;
      onError?: (err: unknown) => void;
      /** Called after every run with the status, next delay included (logging, tests). */
      onRunEnd?: (status: SyncStatus) => void;
      /** The cadence, back-off and status times run on it (default the system clock). */
      clock?: Clock;
    },
  ) {
    this.clock = opts.clock ?? systemClock;
    this.st = {
      enabled: true, source: opts.source, state: 'idle', intervalSec: Math.round(opts.intervalMs / 1000), runs: 0,
      lastRunAt: null, lastOkAt: null, lastError: null, consecutiveFailures: 0, nextRunAt: null, nextDelayMs: null,
    };
  }

  /** Start the loop; the first run happens at once. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stop the loop and wait for a run in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.st.state = 'stopped';
    this.st.nextRunAt = null;
    await this.running?.catch(() => undefined);
  }

  /** A copy of the current status. */
  status(): SyncStatus {
    return { ...this.st, lastError: this.st.lastError ? { ...this.st.lastError } : null };
  }

  /** Run now (unless a run is in progress), then keep the schedule. */
  async runNow(): Promise<void> {
    if (this.running) return this.running;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.running = this.runOnce().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.st.nextDelayMs = delayMs;
    this.st.nextRunAt = new Date(this.clock.now() + delayMs).toISOString();
    // Unref'd (the clock's timers are), as it always was: a sync never holds the process open.
    this.timer = this.clock.setTimeout(() => void this.runNow(), delayMs);
  }

  private async runOnce(): Promise<void> {
    this.st.state = 'running';
    this.st.lastRunAt = new Date(this.clock.now()).toISOString();
    this.st.runs++;
    let error: unknown;
    try {
      await this.opts.job();
      this.st.consecutiveFailures = 0;
      this.st.lastOkAt = new Date(this.clock.now()).toISOString();
      this.st.lastError = null;
      this.st.state = 'ok';
    } catch (err) {
      error = err;
      this.st.consecutiveFailures++;
      const status = err instanceof RigmapError ? (err.details as { status?: number } | undefined)?.status : undefined;
      this.st.lastError = {
        code: err instanceof RigmapError ? err.code : 'internal',
        message: err instanceof Error ? err.message : String(err),
        ...(status !== undefined ? { status } : {}),
      };
      this.st.state = isRetryable(err) ? 'backoff' : 'error';
      this.opts.onError?.(err);
    }
    if (this.stopped) {
      this.st.state = 'stopped';
      return;
    }
    this.schedule(nextSyncDelay({
      intervalMs: this.opts.intervalMs,
      maxBackoffMs: this.opts.maxBackoffMs ?? 3_600_000,
      failures: this.st.consecutiveFailures,
      error,
    }));
    this.opts.onRunEnd?.(this.status());
  }
}
