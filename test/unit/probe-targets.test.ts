import { describe, expect, it } from 'vitest';
import type { Device } from '../../src/topology/model.ts';
import { parseProbeScope } from '../../src/topology/probes/scope.ts';
import { buildTargets } from '../../src/topology/probes/targets.ts';

const device = (services: Device['services']): Device =>
  ({ id: 'cam-01', name: 'Cam 01', role: 'camera', expected: true, addresses: [{ network: 'lan', ip: '127.33.25.1' }], services, tags: [], notes: '' }) as unknown as Device;
const kinds = (services: Device['services']) =>
  buildTargets({ devices: [device(services)], scope: parseProbeScope('127.0.0.0/8'), defaultIntervalMs: 1000 }).map((t) => [t.service, t.kind, t.https]);

describe('probe targets follow the shared camera-node service rule', () => {
  it('probes the camera-node API over http or https, found by name or by /api/v1', () => {
    expect(kinds([{ name: 'camera-node', protocol: 'https', port: 8443 }] as Device['services'])).toEqual([['camera-node', 'camera-node', true]]);
    expect(kinds([{ name: 'api', protocol: 'http', port: 8080, path: '/api/v1' }] as Device['services'])).toEqual([['api', 'camera-node', false]]);
  });

  it('a non-http service named camera-node or at /api/v1 is not spoken to as a camera node', () => {
    expect(kinds([{ name: 'camera-node', protocol: 'tcp', port: 9000 }] as Device['services'])).toEqual([['camera-node', 'tcp', false]]);
    expect(kinds([{ name: 'x', protocol: 'rtsp', port: 554, path: '/api/v1' }] as Device['services'])).toEqual([['x', 'tcp', false]]);
  });
});
