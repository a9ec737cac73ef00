/**
 * One rule for "which service is the camera-node API" (name `camera-node` or
 * path `/api/v1`, over http/https): the mDNS prober probes the inventory's
 * `.local` names on that service, as the relay and the probes do, even when it
 * is not named `camera-node` and another http service comes first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createDevice } from '../../src/topology/devices.ts';
import { expectedMdnsHosts } from '../../src/topology/discovery/mdns-prober.ts';
import { cameraNodeService as relayCameraNodeService } from '../../src/topology/relay/paths.ts';
import { cameraNodeService, isCameraNodeService } from '../../src/topology/services.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

describe('the camera-node service rule', () => {
  let rig: TestRig | undefined;
  afterEach(() => rig?.close());

  it('is a camera-node service by name or by /api/v1 path, over http(s) only', () => {
    expect(isCameraNodeService({ name: 'camera-node', protocol: 'http', path: null })).toBe(true);
    expect(isCameraNodeService({ name: 'cam-api', protocol: 'https', path: '/api/v1' })).toBe(true);
    expect(isCameraNodeService({ name: 'cam-api', protocol: 'rtsp', path: '/api/v1' })).toBe(false);
    expect(isCameraNodeService({ name: 'web', protocol: 'http', path: '/' })).toBe(false);
    const services = [
      { name: 'cam-api', protocol: 'http', port: 8081, path: '/api/v1' },
      { name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' },
    ];
    expect(cameraNodeService({ services })?.name).toBe('camera-node');
    expect(relayCameraNodeService).toBe(cameraNodeService);
  });

  it('the mDNS prober probes a .local name on the /api/v1 service, not the first http one', () => {
    rig = makeTestRig();
    createDevice({
      ctx: rig.ctx,
      input: {
        id: 'cam-svc', role: 'camera', addresses: [{ network: 'lan', hostname: 'cam-svc.local' }],
        services: [{ name: 'admin', protocol: 'http', port: 80, path: '/' }, { name: 'cam-api', protocol: 'http', port: 8088, path: '/api/v1' }],
      },
    });
    expect(expectedMdnsHosts({ ctx: rig.ctx })).toEqual([{ hostname: 'cam-svc.local', port: 8088, apiPath: '/api/v1' }]);
  });
});
