import { describe, expect, it } from 'vitest';
import { BeatLag } from '../../src/sim/beat-lag.ts';

describe('simulator beat lag', () => {
  it('records each beat as written minus due, never negative, with nearest-rank p50/p99 and the max', () => {
    const lag = new BeatLag();
    // 100 beats due at 1000 ms: 98 written 1–98 ms late, one 10 ms early (counts 0), one 500 ms late.
    for (let late = 1; late <= 98; late++) lag.record(1000, 1000 + late);
    lag.record(1000, 990);
    lag.record(1000, 1500);
    const s = lag.summary();
    expect(s.beats).toBe(100);
    expect(s.p50).toBe(49);
    expect(s.p99).toBe(98);
    expect(s.max).toBe(500);
  });

  it('starts a new window on reset', () => {
    const lag = new BeatLag();
    lag.record(0, 300);
    lag.reset();
    lag.record(0, 4);
    expect(lag.summary()).toEqual({ beats: 1, p50: 4, p99: 4, max: 4 });
    lag.reset();
    expect(lag.summary()).toEqual({ beats: 0, p50: 0, p99: 0, max: 0 });
  });
});
