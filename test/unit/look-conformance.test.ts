/**
 * One format per group (src/topology/look/conformance.ts) and how the board
 * shows it: the odd camera named in crew words, codec and white balance as
 * warnings, grouping by role or tag, the tile's look line and odd mark, the
 * rig summary line; and the settings words the CLI takes.
 */
import { describe, expect, it } from 'vitest';
import type { CameraLook, DeviceHealth } from '../../src/topology/health-types.ts';
import { judgeConformance } from '../../src/topology/look/conformance.ts';
import { emptyLook, formatKey, lookSummary, sameFormat } from '../../src/topology/look/format.ts';
import { driftOf, settingsOfLook } from '../../src/topology/look/presets.ts';
import { parseSettings } from '../../src/topology/look/settings-types.ts';
import type { LiveDevice } from '../../src/web/api.ts';
import { tileBody, tileLabel } from '../../src/web/views/board-tile.ts';
import { summarizeRig } from '../../src/web/views/rig-summary.ts';

const look = (name: string, o: Partial<CameraLook> = {}): CameraLook => {
  const m = /^(\d+)x(\d+)p([\d.]+)$/.exec(name)!;
  return { ...emptyLook(), format: { width: Number(m[1]), height: Number(m[2]), frameRate: m[3]!, interlaced: false, codec: 'HEVC', dynamicRange: null }, iso: 800, shutterSpeed: 50, whiteBalance: 5600, whiteBalanceTint: 0, autoExposure: 'Off', ...o };
};
const cam = (letter: string, l: CameraLook | null, tags: string[] = []) => ({ id: `cam-${letter.toLowerCase()}`, name: `Cam ${letter}`, role: 'camera', tags, look: l });

describe('one format per group', () => {
  it('names the odd camera against the other five', () => {
    const rig = ['A', 'B', 'C', 'D', 'E', 'F'].map((l) => cam(l, look(l === 'C' ? '1920x1080p30' : '1920x1080p60')));
    const r = judgeConformance(rig);
    expect(r.ok).toBe(false);
    expect(r.groups[0]!.odd).toEqual([{ id: 'cam-c', name: 'Cam C', sentence: 'Cam C records 1920x1080p30; the other 5 cameras record 1920x1080p60' }]);
    expect(r.line).toBe('Cam C records 1920x1080p30; the other 5 cameras record 1920x1080p60');
  });

  it('frame rates compare as numbers; unknown formats and other roles are left out', () => {
    const r = judgeConformance([cam('A', look('1920x1080p25')), cam('B', look('1920x1080p25.00')), cam('C', null), { ...cam('D', look('1280x720p30')), role: 'monitor' }]);
    expect(r.ok).toBe(true);
    expect(r.line).toBe('formats match (3 cameras, 1920x1080p25)');
  });

  it('codec and white balance differences are warnings, never failures', () => {
    const r = judgeConformance([cam('A', look('1920x1080p60')), cam('B', look('1920x1080p60', { whiteBalance: 3200 })), cam('C', { ...look('1920x1080p60'), format: { ...look('1920x1080p60').format!, codec: 'ProRes' } })]);
    expect(r.ok).toBe(true);
    expect(r.groups[0]!.warnings.map((w) => w.text)).toEqual(['Cam C records ProRes; 2 cameras record HEVC', 'Cam B is at 3200 K; 2 cameras at 5600 K']);
  });

  it('by tag: each tag is its own group (stage left at 25, stage right at 30 is fine)', () => {
    const rig = [cam('A', look('1920x1080p25'), ['left']), cam('B', look('1920x1080p25'), ['left']), cam('C', look('1920x1080p30'), ['right']), cam('D', look('1920x1080p30'), ['right'])];
    expect(judgeConformance(rig).ok).toBe(false);
    expect(judgeConformance(rig, { by: 'tag' }).ok).toBe(true);
  });

  it('the tile shows the look and marks the odd one; the rig summary says whether formats match', () => {
    const device = { id: 'cam-c', name: 'Cam C', role: 'camera', addresses: [], services: [], tags: [], expected: true, notes: '' } as unknown as LiveDevice;
    const status = { state: 'idle', battery: { level: 0.9, charging: false }, thermal: 'nominal', storage: { freeBytes: 1e9, totalBytes: 2e9 }, uptimeSec: 1, time: '', look: look('1920x1080p30') };
    const health = { deviceId: 'cam-c', state: 'up', paths: [], status, lastSeen: null } as unknown as DeviceHealth;
    const odd = ['Cam C records 1920x1080p30; the other 5 cameras record 1920x1080p60'];
    expect(tileBody({ device, health, alert: undefined, quality: null })).toContain('1920x1080p30 · ISO 800 · 5600 K · 1/50');
    const marked = tileBody({ device, health, alert: undefined, quality: null, odd });
    expect(marked).toContain('class="tile-line small look odd"');
    expect(marked).toContain(`title="${odd[0]}"`);
    expect(tileLabel({ device, health, alert: undefined, odd })).toContain(odd[0]);
    const h = (l: string) => ({ ...health, status: { ...status, look: look(l) } }) as DeviceHealth;
    expect(summarizeRig([{ id: 'a', name: 'Cam A', health: h('1920x1080p60') }, { id: 'b', name: 'Cam B', health: h('1920x1080p60') }])).toContain('formats match (2 cameras, 1920x1080p60)');
    expect(summarizeRig([{ id: 'a', name: 'Cam A', health: h('1920x1080p60') }, { id: 'b', name: 'Cam B', health: h('1920x1080p60') }, { id: 'c', name: 'Cam C', health: h('1920x1080p30') }]))
      .toContain('Cam C records 1920x1080p30; the other 2 cameras record 1920x1080p60');
  });
});

describe('settings words and presets', () => {
  it('parses the CLI words and refuses what is not a setting, naming it', () => {
    expect(parseSettings(['iso=800', 'shutter=1/50', 'wb=5600', 'format=1920x1080p25'])).toEqual({ iso: 800, shutter: 50, wb: 5600, format: '1920x1080p25' });
    expect(parseSettings({ ae: 'off', tint: '-3' })).toEqual({ ae: 'Off', tint: -3 });
    expect(() => parseSettings(['iso=lots'])).toThrow('iso: must be a whole number, e.g. 800');
    expect(() => parseSettings(['gain=6'])).toThrow(/gain: not a setting rigmap knows/);
    expect(() => parseSettings(['format=1080p'])).toThrow(/format: must be a video format like 1920x1080p25/);
    expect(() => parseSettings([])).toThrow(/no settings given/);
    expect(() => parseSettings(['iso=800'.padEnd(60, '0')])).toThrow(/is not key=value/);
  });

  it('a preset from a look, and the drift of a look that no longer holds it', () => {
    const saved = settingsOfLook(look('1920x1080p25', { iso: 400 }));
    expect(saved).toEqual({ format: '1920x1080p25', ae: 'Off', iso: 400, shutter: 50, wb: 5600, tint: 0 });
    expect(settingsOfLook(look('1920x1080p25', { autoExposure: 'Continuous' }))).not.toHaveProperty('iso');
    expect(driftOf(look('1920x1080p25.00', { iso: 400 }), saved)).toEqual([]);
    expect(driftOf(look('1920x1080p60', { iso: 800 }), saved)).toEqual(['format 1920x1080p60 (preset 1920x1080p25)', 'ISO 800 (preset 400)']);
    expect(sameFormat('1920x1080p29.97', '1920x1080p29.970')).toBe(true);
    expect(formatKey(null)).toBeNull();
    expect(lookSummary(look('3840x2160p24', { autoExposure: 'Continuous', whiteBalanceTint: 4 }))).toBe('3840x2160p24 · ISO 800 (auto) · 5600 K +4 · 1/50');
  });
});
