/**
 * Rig-wide settings with read-back and presets (issue 23 items 2, 3), against
 * the simulators: six cameras (camera nodes, Blackmagic cameras, a phone);
 * the phone has auto exposure on (refuses ISO and shutter, 403), one Blackmagic
 * camera has no ISO endpoint (404): exactly those two are reported, with their
 * reasons, the other four applied and read back. Then a preset saved from a
 * camera, applied to all, and a simulated app restart shows in the roll call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SettingsReport } from '../../src/topology/look/settings-types.ts';
import type { RollCallReport } from '../../src/topology/rollcall.ts';
import { runRigmap } from '../helpers/cli.ts';
import { eventually, type LookHarness, startLookHarness } from './look-helpers.ts';

// Test addresses: 127.154.3.0/24 (LAN-like), 127.154.103.0/24 (tailnet-like).
let h: LookHarness;

beforeAll(async () => {
  h = await startLookHarness({ lanCidr: '127.154.3.0/24', tailnetCidr: '127.154.103.0/24', nodes: 3, blackmagic: 2, phones: 1 });
  await h.setLook('phone-01', { autoExposure: 'Continuous' });
  await h.setLook('bmd-02', { lacks: ['iso'] });
}, 90_000);
afterAll(async () => h?.close());

describe('rigmap set: fan-out, then every camera read back', () => {
  it('reports exactly the camera with auto exposure on and the one without ISO, with their reasons', async () => {
    const { status, json: report } = await h.post<SettingsReport>('/api/settings', { role: 'camera', settings: ['iso=400', 'shutter=1/50', 'wb=5600', 'format=1920x1080p25'] });
    expect(status).toBe(200);
    expect(report.total).toBe(6);
    expect(report.applied).toBe(4);
    const notApplied = report.cameras.filter((c) => c.outcome !== 'applied');
    expect(notApplied.map((c) => c.deviceId).sort()).toEqual(['bmd-02', 'phone-01']);
    const phone = notApplied.find((c) => c.deviceId === 'phone-01')!;
    expect(phone.outcome).toBe('partly');
    expect(phone.settings.filter((s) => s.outcome !== 'applied')).toEqual([
      { key: 'iso', wanted: 400, outcome: 'refused', status: 403, reason: 'locked while auto exposure is on' },
      { key: 'shutter', wanted: 50, outcome: 'refused', status: 403, reason: 'locked while auto exposure is on' },
    ]);
    const bmd = notApplied.find((c) => c.deviceId === 'bmd-02')!;
    expect(bmd.settings.filter((s) => s.outcome !== 'applied')).toEqual([{ key: 'iso', wanted: 400, outcome: 'refused', status: null, reason: 'not on this camera' }]);
    // The rest was read back from each camera, not assumed.
    for (const c of report.cameras.filter((x) => x.outcome === 'applied')) {
      expect(c.settings.map((s) => [s.key, s.readBack])).toEqual([['format', '1920x1080p25'], ['iso', 400], ['shutter', 50], ['wb', 5600]]);
    }
    // And the cameras really changed.
    const cam = h.sim.describe().find((n) => n.id === 'bmd-01')!.status as { videoFormat: string; iso: number };
    expect(cam).toMatchObject({ videoFormat: '1920x1080p25', iso: 400 });
  });

  it('a value outside what a camera supports is refused before anything is sent, with the range', async () => {
    const { json: report } = await h.post<SettingsReport>('/api/settings', { devices: ['phone-01', 'cam-01'], settings: { iso: 3200, ae: 'off' } });
    const phone = report.cameras.find((c) => c.deviceId === 'phone-01')!;
    expect(phone.settings.find((s) => s.key === 'iso')).toMatchObject({ outcome: 'refused', status: null, reason: 'out of range: supported 20–1920' });
    expect(phone.settings.find((s) => s.key === 'ae')).toMatchObject({ outcome: 'applied', readBack: 'Off' });
    expect(report.cameras.find((c) => c.deviceId === 'cam-01')!.outcome).toBe('applied');
  });

  it('bad input is a validation error naming the field', async () => {
    const { status, json } = await h.post<{ error: { code: string; message: string } }>('/api/settings', { role: 'camera', settings: ['iso=loud'] });
    expect(status).toBe(400);
    expect(json.error.message).toContain('iso: must be a whole number');
  });

  it('the CLI prints the same report and exits 1 when a camera did not apply everything', async () => {
    const r = await runRigmap(['set', '--server', h.server.url, '--devices', 'bmd-02,cam-02', 'iso=800', 'wb=5600']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✔ cam-02           applied and read back');
    expect(r.stdout).toContain('    ✖ iso=800 refused: not on this camera');
    expect(r.stdout).toContain('1 of 2 camera(s) applied and read back; 1 not (bmd-02)');
  }, 60_000);
});

describe('rig presets', () => {
  it('save from a camera, apply to all; after an app restart the roll call shows who no longer matches', async () => {
    await h.post('/api/settings', { devices: ['cam-01'], settings: { format: '1920x1080p25', iso: 640, wb: 4300 } });
    const saved = await h.post<{ preset: { settings: Record<string, unknown> } }>('/api/presets', { name: 'day-int', from: 'cam-01' });
    expect(saved.status).toBe(201);
    expect(saved.json.preset.settings).toMatchObject({ format: '1920x1080p25', iso: 640, wb: 4300, shutter: 50 });
    const { json: report } = await h.post<SettingsReport>('/api/presets/day-int/apply', { devices: ['cam-01', 'cam-02', 'cam-03', 'bmd-01'] });
    expect(report.preset).toBe('day-int');
    expect(report.applied).toBe(4);
    const listed = await h.get<{ presets: Array<{ name: string; appliedTo: string[] }> }>('/api/presets');
    expect(listed.presets.find((p) => p.name === 'day-int')!.appliedTo.sort()).toEqual(['bmd-01', 'cam-01', 'cam-02', 'cam-03']);
    // The camera app on cam-02 restarts: its settings are back to the defaults.
    await h.setLook('cam-02', { restart: true });
    const check = await eventually('cam-02 drifts from the preset', async () => {
      const r = await h.get<RollCallReport>('/api/check');
      return r.devices.find((d) => d.id === 'cam-02')?.problems.some((p) => p.startsWith('no longer matches preset')) ? r : null;
    }, 20_000);
    const drift = check.devices.find((d) => d.id === 'cam-02')!.problems.find((p) => p.startsWith('no longer matches preset'))!;
    expect(drift).toBe('no longer matches preset "day-int": format 1920x1080p60 (preset 1920x1080p25), ISO 800 (preset 640), white balance 5600 (preset 4300) (camera app restarted or changed by hand? apply it again: rigmap preset apply day-int)');
    expect(check.devices.find((d) => d.id === 'cam-01')!.problems.filter((p) => p.includes('preset'))).toEqual([]);
  });

  it('presets travel in the inventory JSON: exported, and imported back', async () => {
    const doc = await h.get<{ presets?: Array<{ name: string; settings: Record<string, unknown> }> }>('/api/export?format=json');
    expect(doc.presets?.find((p) => p.name === 'day-int')?.settings).toMatchObject({ format: '1920x1080p25', iso: 640 });
    const res = await h.post('/api/import', { ...doc, presets: [...doc.presets!, { name: 'night-ext', settings: { wb: 3200, iso: 1600 } }] });
    expect(res.status).toBe(200);
    const listed = await h.get<{ presets: Array<{ name: string; settings: Record<string, unknown> }> }>('/api/presets');
    expect(listed.presets.find((p) => p.name === 'night-ext')?.settings).toEqual({ wb: 3200, iso: 1600 });
    const bad = await h.post<{ error: { message: string } }>('/api/import', { ...doc, presets: [{ name: 'x', settings: { gain: 6 } }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('gain: not a setting rigmap knows');
  });
});
