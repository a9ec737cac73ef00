/**
 * Discovery's times come from the injected clock: a scan's id, start and finish
 * are the FakeClock's (set months from the wall clock), not Date.now(). The scan
 * itself is real (TCP connects to 127.61.2.0/30, where nothing listens).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ScanRegistry } from '../../src/topology/discovery/scans.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

let rig: TestRig | undefined;
afterEach(() => rig?.close());

describe('discovery on the injected clock', () => {
  it('stamps a scan with the fake clock: id, startedAt, finishedAt', async () => {
    rig = makeTestRig();
    const start = Date.parse('2026-06-01T08:00:00Z');
    const clock = new FakeClock(start);
    const scans = new ScanRegistry({ clock });
    const first = scans.start({ ctx: rig.ctx, cidr: '127.61.2.0/30', port: 9 });
    expect(first).toMatchObject({ state: 'running', startedAt: new Date(start).toISOString(), finishedAt: null });
    expect(first.id).toBe(`scan-1-${start.toString(36)}`);
    clock.advance(1500);
    const done = await eventually('the scan finished', () => (scans.get(first.id).state === 'done' ? scans.get(first.id) : null), 10_000, 20);
    expect(done).toMatchObject({ found: 0, total: 2, startedAt: new Date(start).toISOString(), finishedAt: new Date(start + 1500).toISOString() });
    const second = scans.start({ ctx: rig.ctx, cidr: '127.61.2.0/30', port: 9 });
    expect(second.id).toBe(`scan-2-${(start + 1500).toString(36)}`);
    await scans.stopAll();
  });
});
