/** The camera protocol a device speaks shows in the inventory: exports (JSON, CSV, Markdown, DOT), import round trip, and the device health. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

let t: TestRig;
beforeEach(() => {
  t = makeTestRig();
});
afterEach(() => t.close());

const doc = {
  version: 1,
  rig: { name: 'Mixed' },
  devices: [
    { id: 'cam-a', role: 'camera', addresses: [{ network: 'lan', ip: '127.37.5.2' }], services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }] },
    { id: 'ursa', name: 'URSA Broadcast', role: 'camera', model: 'Blackmagic URSA Broadcast G2', addresses: [{ network: 'lan', ip: '127.37.5.3' }], services: [{ name: 'blackmagic', protocol: 'http', port: 80, path: '/control/api/v1' }] },
  ],
  links: [],
};

describe('Blackmagic cameras in the inventory', () => {
  it('every export names the blackmagic service; CSV round-trips it', async () => {
    expect((await t.app.request('/api/import', jsonInit('POST', doc))).status).toBe(200);
    const get = async (format: string) => (await t.app.request(`/api/export?format=${format}&state=0`)).text();
    const json = JSON.parse(await get('json')) as { devices: Array<{ id: string; services: Array<{ name: string }> }> };
    expect(json.devices.find((d) => d.id === 'ursa')?.services).toEqual([{ name: 'blackmagic', protocol: 'http', port: 80, path: '/control/api/v1' }]);
    const csv = await get('csv');
    expect(csv).toMatch(/^ursa,.*blackmagic:http:80\/control\/api\/v1/m);
    expect(await get('md')).toMatch(/URSA Broadcast.*blackmagic http:80\/control\/api\/v1/);
    const dot = await get('dot');
    expect(dot).toContain('"URSA Broadcast\\ncamera (blackmagic)"');
    expect(dot).toContain('"cam-a\\ncamera"');

    // The CSV imports back into another map with the same service.
    const other = makeTestRig();
    try {
      const res = await other.app.request('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
      expect(res.status, await res.clone().text()).toBe(200);
      const device = (await (await other.app.request('/api/devices/ursa')).json()) as { services: Array<{ name: string }> };
      expect(device.services).toEqual([{ name: 'blackmagic', protocol: 'http', port: 80, path: '/control/api/v1' }]);
    } finally {
      other.close();
    }
  });
});
