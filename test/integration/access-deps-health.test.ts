/**
 * One source of live health for every route: an app given the health service
 * (and nothing else) shows the same live state on /api/devices/:id/health,
 * /api/topology, /api/export and the roll call.
 * Addresses: LAN 127.32.5.0/24, tailnet 127.132.5.0/24.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { healthOptionsFromConfig } from '../../src/server/health-options.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { startHealth, type HealthService } from '../../src/topology/health-service.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

let sim: SimRig | undefined;
let rig: TestRig | undefined;
let health: HealthService | undefined;
afterEach(async () => {
  await health?.stop();
  await sim?.close();
  rig?.close();
});

describe('AppDeps health', () => {
  it('every route reads the one health service', async () => {
    sim = await startSimRig({ nodes: 1, extras: false, port: 0, lanCidr: '127.32.5.0/24', tailnetCidr: '127.132.5.0/24', heartbeatMs: 200 });
    rig = makeTestRig();
    importInventory({ ctx: rig.ctx, input: sim.manifest() });
    const config = loadConfig({ db: rig.store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', probeIntervalMs: 300, tailnetCidrs: '127.132.0.0/16' }, {});
    health = startHealth({ ctx: { ...rig.ctx, actor: 'probe' }, options: healthOptionsFromConfig(config) });
    const app = buildApp({ db: rig.store.db, bus: rig.bus, config, healthService: health });
    const id = sim.manifest().devices[0]!.id;
    await eventually(`${id} up on /api/devices/:id/health`, async () => (await (await app.request(`/api/devices/${id}/health`)).json()).state === 'up', 20_000);
    const topology = await (await app.request('/api/topology')).json();
    expect(topology.devices.find((d: { id: string }) => d.id === id).health.state).toBe('up');
    expect(await (await app.request('/api/export?format=md')).text()).toMatch(new RegExp(`${id}[^\\n]*\\bup\\b`));
    expect((await app.request('/api/check')).status).toBe(200);
  }, 40_000);
});
