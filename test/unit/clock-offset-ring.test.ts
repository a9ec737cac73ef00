/** The clock offset estimator's fixed sample ring: the cap, wrap-around and pruning in place. */
import { describe, expect, it } from 'vitest';
import { ClockOffsetEstimator } from '../../src/topology/probes/clock-offset.ts';

describe('clock offset sample ring', () => {
  it('holds at most maxSamples, dropping the oldest, and still estimates after wrapping round', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ maxSamples: 4, windowMs: 1e9, now: () => now });
    // A wide poll first (offset 100 ± 50), then ± 20 ones, then ± 5 ones: once the wide one is dropped the estimate narrows.
    e.addRoundTrip(0, 100, 150);
    for (let i = 1; i <= 3; i++) e.addRoundTrip(i * 10, i * 10 + 40, i * 10 + 120);
    expect(e.size).toBe(4);
    expect(e.estimate()).toEqual({ offsetMs: 100, uncertaintyMs: 20 });
    for (let i = 4; i <= 9; i++) e.addRoundTrip(i * 10, i * 10 + 10, i * 10 + 105);
    now = 100;
    expect(e.size).toBe(4);
    // Only the four newest (offset in [95, 105]) remain.
    expect(e.estimate()).toEqual({ offsetMs: 100, uncertaintyMs: 5 });
  });

  it('prunes old samples in place across the wrap, keeping the newest round trip', () => {
    let now = 0;
    const e = new ClockOffsetEstimator({ maxSamples: 5, windowMs: 1000, now: () => now });
    for (let t = 0; t < 7; t++) e.addOneWay(t * 100, t * 100 + 50); // wraps: 5 held
    e.addRoundTrip(700, 720, 765); // [45, 65]
    for (let t = 8; t < 10; t++) e.addOneWay(t * 100, t * 100 + 60); // lo 60
    expect(e.size).toBe(5);
    now = 2500; // every sample is past the window
    expect(e.estimate()).toEqual({ offsetMs: 55, uncertaintyMs: 10 });
    expect(e.size).toBe(1);
  });
});
