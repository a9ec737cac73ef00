/**
 * Slates that match the takes (issue 23 item 4), against the simulators: a
 * take started through rigmap with a scene puts the slate on the Blackmagic
 * cameras and phones (`/slates/nextClip`) and names every camera's clip for
 * the take; the camera nodes receive it as `record.start` `args.clip`; the
 * takes log lists per camera the clip it recorded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../../src/topology/commands/types.ts';
import type { Take } from '../../src/topology/takes/store.ts';
import { eventually, type LookHarness, startLookHarness } from './look-helpers.ts';

// Test addresses: 127.154.4.0/24 (LAN-like), 127.154.104.0/24 (tailnet-like).
let h: LookHarness;
const simStatus = (id: string) => h.sim.describe().find((n) => n.id === id)!.status as Record<string, unknown>;

beforeAll(async () => {
  h = await startLookHarness({ lanCidr: '127.154.4.0/24', tailnetCidr: '127.154.104.0/24', nodes: 2, blackmagic: 1, phones: 1 });
}, 90_000);
afterAll(async () => h?.close());

describe('a slated take', () => {
  it('slates each camera, names each clip for the take, and the takes log lists them', async () => {
    const { status, json: report } = await h.post<CommandReport>('/api/commands', { action: 'record.start', role: 'camera', slate: { scene: '12A', take: 3 } });
    expect(status).toBe(200);
    expect(report.ok).toBe(4);
    expect(report.slate).toEqual({ scene: '12A', take: 3 });
    const clips = Object.fromEntries(report.results.map((r) => [r.deviceId, r.clip]));
    // The phone keeps the letter set in its app (Cam A); the others take the next free letters, in selection order.
    expect(clips).toEqual({ 'bmd-01': 'S12A_T03_B', 'cam-01': 'S12A_T03_C', 'cam-02': 'S12A_T03_D', 'phone-01': 'S12A_T03_A' });
    // What the simulated cameras received: the slate and the clip name.
    expect(simStatus('bmd-01')).toMatchObject({ recording: true, clipName: 'S12A_T03_B', lastSlate: { scene: '12A', take: 3, reel: 1 } });
    expect(simStatus('phone-01')).toMatchObject({ recording: true, clipName: 'S12A_T03_A', lastSlate: { scene: '12A', take: 3, reel: 4 } });
    expect(simStatus('cam-01')).toMatchObject({ state: 'recording', recording: { clip: 'S12A_T03_C' } });
    const take = await eventually('the take lists every clip', async () => {
      const t = (await h.get<{ takes: Take[] }>('/api/takes')).takes[0];
      return t && t.cameras.length === 4 && t.cameras.every((c) => c.clip) ? t : null;
    }, 20_000);
    expect(Object.fromEntries(take.cameras.map((c) => [c.deviceId, c.clip]))).toEqual(clips);
    const stop = await h.post<CommandReport>('/api/commands', { action: 'record.stop', role: 'camera' });
    expect(stop.json.ok).toBe(4);
  });

  it('a synchronized start (at) slates each armed camera: the clip name goes with the scheduled start', async () => {
    // Real time on purpose: the cameras start at an instant of rigmap's clock; 3 s leaves room on a loaded box.
    const { status, json: report } = await h.post<CommandReport>('/api/commands', { action: 'record.start', devices: ['cam-01', 'cam-02'], at: '+3s', slate: { scene: '7', take: 1 } });
    expect(status).toBe(200);
    expect(report.ok).toBe(2);
    expect(report.sync?.verified).toBe(2);
    expect(report.slate).toEqual({ scene: '7', take: 1 });
    const clips = Object.fromEntries(report.results.map((r) => [r.deviceId, r.clip]));
    expect(clips['cam-01']).toMatch(/^S7_T01_[A-Z]$/);
    expect(clips['cam-02']).toMatch(/^S7_T01_[A-Z]$/);
    expect(clips['cam-01']).not.toBe(clips['cam-02']);
    // What the simulated camera nodes received with the scheduled record.start.
    expect(simStatus('cam-01')).toMatchObject({ state: 'recording', recording: { clip: clips['cam-01'] } });
    expect(simStatus('cam-02')).toMatchObject({ state: 'recording', recording: { clip: clips['cam-02'] } });
    const take = await eventually('the take lists both clips', async () => {
      const t = (await h.get<{ takes: Take[] }>('/api/takes')).takes.find((x) => x.cameras.some((c) => c.clip === clips['cam-01']));
      return t && t.cameras.filter((c) => c.clip).length === 2 ? t : null;
    }, 20_000);
    expect(Object.fromEntries(take.cameras.filter((c) => c.clip).map((c) => [c.deviceId, c.clip]))).toEqual(clips);
    const stop = await h.post<CommandReport>('/api/commands', { action: 'record.stop', devices: ['cam-01', 'cam-02'] });
    expect(stop.json.ok).toBe(2);
  });

  it('a slate with a bad scene, or on another action, is refused naming why', async () => {
    const bad = await h.post<{ error: { message: string } }>('/api/commands', { action: 'record.start', role: 'camera', slate: { scene: '../x' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('scene: 1-16 letters');
    const stop = await h.post<{ error: { message: string } }>('/api/commands', { action: 'record.stop', role: 'camera', slate: { scene: '1' } });
    expect(stop.status).toBe(400);
    expect(stop.json.error.message).toContain('slate goes with record.start only');
  });
});
