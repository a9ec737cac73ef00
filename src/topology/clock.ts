/**
 * The one clock of rigmap: wall time and timers come from here, injected at the
 * wiring (server/main.ts) into everything whose behaviour depends on time, so a
 * rule, a probe schedule or a re-send is tested on a fake clock
 * (test/helpers/fake-clock.ts) in milliseconds instead of sleeping.
 */

/** Opaque handle of a pending timer. */
export type TimerHandle = unknown;

/** Time and timers. Timers made by the system clock never keep the process alive. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
}

/**
 * Wall-clock time and Node timers (unref'd: a pending rule or poll must not hold
 * a CLI command or a test open; the server is held by its listening socket).
 * This is the only place in src/topology and src/server that calls them directly.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref?.();
    return t;
  },
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Resolve after `ms` on `clock` (a fake clock resolves it when the test moves time on). */
export function sleepOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => void clock.setTimeout(resolve, ms));
}

/**
 * As `sleepOn`, but the wait holds the process open like a bare `setTimeout`: for
 * a wait a CLI command awaits with nothing else pending (a synchronized start
 * waiting for its instant), where an unref'd timer would let the process exit
 * mid-command. A fake clock's timer has nothing to hold.
 */
export function sleepHeldOn(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const handle = clock.setTimeout(resolve, ms) as { ref?: () => unknown } | null;
    handle?.ref?.();
  });
}

/**
 * Restart a pending timeout with its original delay. A Node timer (the system
 * clock's) is refreshed in place, so a hot path (every heartbeat of every path)
 * allocates nothing; any other clock's timer is replaced. Returns the handle to keep.
 */
export function restartTimeout(clock: Clock, handle: TimerHandle, fn: () => void, ms: number): TimerHandle {
  const node = handle as { refresh?: () => unknown } | null;
  if (typeof node?.refresh === 'function') {
    node.refresh();
    return handle;
  }
  clock.clearTimeout(handle);
  return clock.setTimeout(fn, ms);
}
