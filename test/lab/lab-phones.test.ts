/**
 * An iPhone running Blackmagic Camera on a real network: the simulated phone
 * advertises `_http._tcp` (TXT capabilities=cameraControl) from its own
 * namespace, the console in another finds it over Bonjour, the crew accepts it
 * and it probes up over HTTPS 4444. Then the two ways a phone goes quiet on a
 * shoot: it walks out of range (blackhole: silence → device_lost) and the app
 * leaves the screen (port refused → app_closed, never device_lost).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import type { Discovered } from '../../src/topology/discovery/types.ts';
import { type RigLab, startLab } from './rig-lab.ts';
import { alertTags, alertsOf, healthOf, labSkipReason, labTitle, lastAlertId, raisedSince, waitUntil } from './lab-helpers.ts';

let lab: RigLab;
const PHONE = 'ph-01';
const openOf = async (kind: string) => (await alertsOf(lab)).open.some((a) => a.deviceId === PHONE && a.kind === kind);
const phoneUp = (ms: number) => waitUntil(`${PHONE} up`, ms, async () => (await healthOf(lab, PHONE)).state === 'up');

describe.skipIf(!!labSkipReason)(labTitle('rig lab: an iPhone running Blackmagic Camera'), () => {
  beforeAll(async () => {
    lab = await startLab({ tag: 'ph', octet: 4, cameras: 0, phones: 1 });
  }, 120_000);
  afterAll(() => lab?.close());
  // What the phone and the console said, when a step fails (the error alone rarely says why).
  beforeEach(() => onTestFailed(() => console.error(lab?.output())));

  it('is found over Bonjour from another namespace, and probes up over HTTPS after accept', async () => {
    const found = await waitUntil('the phone in the Discovered inbox', 45_000, async () => {
      const { discovered } = await lab.get<{ discovered: Discovered[] }>('/api/discovered');
      return discovered.find((d) => d.info?.kind === 'blackmagic' && d.status === 'new' && d.ip === '198.18.4.31');
    }).catch((err: Error) => {
      throw new Error(`${err.message}\n${lab.output()}`);
    });
    expect(found.port).toBe(4444);
    expect(found.info?.deviceId).toMatch(/^[0-9A-F-]{36}$/);
    expect(found.info?.certSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(found.suggestion.services).toEqual([expect.objectContaining({ protocol: 'https', port: 4444, path: '/control/api/v1' })]);

    await lab.post(`/api/discovered/${found.id}/accept`, { id: PHONE });
    await phoneUp(30_000);
    const h = await healthOf(lab, PHONE);
    expect(h.paths.map((p) => `${p.network}:${p.state}`)).toEqual(['lan:up']);
    // The certificate the inbox saw is the one held from accept on.
    const { pins } = await lab.get<{ pins: { fingerprint: string }[] }>(`/api/devices/${PHONE}/trust`);
    expect(pins.map((p) => p.fingerprint)).toEqual([found.info?.certSha256]);
  }, 120_000);

  it('walks out of range (blackhole): device_lost, and up again when back', async () => {
    await phoneUp(30_000);
    const since = await lastAlertId(lab);
    lab.walkAway(PHONE);
    try {
      await waitUntil(`${PHONE} device_lost`, 15_000, () => openOf('device_lost'));
    } finally {
      lab.walkBack(PHONE);
    }
    await phoneUp(30_000);
    await waitUntil('device_lost resolved', 10_000, async () => !(await openOf('device_lost')));
    expect(alertTags(await raisedSince(lab, since)), lab.output()).toEqual([`device_lost:${PHONE}`]);
  }, 90_000);

  it('app off screen (port refused): app_closed and no device_lost; back on screen resolves it', async () => {
    await phoneUp(30_000);
    const since = await lastAlertId(lab);
    lab.phoneFault(PHONE, 'app-closed');
    try {
      await waitUntil(`${PHONE} app_closed`, 15_000, () => openOf('app_closed'));
      expect((await healthOf(lab, PHONE)).state).toBe('app_closed');
    } finally {
      lab.phoneFault(PHONE, 'ok');
    }
    await phoneUp(30_000);
    await waitUntil('app_closed resolved', 10_000, async () => !(await openOf('app_closed')));
    const raised = await raisedSince(lab, since);
    expect(alertTags(raised), lab.output()).toEqual([`app_closed:${PHONE}`]);
    expect(raised[0]?.severity).toBe('warning');
  }, 90_000);
});
