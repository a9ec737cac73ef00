import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestRig, jsonInit, type TestRig } from '../helpers/app.ts';

const camA = {
  id: 'cam-a', name: 'Cam A', role: 'camera',
  addresses: [{ network: 'lan', ip: '192.168.1.21', hostname: 'cam-a.local' }],
  services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
  tags: ['stage-left'],
};

describe('REST API: devices and links', () => {
  let rig: TestRig;
  beforeEach(() => (rig = makeTestRig()));
  afterEach(() => rig.close());

  const call = (path: string, init?: RequestInit) => rig.app.request(path, init);
  const deviceCount = async () => ((await (await call('/api/devices')).json()) as { devices: unknown[] }).devices.length;

  it('creates, reads, changes and removes a device', async () => {
    const created = await call('/api/devices', jsonInit('POST', camA));
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'cam-a', addresses: [{ network: 'lan', ip: '192.168.1.21', source: 'manual' }] });

    const got = await (await call('/api/devices/cam-a')).json();
    expect(got).toMatchObject({ name: 'Cam A', role: 'camera', expected: true, tags: ['stage-left'] });

    const patched = await call('/api/devices/cam-a', jsonInit('PATCH', { name: 'Cam A wide', addresses: [{ network: 'tailscale', ip: '100.101.1.2' }] }));
    expect(patched.status).toBe(200);
    const body = (await patched.json()) as { name: string; addresses: Array<{ network: string }>; services: unknown[] };
    expect(body.name).toBe('Cam A wide');
    expect(body.addresses.map((a) => a.network)).toEqual(['tailscale']);
    expect(body.services).toHaveLength(1); // not given: kept

    expect((await call('/api/devices/cam-a', { method: 'DELETE' })).status).toBe(200);
    const gone = await call('/api/devices/cam-a');
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: { code: 'not_found', message: 'no device with id "cam-a"', details: { id: 'cam-a' } } });
  });

  it('filters the device list by role and tag', async () => {
    await call('/api/devices', jsonInit('POST', camA));
    await call('/api/devices', jsonInit('POST', { id: 'hotspot', role: 'hotspot' }));
    const cams = (await (await call('/api/devices?role=camera')).json()) as { devices: Array<{ id: string }> };
    expect(cams.devices.map((d) => d.id)).toEqual(['cam-a']);
    const tagged = (await (await call('/api/devices?tag=stage-left')).json()) as { devices: Array<{ id: string }> };
    expect(tagged.devices.map((d) => d.id)).toEqual(['cam-a']);
  });

  it.each([
    ['an invalid IP', { ...camA, addresses: [{ network: 'lan', ip: '192.168.1.300' }] }, 'addresses[0].ip', '192.168.1.300'],
    ['an invalid port', { ...camA, services: [{ name: 'camera-node', protocol: 'http', port: 70000 }] }, 'services[0].port', 70000],
    ['an invalid role', { ...camA, role: 'drone' }, 'role', 'drone'],
    ['an invalid id', { ...camA, id: 'Cam A!' }, 'id', 'Cam A!'],
    ['an unknown network', { ...camA, addresses: [{ network: 'wan', ip: '1.2.3.4' }] }, 'addresses[0].network', 'wan'],
    ['an unknown field', { ...camA, colour: 'red' }, 'colour', undefined],
  ])('refuses %s with 400 naming the field and value, and writes nothing', async (_what, body, field, value) => {
    const res = await call('/api/devices', jsonInit('POST', body));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string; details: { problems: Array<{ field: string; value?: unknown }> } } };
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain(field);
    expect(error.details.problems[0]).toMatchObject({ field, ...(value !== undefined ? { value } : {}) });
    expect(await deviceCount()).toBe(0);
  });

  it('refuses a duplicate id with 409', async () => {
    await call('/api/devices', jsonInit('POST', camA));
    const res = await call('/api/devices', jsonInit('POST', { ...camA, name: 'Other' }));
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('conflict');
    expect(((await (await call('/api/devices/cam-a')).json()) as { name: string }).name).toBe('Cam A');
  });

  it('refuses malformed JSON with 400 bad_json', async () => {
    const res = await call('/api/devices', jsonInit('POST', '{"id": "cam-a",'));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('bad_json');
    expect(error.message).toContain('not valid JSON');
    expect(await deviceCount()).toBe(0);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ ...camA, notes: 'x'.repeat(1024 * 1024 + 10) });
    const res = await call('/api/import', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(big.length) }, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(await deviceCount()).toBe(0);
  });

  it('manages links and refuses links to unknown devices', async () => {
    await call('/api/devices', jsonInit('POST', camA));
    await call('/api/devices', jsonInit('POST', { id: 'hotspot', role: 'hotspot' }));
    const bad = await call('/api/links', jsonInit('POST', { from: 'cam-a', to: 'ghost', kind: 'wifi' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain('to: no device with id "ghost"');
    expect(((await (await call('/api/links')).json()) as { links: unknown[] }).links).toHaveLength(0);

    const created = await call('/api/links', jsonInit('POST', { from: 'cam-a', to: 'hotspot', kind: 'wifi' }));
    expect(created.status).toBe(201);
    const link = (await created.json()) as { id: number };
    expect((await call('/api/links', jsonInit('POST', { from: 'cam-a', to: 'hotspot', kind: 'wifi' }))).status).toBe(409);
    const patched = await call(`/api/links/${link.id}`, jsonInit('PATCH', { kind: 'ethernet' }));
    expect(await patched.json()).toMatchObject({ from: 'cam-a', to: 'hotspot', kind: 'ethernet' });
    // Removing a device removes its links.
    await call('/api/devices/hotspot', { method: 'DELETE' });
    expect((await call(`/api/links/${link.id}`)).status).toBe(404);
    expect((await call('/api/links/abc')).status).toBe(400);
  });

  it('serves the topology document and the health check', async () => {
    await call('/api/import', jsonInit('POST', {
      version: 1, rig: { name: 'Studio B' },
      devices: [camA, { id: 'hotspot', role: 'hotspot', addresses: [{ network: 'lan', ip: '192.168.1.1' }] }],
      links: [{ from: 'cam-a', to: 'hotspot', kind: 'wifi' }],
    }));
    const topo = (await (await call('/api/topology')).json()) as Record<string, unknown> & { devices: unknown[]; links: unknown[]; networks: Array<{ id: string; deviceCount: number }> };
    expect(topo.rig).toEqual({ name: 'Studio B' });
    expect(topo.devices).toHaveLength(2);
    expect(topo.links).toHaveLength(1);
    expect(topo.upstreams).toEqual({ 'cam-a': 'hotspot' });
    expect(topo.networks).toEqual([{ id: 'lan', name: 'LAN', deviceCount: 2 }, { id: 'tailscale', name: 'Tailnet', deviceCount: 0 }]);
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, database: 'ok' });
  });

  it('imports CSV and JSON over REST and exports both', async () => {
    const csv = 'id,role,lan_ip,links\ncam-a,camera,192.168.1.21,hotspot:wifi\nhotspot,hotspot,192.168.1.1,\n';
    const res = await call('/api/import', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ devices: { created: ['cam-a', 'hotspot'] }, links: { created: 1 } });
    const json = await call('/api/export?format=json');
    expect(json.headers.get('content-type')).toContain('application/json');
    expect(((await json.json()) as { devices: unknown[] }).devices).toHaveLength(2);
    const exported = await (await call('/api/export?format=csv')).text();
    expect(exported.split('\n')[0]).toBe('id,name,role,model,expected,lan_ip,lan_hostname,tailscale_ip,tailscale_hostname,services,links,tags,notes');
    expect((await call('/api/export?format=pdf')).status).toBe(400);
  });

  it('answers unknown routes in the error shape', async () => {
    const res = await call('/api/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
