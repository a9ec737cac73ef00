/**
 * Readings (issue 22 item 5, issue 23 item 1): each camera's format, codec,
 * dynamic range, ISO, shutter, white balance and tint, auto exposure and focus
 * mode in its health, from camera-node cameras (contract v1.2 status.look),
 * Blackmagic cameras (REST + event WebSocket) and phones (HTTPS); an endpoint a
 * camera lacks (404) is "not on this camera", not an error; the roll call shows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollCallReport } from '../../src/topology/rollcall.ts';
import { eventually, type LookHarness, startLookHarness } from './look-helpers.ts';

// Test addresses: 127.154.1.0/24 (LAN-like), 127.154.101.0/24 (tailnet-like).
let h: LookHarness;

beforeAll(async () => {
  h = await startLookHarness({ lanCidr: '127.154.1.0/24', tailnetCidr: '127.154.101.0/24', nodes: 1, blackmagic: 1, phones: 1 });
}, 90_000);
afterAll(async () => h?.close());

describe('what each camera records and how it is exposed', () => {
  it('a camera node tells its look in its status (contract v1.2)', async () => {
    const look = (await h.health('cam-01')).status!.look!;
    expect(look.format).toEqual({ width: 1920, height: 1080, frameRate: '60', interlaced: false, codec: 'HEVC', dynamicRange: 'Video' });
    expect(look).toMatchObject({ iso: 800, shutterSpeed: 50, whiteBalance: 5600, whiteBalanceTint: 0, autoExposure: 'Off', focusMode: 'Continuous', notOffered: [] });
  });

  it('a Blackmagic studio camera: REST readings; what its API lacks is "not on this camera"', async () => {
    const look = (await h.health('bmd-01')).status!.look!;
    expect(look.format).toMatchObject({ width: 1920, height: 1080, frameRate: '60', codec: 'BRaw:8_1', dynamicRange: null });
    expect(look).toMatchObject({ iso: 800, shutterSpeed: 50, whiteBalance: 5600, autoExposure: 'Off' });
    expect(look.notOffered.sort()).toEqual(['dynamicRange', 'focusMode']);
  });

  it('a phone over HTTPS: dynamic range and focus mode too', async () => {
    const look = (await h.health('phone-01')).status!.look!;
    expect(look.format).toMatchObject({ width: 1920, height: 1080, frameRate: '60', codec: 'HEVC (H.265):High', dynamicRange: 'Video' });
    expect(look).toMatchObject({ iso: 800, focusMode: 'Continuous', notOffered: [] });
  });

  it('a change on the camera reaches health live (WebSocket on Blackmagic, SSE on the node)', async () => {
    await h.setLook('bmd-01', { iso: 1600, whiteBalance: 3200 });
    await h.setLook('cam-01', { autoExposure: 'Continuous' });
    await eventually('bmd-01 at ISO 1600, 3200 K', async () => {
      const l = (await h.health('bmd-01')).status?.look;
      return l?.iso === 1600 && l.whiteBalance === 3200;
    }, 20_000);
    await eventually('cam-01 on auto exposure', async () => (await h.health('cam-01')).status?.look?.autoExposure === 'Continuous', 20_000);
  });

  it('an endpoint the phone lacks (404) is not an error: the phone stays up, the reading is named', async () => {
    // An app version without tint: the app restarts (off screen and back), and its WebSocket no longer lists the property.
    await h.setLook('phone-01', { lacks: ['whiteBalanceTint'] });
    await h.sim.applyFault('phone-01', { mode: 'app-closed' });
    await eventually('phone-01 app closed', async () => (await h.health('phone-01')).state === 'app_closed', 20_000);
    await h.sim.applyFault('phone-01', { mode: 'ok' });
    const look = await eventually('tint not on this phone', async () => {
      const d = await h.health('phone-01');
      return d.state === 'up' && d.status?.look?.notOffered.includes('whiteBalanceTint') ? d.status.look : null;
    }, 20_000);
    expect(look.whiteBalanceTint).toBeNull();
    expect(look.iso).toBe(800);
  }, 60_000);

  it('the roll call shows each camera\'s look', async () => {
    const report = await h.get<RollCallReport>('/api/check');
    const bmd = report.devices.find((d) => d.id === 'bmd-01')!;
    expect(bmd.look?.iso).toBe(1600);
    expect(bmd.notes.find((n) => n.startsWith('look:'))).toMatch(/^look: 1920x1080p60 · ISO 1600 · 3200 K · 1\/50 \(not on this camera: (dynamicRange, focusMode|focusMode, dynamicRange)\)$/);
    expect(report.devices.find((d) => d.id === 'phone-01')!.notes.find((n) => n.startsWith('look:'))).toContain('not on this camera: whiteBalanceTint');
  });
});
