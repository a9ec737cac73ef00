/**
 * Blackmagic cameras beside iPhones, over real HTTP and the event WebSocket
 * against the simulator: probed up with model and version, status and runway in
 * the device health, group control through `rigmap command`, down → device_lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandReport } from '../../src/topology/commands/types.ts';
import { runRigmap } from '../helpers/cli.ts';
import { type BlackmagicHarness, eventually, startBlackmagicHarness } from './blackmagic-helpers.ts';

let h: BlackmagicHarness;
const simStatus = (id: string) => h.sim.describe().find((n) => n.id === id)!.status as {
  recording: boolean; clipName: string | null; tally: string; workingset: { workingset: Array<{ remainingRecordTime: number } | null> };
};

beforeAll(async () => {
  h = await startBlackmagicHarness({ lanCidr: '127.37.1.0/24', tailnetCidr: '127.137.1.0/24', nodes: 2, blackmagic: 2, websocket: true });
  await eventually('every camera up with a status', async () => {
    for (const n of h.sim.nodes) {
      const d = await h.health(n.id);
      // Up with a status, and polled at least once on each path (an open WebSocket alone brings a path up, without a latency).
      if (d.state !== 'up' || !d.status || d.paths.some((p) => p.latencyMs === null)) return false;
    }
    return true;
  }, 60_000);
}, 90_000);
afterAll(async () => h?.close());

describe('Blackmagic cameras in a mixed rig', () => {
  it('probes a Blackmagic camera up on both paths, with model, version, recording state, battery and storage runway', async () => {
    const d = await h.health('bmd-01');
    expect(d.protocol).toBe('blackmagic');
    expect(d.paths.map((p) => [p.network, p.service, p.state])).toEqual([['lan', 'blackmagic', 'up'], ['tailscale', 'blackmagic', 'up']]);
    expect(d.paths[0]!.latencyMs).toEqual(expect.any(Number));
    expect(d.status?.product).toEqual({ deviceName: 'Blackmagic 01', productName: 'Blackmagic PYXIS 6K', softwareVersion: '9.2' });
    expect(d.status?.state).toBe('idle');
    expect(d.status?.battery).toEqual({ level: 0.9, charging: false, percent: 90, source: 'Battery' });
    expect(d.status?.thermal).toBe('unknown');
    expect(d.status?.storage).toMatchObject({ totalBytes: 512_000_000_000, freeBytes: expect.any(Number) });
    const remaining = simStatus('bmd-01').workingset.workingset[0]!.remainingRecordTime;
    expect(d.status?.storage.remainingRecordSec).toBe(remaining);
    expect(d.runway).toEqual({ storageMinutes: Math.round((remaining / 60) * 10) / 10, batteryMinutes: null });
    expect(d.status?.timecode).toMatch(/^\d\d:\d\d:\d\d:\d\d$/);
    // The iPhones beside it speak the camera-node contract.
    expect((await h.health('cam-01')).protocol).toBe('camera-node');
  });

  it('the roll call judges Blackmagic cameras like the iPhones, from the same health', async () => {
    const report = (await (await fetch(`${h.server.url}/api/check`)).json()) as { ok: boolean; devices: Array<{ id: string; ok: boolean; problems: string[] }> };
    expect(report.devices.filter((d) => d.id.startsWith('bmd-')).map((d) => [d.id, d.ok, d.problems])).toEqual([['bmd-01', true, []], ['bmd-02', true, []]]);
  });

  it('a camera on AC counts as charging', async () => {
    const d = await h.health('bmd-02');
    expect(d.status?.battery).toMatchObject({ charging: true, source: 'AC', percent: expect.any(Number) });
  });

  it('`rigmap command record.start --role camera` starts iPhones and Blackmagic cameras alike, reporting each', async () => {
    const run = await runRigmap(['command', 'record.start', '--role', 'camera', '--clip', 'Take_07.braw', '--json', '--db', h.dbPath, '--probe-cidrs', '127.0.0.0/8']);
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const report = JSON.parse(run.stdout) as CommandReport;
    expect(report.results.map((r) => [r.deviceId, r.ok, r.state]).sort()).toEqual([
      ['bmd-01', true, 'recording'], ['bmd-02', true, 'recording'], ['cam-01', true, 'recording'], ['cam-02', true, 'recording'],
    ]);
    expect(simStatus('bmd-01')).toMatchObject({ recording: true, clipName: 'Take_07.braw' });
    // The event WebSocket (or the next poll) brings the new state into the health.
    await eventually('bmd-01 recording in its health', async () => (await h.health('bmd-01')).status?.state === 'recording');

    const stop = await runRigmap(['command', 'record.stop', '--role', 'camera', '--json', '--db', h.dbPath]);
    expect(stop.code, stop.stderr + stop.stdout).toBe(0);
    expect((JSON.parse(stop.stdout) as CommandReport).results.every((r) => r.ok)).toBe(true);
    expect(simStatus('bmd-02').recording).toBe(false);
    await eventually('bmd-01 idle again', async () => (await h.health('bmd-01')).status?.state === 'idle');
  }, 60_000);

  it('marker is refused for Blackmagic cameras with a clear reason; identify lights the tally lamp', async () => {
    // A marker needs a recording in progress on the iPhones.
    expect((await runRigmap(['command', 'record.start', '--role', 'camera', '--db', h.dbPath])).code).toBe(0);
    const run = await runRigmap(['command', 'marker', '--role', 'camera', '--label', 'scene 4', '--json', '--db', h.dbPath]);
    expect(run.code).toBe(1); // some failed
    const report = JSON.parse(run.stdout) as CommandReport;
    const byId = Object.fromEntries(report.results.map((r) => [r.deviceId, r]));
    expect(byId['cam-01'], JSON.stringify(byId['cam-01'])).toMatchObject({ ok: true });
    expect(byId['bmd-01']).toMatchObject({ ok: false, error: expect.stringMatching(/markers are not supported on Blackmagic cameras/) });
    expect(simStatus('bmd-01').recording).toBe(true); // refused without touching the camera
    expect((await runRigmap(['command', 'record.stop', '--role', 'camera', '--db', h.dbPath])).code).toBe(0);

    const identify = await runRigmap(['command', 'identify', '--devices', 'bmd-01', '--json', '--db', h.dbPath]);
    expect(identify.code, identify.stdout).toBe(0);
    expect(simStatus('bmd-01').tally).toBe('Preview');
  }, 60_000);

  it('a synchronized start (args.at) starts a Blackmagic camera at once and says why', async () => {
    const res = await fetch(`${h.server.url}/api/commands`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'record.start', devices: ['bmd-02'], args: { at: new Date(Date.now() + 2000).toISOString() } }),
    });
    const report = (await res.json()) as CommandReport;
    expect(report.results[0]).toMatchObject({ ok: true, note: expect.stringMatching(/started at once.*time of day/) });
    expect(simStatus('bmd-02').recording).toBe(true);
    await runRigmap(['command', 'record.stop', '--devices', 'bmd-02', '--db', h.dbPath]);
  }, 60_000);

  it('a synchronized start (`at`) arms the iPhones and leaves a Blackmagic camera unarmed, saying why', async () => {
    const res = await fetch(`${h.server.url}/api/commands`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'record.start', devices: ['cam-02', 'bmd-01'], at: '+1.5s' }),
    });
    expect(res.status).toBe(200);
    const report = (await res.json()) as CommandReport;
    const byId = Object.fromEntries(report.results.map((r) => [r.deviceId, r]));
    expect(byId['cam-02'], JSON.stringify(byId['cam-02'])).toMatchObject({ ok: true });
    expect(byId['bmd-01']).toMatchObject({ ok: false, error: expect.stringMatching(/cannot start at an instant.*not armed/) });
    expect(report.sync?.nodes.find((n) => n.deviceId === 'bmd-01')).toMatchObject({ verified: false, why: expect.stringMatching(/not armed/) });
    expect(simStatus('bmd-01').recording).toBe(false);
    await runRigmap(['command', 'record.stop', '--devices', 'cam-02', '--db', h.dbPath]);
  }, 60_000);

  it('down: both paths down at once (the WebSocket drops), one device_lost alert; back up when it returns', async () => {
    await h.sim.applyFault('bmd-01', { mode: 'down' });
    const down = await eventually('bmd-01 down', async () => {
      const d = await h.health('bmd-01');
      return d.state === 'down' ? d : null;
    });
    expect(down.paths.map((p) => p.state)).toEqual(['down', 'down']);
    // The port closed: a refusal, or a reset of a poll caught in flight (both say the host answered, unlike a time-out).
    expect(down.paths[0]!.lastError).toMatch(/ECONNREFUSED|closed|connection reset/);
    await eventually('device_lost alert', async () => (await h.openAlerts()).some((a) => a.deviceId === 'bmd-01' && a.kind === 'device_lost'));
    await h.sim.applyFault('bmd-01', { mode: 'ok' });
    await eventually('bmd-01 up again', async () => (await h.health('bmd-01')).state === 'up');
    await eventually('alert resolved', async () => !(await h.openAlerts()).some((a) => a.deviceId === 'bmd-01'));
  });

  it('hang: a camera that stops answering (WebSocket quiet, polls unanswered) goes down', async () => {
    await h.sim.applyFault('bmd-02', { mode: 'hang', path: 'lan' });
    const d = await eventually('bmd-02 LAN path down', async () => {
      const x = await h.health('bmd-02');
      return x.paths.find((p) => p.network === 'lan')?.state === 'down' ? x : null;
    });
    expect(d.paths.find((p) => p.network === 'tailscale')?.state).toBe('up');
    expect(d.transitions.some((t) => t.network === 'lan' && t.to === 'down' && /no answer from \/control\/api\/v1\/system\/product|event WebSocket silent/.test(t.reason))).toBe(true);
    await h.sim.applyFault('bmd-02', { mode: 'ok' });
    await eventually('bmd-02 up again', async () => (await h.health('bmd-02')).state === 'up');
  });
});
