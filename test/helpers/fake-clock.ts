/**
 * The one fake clock for tests: timers run only when the test moves time on
 * (`advance`, or `advanceAsync` when the code under test awaits between timers).
 */
import type { Clock, TimerHandle } from '../../src/topology/clock.ts';

interface Due {
  at: number;
  fn: () => void;
  every: number | null;
}

export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly due = new Map<number, Due>();

  constructor(start = Date.parse('2026-01-01T10:00:00Z')) {
    this.t = start;
  }

  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms, null);
  clearTimeout = (id: TimerHandle): void => void this.due.delete(id as number);
  setInterval = (fn: () => void, ms: number): TimerHandle => this.add(fn, ms, Math.max(1, ms));
  clearInterval = (id: TimerHandle): void => void this.due.delete(id as number);

  /** Timers pending now (for tests that check nothing is left behind). */
  get pending(): number {
    return this.due.size;
  }

  /** Move time on by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      const next = this.nextDue(end);
      if (!next) break;
      this.fire(next);
    }
    this.t = end;
  }

  /** As `advance`, letting promises settle after each timer (code that awaits between timers). */
  async advanceAsync(ms: number): Promise<void> {
    const end = this.t + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      await flushMicrotasks();
      const next = this.nextDue(end);
      if (!next) break;
      this.fire(next);
    }
    this.t = end;
    await flushMicrotasks();
  }

  private add(fn: () => void, ms: number, every: number | null): number {
    const id = ++this.seq;
    this.due.set(id, { at: this.t + Math.max(0, ms), fn, every });
    return id;
  }

  private nextDue(end: number): [number, Due] | undefined {
    let best: [number, Due] | undefined;
    for (const e of this.due) if (e[1].at <= end && (!best || e[1].at < best[1].at || (e[1].at === best[1].at && e[0] < best[0]))) best = e;
    return best;
  }

  private fire([id, d]: [number, Due]): void {
    this.t = Math.max(this.t, d.at);
    if (d.every === null) this.due.delete(id);
    else d.at += d.every;
    d.fn();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise<void>((resolve) => setImmediate(resolve));
}
