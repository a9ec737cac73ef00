/** Folding rules, on a fake clock: what an upstream explains, and what it does not. */
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorld } from './alerts-world.ts';

let w: ReturnType<typeof makeWorld>;
afterEach(() => w?.close());

/** Every camera's LAN path goes quiet at `quiet`, noticed one after another (heartbeat phases differ). */
function loseLanOfAll(cams: string[], quiet: number) {
  for (const id of cams) {
    w.setPath(id, 'lan', 'down', { quietSince: quiet });
    w.run(300);
  }
}

describe('a silent hotspot outage', () => {
  it('folds every camera into one hotspot alert, raised before the hotspot\'s own probe notices, and no camera alert', () => {
    w = makeWorld({ cameras: 3 });
    const quiet = w.clock.now();
    w.run(2000);
    loseLanOfAll(w.cams, quiet);
    w.run(3000);
    expect(w.raised()).toEqual(['device_lost:hotspot']);
    const hot = w.open('device_lost', 'hotspot')!;
    expect(hot.folded).toEqual(['cam-1', 'cam-2', 'cam-3']);
    expect(hot.message).toMatch(/went quiet at once; covers cam-1, cam-2, cam-3/);
  });

  it('a camera lost on its tailnet path too raises its own device_lost; the hotspot alert says it does not cover it', () => {
    w = makeWorld({ cameras: 3 });
    const quiet = w.clock.now();
    w.run(2000);
    w.setPath('cam-3', 'tailscale', 'down', { quietSince: quiet });
    loseLanOfAll(w.cams, quiet);
    w.run(5000);
    expect(w.raised().sort()).toEqual(['device_lost:cam-3', 'device_lost:hotspot']);
    const hot = w.open('device_lost', 'hotspot')!;
    expect(hot.folded).toEqual(['cam-1', 'cam-2']);
    expect(hot.message).toMatch(/does not cover cam-3/);
  });

  it('several paths quiet and a quick probe of the hotspot unanswered: down before every camera is lost', async () => {
    let asked = 0;
    w = makeWorld({ cameras: 3, checkNow: async (id) => (asked++, id === 'hotspot' ? false : null) });
    const quiet = w.clock.now();
    w.run(2000);
    w.setPath('cam-1', 'lan', 'down', { quietSince: quiet });
    w.setPath('cam-2', 'lan', 'down', { quietSince: quiet });
    await Promise.resolve(); // the quick probe's answer
    w.run(1200);
    expect(asked).toBeGreaterThan(0);
    expect(w.raised()).toEqual(['device_lost:hotspot']);
    expect(w.open('device_lost', 'hotspot')!.message).toMatch(/does not answer/);
  });
});

describe('a camera alone', () => {
  it('loses its LAN path while the others keep beating: its own path_lost after the hold and one more look, nothing folded', () => {
    w = makeWorld({ cameras: 3 });
    w.run(1000);
    w.setPath('cam-2', 'lan', 'down', { quietSince: w.clock.now() - 2500 });
    w.run(1100);
    expect(w.raised()).toEqual([]);
    w.run(1000);
    expect(w.raised()).toEqual(['path_lost:cam-2:lan']);
  });

  it('lost on both paths while the hotspot is up: device_lost without waiting for the grouping window', () => {
    w = makeWorld({ cameras: 3 });
    w.run(3000);
    const quiet = w.clock.now() - 2500;
    w.setPath('cam-1', 'lan', 'down', { quietSince: quiet });
    w.setPath('cam-1', 'tailscale', 'down', { quietSince: quiet });
    w.run(250);
    expect(w.raised()).toEqual(['device_lost:cam-1']);
  });
});

describe('the upstream returns', () => {
  it('a folded camera still down gets its own alert at once (one hold), the others none; resolving is never held', () => {
    w = makeWorld({ cameras: 3 });
    w.run(2000);
    w.setPath('hotspot', 'lan', 'down');
    for (const id of w.cams) w.setPath(id, 'lan', 'down');
    w.run(2000);
    expect(w.raised()).toEqual(['device_lost:hotspot']);
    expect(w.open('device_lost', 'hotspot')!.folded).toEqual(['cam-1', 'cam-2', 'cam-3']);
    w.setPath('hotspot', 'lan', 'up');
    w.setPath('cam-1', 'lan', 'up');
    w.setPath('cam-2', 'lan', 'up');
    w.run(900);
    expect(w.raised()).toEqual(['device_lost:hotspot']);
    w.run(200);
    expect(w.raised()).toEqual(['device_lost:hotspot', 'path_lost:cam-3:lan']);
    w.run(5000);
    expect(w.open('device_lost', 'hotspot')).toBeUndefined();
    expect(w.open('path_lost', 'cam-3')).toBeDefined();
  });

  it('a folded camera back on its own while the hotspot is still down leaves the folded list', () => {
    w = makeWorld({ cameras: 3 });
    w.run(2000);
    w.setPath('hotspot', 'lan', 'down');
    for (const id of w.cams) w.setPath(id, 'lan', 'down');
    w.run(2000);
    w.setPath('cam-2', 'lan', 'up');
    w.run(500);
    expect(w.open('device_lost', 'hotspot')!.folded).toEqual(['cam-1', 'cam-3']);
    expect(w.raised()).toEqual(['device_lost:hotspot']);
  });
});

describe('the tailnet', () => {
  it('every Tailscale path quiet together: one network_lost alert naming the tailnet, every camera folded', () => {
    w = makeWorld({ cameras: 3 });
    const quiet = w.clock.now();
    w.run(2000);
    for (const id of w.cams) {
      w.setPath(id, 'tailscale', 'down', { quietSince: quiet });
      w.run(300);
    }
    w.run(3000);
    expect(w.raised()).toEqual(['network_lost:tailnet:tailscale']);
    expect(w.open('network_lost', 'tailnet')!.folded).toEqual(['cam-1', 'cam-2', 'cam-3']);
    for (const id of w.cams) w.setPath(id, 'tailscale', 'up');
    w.run(6000);
    expect(w.alerts().open).toEqual([]);
  });
});

describe('one alert per device, not two', () => {
  it('a camera whose Tailscale path is noticed lost first, while its LAN path is going quiet with the hotspot: device_lost only', () => {
    w = makeWorld({ cameras: 3 });
    const quiet = w.clock.now();
    for (const id of w.cams) w.hush(id, 'lan');
    w.hush('cam-3', 'tailscale');
    w.run(1500);
    // Beats stopped on those paths at `quiet`; cam-3's Tailscale loss is noticed first.
    w.setPath('cam-3', 'tailscale', 'down', { quietSince: quiet });
    w.clock.advance(1100);
    loseLanOfAll(['cam-1', 'cam-2', 'cam-3'], quiet);
    w.run(5000);
    expect(w.raised().sort()).toEqual(['device_lost:cam-3', 'device_lost:hotspot']);
  });
});
