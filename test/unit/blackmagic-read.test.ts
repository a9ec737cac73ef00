/** Reading Blackmagic answers: mapping into NodeStatus and runway, and the caps on what a camera sends. */
import { describe, expect, it } from 'vitest';
import { applyReading, emptyReadings, readMedia, readPower, readProduct, toNodeStatus } from '../../src/topology/cameras/blackmagic/read.ts';
import { computeRunway } from '../../src/topology/runway.ts';
import { mapCommand } from '../../src/topology/cameras/blackmagic/commands.ts';

describe('Blackmagic answers into the status rigmap reads', () => {
  it('maps record, media, power, timecode and product into NodeStatus, and record time left into the runway', () => {
    const r = emptyReadings();
    expect(toNodeStatus(r)).toBeNull(); // nothing known until the record state is
    applyReading(r, 'product', { deviceName: 'A cam', productName: 'Blackmagic URSA Broadcast G2', softwareVersion: '9.1.2' });
    applyReading(r, 'recording', { recording: true });
    applyReading(r, 'media', { size: 2, workingset: [null, { deviceName: 'ssd1', activeDisk: true, remainingRecordTime: 5400, totalSpace: 1000, remainingSpace: 250 }] });
    applyReading(r, 'power', { source: 'Battery', batteries: [{ chargeRemainingPercent: 42, statusFlags: ['Battery Is Present'] }] });
    applyReading(r, 'timecode', { display: '10:00:00:12', timeline: '00:00:00:00' });
    const s = toNodeStatus(r)!;
    expect(s).toEqual({
      state: 'recording',
      battery: { level: 0.42, charging: false, percent: 42, source: 'Battery' },
      thermal: 'unknown',
      storage: { freeBytes: 250, totalBytes: 1000, remainingRecordSec: 5400 },
      uptimeSec: null, time: null, timecode: '10:00:00:12',
      product: { deviceName: 'A cam', productName: 'Blackmagic URSA Broadcast G2', softwareVersion: '9.1.2' },
    });
    // The camera's own record time left wins over a bitrate guess (there is no bitrate here at all).
    expect(computeRunway(s, null)).toEqual({ storageMinutes: 90, batteryMinutes: null });
  });

  it('power: AC (or any mains source) is charging; a Battery Is Charging flag too; no battery reported is judged by the source', () => {
    expect(readPower({ source: 'AC', batteries: [{ chargeRemainingPercent: 80 }] })).toEqual({ source: 'AC', percent: 80, charging: true });
    expect(readPower({ source: 'POE' })).toEqual({ source: 'POE', percent: null, charging: true });
    expect(readPower({ source: 'Battery', batteries: [{ chargeRemainingPercent: 30, statusFlags: ['Battery Is Charging'] }] })?.charging).toBe(true);
    expect(readPower({ milliVolt: 12000 })).toBeUndefined(); // no source: not a power answer
    const r = emptyReadings();
    applyReading(r, 'recording', { recording: false });
    applyReading(r, 'power', { source: 'AC', batteries: [] });
    expect(toNodeStatus(r)!.battery).toEqual({ level: 1, charging: true, percent: null, source: 'AC' });
  });

  it('media: no card in any slot is no record time left; the first disk when none is active', () => {
    expect(readMedia({ size: 2, workingset: [null, null] })).toEqual({ freeBytes: 0, totalBytes: 0, remainingRecordSec: 0 });
    expect(readMedia({ workingset: [{ deviceName: 'sd1', remainingSpace: 5, totalSpace: 10 }] })).toEqual({ freeBytes: 5, totalBytes: 10, remainingRecordSec: null });
    expect(readMedia({ workingset: 'x' })).toBeUndefined();
  });

  it('caps what a camera sends: long strings cut, slot lists and battery lists bounded, wrong types ignored', () => {
    expect(readProduct({ deviceName: 'x'.repeat(10_000), productName: 7 })).toEqual({ deviceName: 'x'.repeat(200), productName: null, softwareVersion: null });
    expect(readProduct({ other: 1 })).toBeNull();
    // A disk beyond the first 16 slots is never looked at.
    const slots = [...Array.from({ length: 16 }, () => null), { deviceName: 'late', activeDisk: true, remainingSpace: 1, totalSpace: 2 }];
    expect(readMedia({ workingset: slots })).toEqual({ freeBytes: 0, totalBytes: 0, remainingRecordSec: 0 });
    expect(readPower({ source: 'Battery', batteries: [{ chargeRemainingPercent: 250 }] })?.percent).toBe(100);
    expect(readPower({ source: 'Battery', batteries: [{ chargeRemainingPercent: -5 }] })?.percent).toBeNull();
    const r = emptyReadings();
    expect(applyReading(r, 'recording', { recording: 'yes' })).toBe(false);
    expect(r.recording).toBeNull();
  });
});

describe('group-control commands on a Blackmagic camera', () => {
  it('record.start / record.stop / identify map to the REST API; marker is refused', () => {
    expect(mapCommand('record.start', {})).toEqual({ method: 'POST', endpoint: '/transports/0/record', body: undefined, state: 'recording', note: undefined });
    expect(mapCommand('record.start', { clip: 'A001.braw' })).toMatchObject({ body: '{"clipName":"A001.braw"}' });
    expect(mapCommand('record.start', { at: '2026-01-01T00:00:00Z' })).toMatchObject({ note: expect.stringMatching(/started at once/) });
    expect(mapCommand('record.start', { clip: '../etc/passwd' })).toEqual({ refused: expect.stringMatching(/clip name/) });
    expect(mapCommand('record.start', { clip: 'x'.repeat(121) })).toEqual({ refused: expect.stringMatching(/1-120 characters/) });
    expect(mapCommand('record.stop', {})).toMatchObject({ method: 'POST', endpoint: '/transports/0/stop', state: 'idle' });
    expect(mapCommand('identify', {})).toMatchObject({ method: 'PUT', endpoint: '/camera/tallyStatus', body: '{"status":"Preview","timeout":5000}' });
    expect(mapCommand('marker', { label: 'x' })).toEqual({ refused: expect.stringMatching(/markers are not supported/) });
  });
});
