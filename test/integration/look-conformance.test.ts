/**
 * One format, against the simulators (issue 23 item 1): six cameras (camera
 * nodes, Blackmagic cameras and a phone) at 1920x1080p60; one switched to 30 fps
 * on the camera itself fails the roll call with the crew sentence and raises ONE
 * format_mismatch naming it; a second odd camera replaces it with one naming
 * both; back in format resolves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollCallReport } from '../../src/topology/rollcall.ts';
import { eventually, type LookHarness, startLookHarness } from './look-helpers.ts';

// Test addresses: 127.154.2.0/24 (LAN-like), 127.154.102.0/24 (tailnet-like).
let h: LookHarness;
const nameOf = (id: string) => h.sim.nodes.find((n) => n.id === id)!.name;
const mismatches = async () => (await h.openAlerts()).filter((a) => a.kind === 'format_mismatch');

beforeAll(async () => {
  h = await startLookHarness({ lanCidr: '127.154.2.0/24', tailnetCidr: '127.154.102.0/24', nodes: 3, blackmagic: 2, phones: 1 });
}, 90_000);
afterAll(async () => h?.close());

describe('one format per rig', () => {
  it('all six at 1920x1080p60: the roll call says formats match, no alert', async () => {
    const report = await h.get<RollCallReport>('/api/check');
    expect(report.formats.line).toBe('formats match (6 cameras, 1920x1080p60)');
    // Only the format rule is judged here (a path may be slow to answer on a loaded machine).
    expect(report.devices.filter((d) => d.role === 'camera').flatMap((d) => d.problems.filter((p) => p.includes(' records ')))).toEqual([]);
    expect(await mismatches()).toEqual([]);
  });

  it('a camera switched to 30 fps fails the roll call in crew words and raises one format_mismatch', async () => {
    await h.setLook('cam-02', { format: '1920x1080p30' });
    const sentence = `${nameOf('cam-02')} records 1920x1080p30; the other 5 cameras record 1920x1080p60`;
    const report = await eventually('cam-02 fails the roll call', async () => {
      const r = await h.get<RollCallReport>('/api/check');
      return r.devices.find((d) => d.id === 'cam-02')?.ok === false ? r : null;
    }, 20_000);
    expect(report.ok).toBe(false);
    expect(report.devices.find((d) => d.id === 'cam-02')!.problems).toContain(sentence);
    expect(report.devices.filter((d) => d.id !== 'cam-02' && d.role === 'camera').flatMap((d) => d.problems.filter((p) => p.includes(' records ')))).toEqual([]);
    expect(report.formats.line).toBe(sentence);
    const [alert, ...more] = await eventually('one format_mismatch', async () => ((await mismatches()).length ? mismatches() : null), 20_000);
    expect(more).toEqual([]);
    expect(alert!.deviceId).toBe('formats');
    expect(alert!.severity).toBe('warning');
    expect(alert!.message).toContain(sentence);
  });

  it('a second odd camera (a Blackmagic one) gives one alert naming both, not two', async () => {
    await h.setLook('bmd-01', { format: '1920x1080p30' });
    const alert = await eventually('the alert names both', async () => {
      const open = await mismatches();
      return open.length === 1 && open[0]!.message.includes(nameOf('bmd-01')) ? open[0] : null;
    }, 20_000);
    expect(alert.message).toContain(nameOf('cam-02'));
    expect(await mismatches()).toHaveLength(1);
  });

  it('back in format: resolved, and the roll call passes again', async () => {
    await h.setLook('cam-02', { format: '1920x1080p60' });
    await h.setLook('bmd-01', { format: '1920x1080p60' });
    await eventually('no format_mismatch open', async () => (await mismatches()).length === 0, 20_000);
    const report = await h.get<RollCallReport>('/api/check');
    expect(report.formats.line).toBe('formats match (6 cameras, 1920x1080p60)');
  });
});
