/**
 * Login attempt limits: failed attempts are counted per remote address + login
 * and per remote address alone, in a sliding window; over either limit, login
 * is refused until the oldest failure leaves the window. In memory and bounded.
 */

/** Limits; the defaults stop guessing without locking a crew member out for long. */
export interface LoginLimits {
  perUser: number;
  perAddress: number;
  windowMs: number;
  maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 30, windowMs: 15 * 60_000, maxKeys: 10_000 };

/** Counts failed logins; `check` says whether another attempt may be made now. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  readonly limits: LoginLimits;

  constructor(limits: Partial<LoginLimits> = {}) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Null when an attempt is allowed, else the seconds to wait. */
  check(remote: string, login: string, now = Date.now()): number | null {
    const user = this.recent(`${remote}|${login.toLowerCase()}`, now);
    const addr = this.recent(remote, now);
    const over = [user.length >= this.limits.perUser ? user : null, addr.length >= this.limits.perAddress ? addr : null].filter(Boolean) as number[][];
    if (!over.length) return null;
    const until = Math.max(...over.map((l) => l[l.length - (l === user ? this.limits.perUser : this.limits.perAddress)]! + this.limits.windowMs));
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  /** Count a failed attempt. */
  fail(remote: string, login: string, now = Date.now()): void {
    for (const key of [`${remote}|${login.toLowerCase()}`, remote]) {
      if (!this.failures.has(key) && this.failures.size >= this.limits.maxKeys) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(key, [...this.recent(key, now), now]);
    }
  }

  /** A successful login clears that user's failures from that address. */
  succeed(remote: string, login: string): void {
    this.failures.delete(`${remote}|${login.toLowerCase()}`);
  }
}
