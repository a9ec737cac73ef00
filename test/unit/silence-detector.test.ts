/**
 * The adaptive (φ-accrual) silence detector with an injected clock: a steady
 * stream is judged silent soon after its expected beat, a jittery one gets the
 * slack its jitter asks for and is never judged silent while it keeps beating,
 * and the limit stays between its floor and the old fixed ceiling.
 */
import { describe, expect, it } from 'vitest';
import { phiOf, SilenceDetector, zForPhi } from '../../src/topology/probes/silence-detector.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

/** A seeded PRNG (mulberry32) so every run sees the same jitter. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Feed `count` beats whose gaps come from `gap()`, on a fake clock; returns the clock. */
function feed(d: SilenceDetector, clock: FakeClock, count: number, gap: () => number, onGap?: (g: number) => void): void {
  for (let i = 0; i < count; i++) {
    const g = gap();
    onGap?.(g);
    clock.advance(g);
    d.beat();
  }
}

describe('φ maths', () => {
  it('z for φ = 8 is the normal quantile of 1 - 1e-8, and φ at mean + z·σ is about 8', () => {
    expect(zForPhi(8)).toBeCloseTo(5.612, 2);
    expect(zForPhi(3)).toBeCloseTo(3.09, 2);
    const phi = phiOf(1000 + zForPhi(8) * 50, 1000, 50);
    expect(phi).toBeGreaterThan(7);
    expect(phi).toBeLessThan(9.5);
    expect(phiOf(1000, 1000, 50)).toBeCloseTo(Math.log10(2), 2);
  });
});

describe('SilenceDetector', () => {
  it('uses the old fixed ceiling (2.5 × announced) only until the third beat, then a prior built on the announced interval', () => {
    const clock = new FakeClock(0);
    const d = new SilenceDetector({ expectedMs: 1000, clock });
    expect(d.limitMs()).toBe(2500);
    feed(d, clock, 2, () => 1000);
    expect(d.samples).toBe(1);
    expect(d.limitMs()).toBe(2500);
    // Third beat: two intervals learned, the prior carries the rest (issue 25 item 9: under 1.5 s at 1 s beats).
    feed(d, clock, 1, () => 1000);
    expect(d.samples).toBe(2);
    expect(d.limitMs()).toBeGreaterThanOrEqual(1250);
    expect(d.limitMs()).toBeLessThan(1500);
  });

  it('judges a steady stream silent soon after its expected beat (well before the old 2.5 ×)', () => {
    const clock = new FakeClock(0);
    const r = rng(1);
    const d = new SilenceDetector({ expectedMs: 1000, clock });
    feed(d, clock, 60, () => 1000 + (r() - 0.5) * 10);
    const limit = d.limitMs();
    expect(limit).toBeGreaterThanOrEqual(1250); // floor: mean + 25 %
    expect(limit).toBeLessThanOrEqual(1300);
    const last = clock.now();
    expect(d.isSilent(last, last + limit - 20)).toBe(false);
    expect(d.isSilent(last, last + limit)).toBe(true);
    expect(d.phi(limit)).toBeGreaterThan(5);
  });

  it('at a 500 ms heartbeat, a hang is seen within 650 ms of the last beat', () => {
    const clock = new FakeClock(0);
    const r = rng(2);
    const d = new SilenceDetector({ expectedMs: 500, clock });
    feed(d, clock, 40, () => 500 + (r() - 0.5) * 6);
    expect(d.limitMs()).toBeLessThanOrEqual(650);
  });

  it('never judges a jittery Wi-Fi stream silent while it keeps beating, and gives it more slack', () => {
    const clock = new FakeClock(0);
    const r = rng(3);
    const d = new SilenceDetector({ expectedMs: 1000, clock });
    // Wi-Fi power save: beats bunch up, a late one (up to +400 ms) is followed by an early one.
    let owed = 0;
    const gap = () => {
      const g = owed ? 1000 - owed : 1000 + r() * 400;
      owed = owed ? 0 : r() < 0.5 ? g - 1000 : 0;
      return g;
    };
    let falseSilent = 0;
    let judged = 0;
    // 10,000 beats (almost 3 hours of a 1 s stream): before each beat, was the gap judged silent?
    feed(d, clock, 10_000, gap, (g) => {
      if (d.samples >= 8) judged++;
      if (d.isSilent(clock.now(), clock.now() + g - 1)) falseSilent++;
    });
    expect(judged).toBeGreaterThan(9000);
    expect(falseSilent).toBe(0);
    expect(d.limitMs()).toBeGreaterThan(1600);
    expect(d.limitMs()).toBeLessThanOrEqual(2500);
    // It still notices a real silence, by the ceiling at the latest.
    expect(d.isSilent(clock.now(), clock.now() + 2500)).toBe(true);
  });

  it('does not learn an outage gap, and relearns when the node announces another interval', () => {
    const clock = new FakeClock(0);
    const d = new SilenceDetector({ expectedMs: 1000, clock });
    feed(d, clock, 20, () => 1000);
    const steady = d.limitMs();
    clock.advance(30_000); // the stream was cut and came back
    d.beat();
    expect(d.limitMs()).toBe(steady);
    d.restart();
    clock.advance(5000);
    d.beat(); // first beat after a restart: no gap to learn
    expect(d.limitMs()).toBe(steady);
    d.expect(250);
    expect(d.samples).toBe(0);
    expect(d.limitMs()).toBe(625);
    feed(d, clock, 20, () => 250);
    // mean + z·σ with σ at least 5 % of the mean: 250 + 5.6 × 12.5 ≈ 320; the floor (250 + 100 ms) wins.
    expect(d.limitMs()).toBe(350);
  });
});
