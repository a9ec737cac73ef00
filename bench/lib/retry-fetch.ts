/**
 * GET a JSON document, retrying a failed connection a bounded number of times
 * within a bounded time: a server busy at warm-up may answer slowly or reset a
 * kept-alive socket, which is not the figure a bench measures. Each retry is
 * counted so the bench can say how many it needed.
 */
export interface RetryBudget {
  /** Tries in all (default 5). */
  attempts?: number;
  /** Give up once this long has passed since the first try (default 30 s). */
  withinMs?: number;
  /** One try's time limit (default 10 s). */
  timeoutMs?: number;
}

export class RetryingGet {
  /** Retries made so far, and the last error each time. */
  readonly retries: string[] = [];

  constructor(private readonly budget: RetryBudget = {}) {}

  async json<T>(url: string): Promise<T> {
    const { attempts = 5, withinMs = 30_000, timeoutMs = 10_000 } = this.budget;
    const started = performance.now();
    for (let n = 1; ; n++) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        return (await res.json()) as T;
      } catch (err) {
        const why = `${(err as Error).message}${(err as { cause?: { code?: string } }).cause?.code ? ` (${(err as { cause: { code: string } }).cause.code})` : ''}`;
        if (n >= attempts || performance.now() - started > withinMs) throw new Error(`GET ${url} failed ${n} times in ${((performance.now() - started) / 1000).toFixed(1)} s; last: ${why}`);
        this.retries.push(why);
        await new Promise((r) => setTimeout(r, 200 * n));
      }
    }
  }
}
