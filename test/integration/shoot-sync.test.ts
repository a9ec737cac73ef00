/**
 * Synchronized record start over real HTTP against the simulator: 8 cameras, one
 * whose clock runs 500 ms fast, all verified and within one frame of each other —
 * as rigmap reports it and as the simulator's true clock says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../../src/topology/commands/types.ts';
import { runRigmap } from '../helpers/cli.ts';
import { type HealthHarness, startHarness } from './health-helpers.ts';

let h: HealthHarness;

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.35.2.0/24', tailnetCidr: '127.135.2.0/24', nodes: 8, settings: { tailnetCidrs: '127.135.2.0/24' } });
  await h.sim.applyFault('cam-03', { mode: 'clock-skew', ms: 500 });
});
afterAll(() => h?.close());

/** True start instants (ms) of every recording camera, from the simulator: node-clock since minus its skew. */
function trueStarts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of h.sim.describe()) {
    const s = n.status as { recording: { since: string } | null } | null;
    if (s?.recording) out.set(n.id, Date.parse(s.recording.since) - n.clockSkewMs);
  }
  return out;
}

function expectWithinOneFrame(report: CommandReport): void {
  const sync = report.sync!;
  expect(sync.nodes).toHaveLength(8);
  for (const n of sync.nodes) expect(n, n.deviceId).toMatchObject({ verified: true, why: null });
  expect(sync.verified).toBe(8);
  expect(sync.spreadMs!).toBeLessThanOrEqual(33);
  const cam3 = sync.nodes.find((n) => n.deviceId === 'cam-03')!;
  expect(Math.abs(cam3.offsetMs! - 500)).toBeLessThan(20);
  // The instant sent to cam-03 is its own clock's: 500 ms after the target.
  expect(Math.abs(Date.parse(cam3.at!) - Date.parse(sync.target) - 500)).toBeLessThan(20);
  // Ground truth from the simulator, not from rigmap's own arithmetic.
  const starts = [...trueStarts().values()];
  expect(starts).toHaveLength(8);
  expect(Math.max(...starts) - Math.min(...starts)).toBeLessThanOrEqual(33);
  for (const t of starts) expect(Math.abs(t - Date.parse(sync.target))).toBeLessThanOrEqual(33);
}

describe('synchronized record start', () => {
  it('POST /api/commands with at starts 8 cameras, one 500 ms off, within one frame, all verified', async () => {
    const res = await h.post<CommandReport>('/api/commands', { action: 'record.start', role: 'camera', at: '+2s' });
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(8);
    expectWithinOneFrame(res.body);
    const stop = await h.post<CommandReport>('/api/commands', { action: 'record.stop', role: 'camera' });
    expect(stop.body.ok).toBe(8);
  });

  it('`rigmap command record.start --at +2s` does the same from a shell, measuring the clocks itself', async () => {
    const run = await runRigmap(['command', 'record.start', '--role', 'camera', '--at', '+2s', '--json', '--db', h.dbPath]);
    expect(run.code, run.stderr).toBe(0);
    expectWithinOneFrame(JSON.parse(run.stdout) as CommandReport);
    const text = await runRigmap(['command', 'record.stop', '--role', 'camera', '--db', h.dbPath]);
    expect(text.code, text.stderr).toBe(0);
  });

  it('a start already running, a bad instant or at with another action is refused or not verified', async () => {
    for (const at of ['soon', '+0.1s', '+2h', '2026-11-23 10:00', 'x'.repeat(70)]) {
      const res = await h.post<{ error: { code: string } }>('/api/commands', { action: 'record.start', role: 'camera', at });
      expect(res.status, at).toBe(400);
    }
    expect((await h.post('/api/commands', { action: 'record.stop', role: 'camera', at: '+2s' })).status).toBe(400);
    await h.post('/api/commands', { action: 'record.start', devices: ['cam-01'] });
    const res = await h.post<CommandReport>('/api/commands', { action: 'record.start', devices: ['cam-01', 'cam-02'], at: '+1s' });
    const [one, two] = res.body.sync!.nodes;
    expect(one).toMatchObject({ deviceId: 'cam-01', verified: false, why: expect.stringMatching(/already recording/) });
    expect(two).toMatchObject({ deviceId: 'cam-02', verified: true });
    await h.post('/api/commands', { action: 'record.stop', role: 'camera' });
  });
});
