/**
 * Poll `check` until it returns a truthy value, bounded by `timeoutMs`, else fail
 * naming `what` (and the last error `check` threw). Tests wait with this, never
 * with fixed sleeps, and never assert on how long it took.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** Wait (bounded) until `check` is true, else fail naming `what`: `eventually` for a plain condition. */
export async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  await eventually(what, check, timeoutMs);
}

/** Wait (bounded) until the expectations inside `check` hold (it throws until they do). */
export async function untilHolds(what: string, check: () => void, timeoutMs = 15_000): Promise<void> {
  await eventually(what, () => {
    check();
    return true;
  }, timeoutMs);
}
