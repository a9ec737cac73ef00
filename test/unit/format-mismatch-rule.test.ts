/**
 * The format_mismatch rule on the fake clock: a burst of camera reports (as a
 * rig-wide `rigmap set` makes) is judged once, reports that leave a camera's
 * format alone are not judged at all, and a camera that records another format
 * still raises ONE alert naming it once the mismatch held for the settle time.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FormatMismatchRule, MISMATCH_COALESCE_MS } from '../../src/topology/alerts/format-mismatch.ts';
import { listAlerts } from '../../src/topology/alerts/store.ts';
import type { Ctx } from '../../src/topology/context.ts';
import { EventBus } from '../../src/topology/events.ts';
import type { DeviceHealth, NodeStatus } from '../../src/topology/health-types.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import { emptyLook, parseFormatName } from '../../src/topology/look/format.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

const SETTLE_MS = 2000;
const CAMS = ['cam-a', 'cam-b', 'cam-c', 'cam-d'];

let tmp: ReturnType<typeof makeTempDir>;
let store: ReturnType<typeof openDb>;
let ctx: Ctx;
let clock: FakeClock;
let rule: FormatMismatchRule;
const statuses = new Map<string, NodeStatus>();

function statusAt(format: string, iso = 400): NodeStatus {
  const f = parseFormatName(format)!;
  return {
    state: 'idle', battery: { level: 0.8, charging: false }, thermal: 'nominal', storage: { freeBytes: 1e11, totalBytes: 2e11 }, uptimeSec: 10, time: null,
    look: { ...emptyLook(), format: { width: f.width, height: f.height, frameRate: f.frameRate, interlaced: f.interlaced, codec: null, dynamicRange: null }, iso },
  } as NodeStatus;
}

/** A camera reports, as the probe engine publishes it. */
function report(id: string, status: NodeStatus): void {
  statuses.set(id, status);
  ctx.bus.emit('node.status', { deviceId: id, status });
}

const open = () => listAlerts({ ctx }).open.filter((a) => a.kind === 'format_mismatch');

beforeEach(() => {
  tmp = makeTempDir('rigmap-format-rule-');
  store = openDb(join(tmp.dir, 'rigmap.db'));
  ctx = { db: store.db, bus: new EventBus(), actor: 'test' };
  // Test addresses: 127.65.31.0/24 (never contacted: no probe runs here).
  importInventoryText({
    ctx,
    text: JSON.stringify({
      version: 1,
      devices: CAMS.map((id, i) => ({ id, name: `Cam ${id.slice(4).toUpperCase()}`, role: 'camera', expected: true, addresses: [{ network: 'lan', ip: `127.65.31.${10 + i}` }], services: [{ name: 'camera-node', protocol: 'http', port: 8080 }] })),
      links: [],
    }),
  });
  clock = new FakeClock();
  statuses.clear();
  for (const id of CAMS) statuses.set(id, statusAt('1920x1080p60'));
  const health = (id: string): DeviceHealth | undefined => ({ deviceId: id, state: 'up', paths: [], status: statuses.get(id) ?? null, lastSeen: null });
  rule = new FormatMismatchRule({ ctx, health, clock, by: 'role', settleMs: SETTLE_MS });
  rule.start();
});

afterEach(() => {
  rule.stop();
  store.close();
  tmp.cleanup();
});

describe('format_mismatch rule', () => {
  it('a report that leaves every format alone is not judged: nothing is scheduled', () => {
    for (const id of CAMS) report(id, statusAt('1920x1080p60'));
    clock.advance(MISMATCH_COALESCE_MS);
    // The first report of each camera is news; from then on ISO changes are not.
    for (let round = 0; round < 5; round++) for (const id of CAMS) report(id, statusAt('1920x1080p60', 800 + round));
    expect(clock.pending).toBe(0);
    expect(open()).toEqual([]);
  });

  it('a burst of format reports is judged once, and a rig switched together raises nothing', () => {
    for (const id of CAMS) report(id, statusAt('1920x1080p60'));
    clock.advance(MISMATCH_COALESCE_MS);
    for (const id of CAMS) report(id, statusAt('1920x1080p25'));
    // One judgement pending for the whole burst, not one per camera.
    expect(clock.pending).toBe(1);
    clock.advance(MISMATCH_COALESCE_MS + SETTLE_MS);
    expect(clock.pending).toBe(0);
    expect(open()).toEqual([]);
  });

  it('one camera at another frame rate raises one alert naming it after the settle time, and resolves when it is back', () => {
    for (const id of CAMS) report(id, statusAt('1920x1080p60'));
    clock.advance(MISMATCH_COALESCE_MS);
    report('cam-c', statusAt('1920x1080p30'));
    clock.advance(MISMATCH_COALESCE_MS + SETTLE_MS - 1);
    expect(open()).toEqual([]);
    clock.advance(1);
    const [alert, ...more] = open();
    expect(more).toEqual([]);
    expect(alert!.deviceId).toBe('formats');
    expect(alert!.message).toContain('Cam C records 1920x1080p30; the other 3 cameras record 1920x1080p60');
    // Reports that do not touch the format keep the one alert as it is.
    for (const id of CAMS) report(id, { ...statuses.get(id)!, battery: { level: 0.5, charging: false } });
    clock.advance(MISMATCH_COALESCE_MS + SETTLE_MS);
    expect(open()).toHaveLength(1);
    report('cam-c', statusAt('1920x1080p60'));
    clock.advance(MISMATCH_COALESCE_MS);
    expect(open()).toEqual([]);
  });
});
