/**
 * One alert owner (issue 26 item 2): the alert service in alert-writer.ts is the
 * only writer of alert rows, and tells the bus of every change. A group alert is
 * raised already carrying the devices it explains and the wording that names
 * them, so `alert.raised` (and every notifier fed from it) has the list at once.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { makeWorld } from './alerts-world.ts';

let w: ReturnType<typeof makeWorld>;
afterEach(() => w?.close());

function record(world: ReturnType<typeof makeWorld>) {
  const seen: Array<{ type: string; alert: Alert }> = [];
  for (const type of ['alert.raised', 'alert.changed', 'alert.resolved'] as const) world.ctx.bus.on(type, (e) => seen.push({ type, alert: e.data.alert }));
  return seen;
}

describe('the group alert goes out whole', () => {
  it('a silent hotspot outage with 5 cameras: one alert.raised that already lists all 5 and says it covers them', () => {
    w = makeWorld({ cameras: 5 });
    const seen = record(w);
    const quiet = w.clock.now();
    w.run(2000);
    for (const id of w.cams) {
      w.setPath(id, 'lan', 'down', { quietSince: quiet });
      w.run(200);
    }
    w.run(5000);
    const raised = seen.filter((s) => s.type === 'alert.raised');
    expect(raised.map((s) => `${s.alert.kind}:${s.alert.deviceId}`)).toEqual(['device_lost:hotspot']);
    expect(raised[0]!.alert.folded).toEqual(['cam-1', 'cam-2', 'cam-3', 'cam-4', 'cam-5']);
    expect(raised[0]!.alert.message).toMatch(/covers cam-1, cam-2, cam-3, cam-4, cam-5$/);
    // Nothing had to be corrected afterwards: the row is what was announced.
    expect(seen.filter((s) => s.type === 'alert.changed')).toEqual([]);
    expect(w.open('device_lost', 'hotspot')).toEqual(raised[0]!.alert);
  });

  it('a later change of the folded list (a camera back on its own) is told as alert.changed with the full alert', () => {
    w = makeWorld({ cameras: 3 });
    const seen = record(w);
    const quiet = w.clock.now();
    w.run(2000);
    for (const id of w.cams) {
      w.setPath(id, 'lan', 'down', { quietSince: quiet });
      w.run(300);
    }
    w.run(3000);
    w.setPath('cam-2', 'lan', 'up');
    w.run(100);
    const changed = seen.filter((s) => s.type === 'alert.changed');
    expect(changed.length).toBeGreaterThan(0);
    const last = changed.at(-1)!.alert;
    expect(last.folded).toEqual(['cam-1', 'cam-3']);
    expect(last).toEqual(w.open('device_lost', 'hotspot'));
    expect(seen.filter((s) => s.type === 'alert.raised').map((s) => s.alert.folded)).toEqual([['cam-1', 'cam-2', 'cam-3']]);
  });
});

describe('nothing else writes alert rows', () => {
  it('only alert-writer.ts calls the row writers of alerts/store.ts', () => {
    const writers = /\b(insertAlert|resolveAlertRow|updateOpenAlert)\s*\(/;
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && !p.endsWith(join('alerts', 'alert-writer.ts')) && !p.endsWith(join('alerts', 'store.ts')) && writers.test(readFileSync(p, 'utf8'))) offenders.push(p);
      }
    };
    walk(join(import.meta.dirname, '../../src'));
    expect(offenders).toEqual([]);
  });
});
