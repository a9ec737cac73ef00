/**
 * Login attempt limits. Failed attempts are counted in a sliding window per
 * remote address + login (guessing one password) and per remote address alone
 * (trying many logins). Over the first, that login is refused from that
 * address; over the second, the address may still sign in with the logins that
 * signed in from it before (within `knownMs`) and with no other. So one
 * attacker behind the same address as the crew (a same-host proxy, the venue's
 * NAT) can hold back strangers but not lock out the crew: each crew member's
 * own pair is still capped at `perUser` failures, so guessing gains nothing.
 * In memory and bounded (`maxKeys` per map, oldest dropped first). Time is the
 * injected clock's, so the window is tested on a fake clock.
 */
import { systemClock, type Clock } from '../clock.ts';

/** Limits; the defaults stop guessing without locking a crew member out for long. */
export interface LoginLimits {
  perUser: number;
  perAddress: number;
  windowMs: number;
  /** How long a successful sign-in keeps its address + login exempt from the per-address limit. */
  knownMs: number;
  maxKeys: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { perUser: 5, perAddress: 30, windowMs: 15 * 60_000, knownMs: 30 * 24 * 3_600_000, maxKeys: 10_000 };

const pairOf = (remote: string, login: string) => `${remote}|${login.trim().toLowerCase()}`;

/** Counts failed logins; `check` says whether another attempt may be made now. */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  /** address|login → when it last signed in successfully. */
  private readonly known = new Map<string, number>();
  readonly limits: LoginLimits;

  constructor(limits: Partial<LoginLimits> = {}, private readonly clock: Clock = systemClock) {
    this.limits = { ...DEFAULT_LOGIN_LIMITS, ...limits };
  }

  private recent(key: string, now: number): number[] {
    const list = (this.failures.get(key) ?? []).filter((t) => t > now - this.limits.windowMs);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  /** Seconds until the `limit`-th newest failure of `list` leaves the window. */
  private waitOf(list: number[], limit: number, now: number): number {
    return Math.max(1, Math.ceil((list[list.length - limit]! + this.limits.windowMs - now) / 1000));
  }

  /** Null when an attempt is allowed, else the seconds to wait. */
  check(remote: string, login: string): number | null {
    const now = this.clock.now();
    const pair = pairOf(remote, login);
    const user = this.recent(pair, now);
    if (user.length >= this.limits.perUser) return this.waitOf(user, this.limits.perUser, now);
    const knownAt = this.known.get(pair);
    if (knownAt !== undefined && knownAt > now - this.limits.knownMs) return null;
    const addr = this.recent(remote, now);
    return addr.length >= this.limits.perAddress ? this.waitOf(addr, this.limits.perAddress, now) : null;
  }

  /** Count a failed attempt. */
  fail(remote: string, login: string): void {
    const now = this.clock.now();
    for (const key of [pairOf(remote, login), remote]) {
      if (!this.failures.has(key) && this.failures.size >= this.limits.maxKeys) this.failures.delete(this.failures.keys().next().value as string);
      this.failures.set(key, [...this.recent(key, now), now]);
    }
  }

  /** A successful login clears that pair's failures and keeps the pair exempt from the per-address limit. */
  succeed(remote: string, login: string): void {
    const now = this.clock.now();
    const pair = pairOf(remote, login);
    this.failures.delete(pair);
    this.known.delete(pair);
    if (this.known.size >= this.limits.maxKeys) this.known.delete(this.known.keys().next().value as string);
    this.known.set(pair, now);
  }
}
