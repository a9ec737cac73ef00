/**
 * Alerts follow the map: a device removed while it has an open alert has that
 * alert resolved ("removed from the map"), whether it was removed over REST or by
 * the CLI from another process; a renamed device's next alert uses its new name,
 * again for renames made here and from another process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/topology/health-types.ts';
import { removeDevice, updateDevice } from '../../src/topology/devices.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { eventually, type HealthHarness, startHarness } from './health-helpers.ts';

let h: HealthHarness;
const openAlerts = async (id: string) => (await h.get<{ open: Alert[] }>('/api/alerts')).open.filter((a) => a.deviceId === id);
const raisedFor = (id: string, from = 0) => h.hooks.slice(from).find((x) => x.event === 'alert.raised' && x.alert.deviceId === id && x.alert.kind === 'device_lost');

/** A change the way `rigmap` run in another process makes it: its own connection, its own bus. */
function fromOtherProcess<T>(fn: (ctx: { db: ReturnType<typeof openDb>['db']; bus: EventBus; actor: string }) => T): T {
  const store = openDb(h.dbPath, { migrate: false });
  try {
    return fn({ db: store.db, bus: new EventBus(), actor: 'cli' });
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.0.23.0/24', tailnetCidr: '127.123.0.0/16', nodes: 4 });
  for (const id of ['cam-01', 'cam-02', 'cam-03', 'cam-04']) await eventually(`${id} up`, async () => (await h.health(id)).state === 'up');
}, 30_000);
afterAll(async () => h?.close());

describe('alerts follow the map', () => {
  it('a device removed over REST while its alert is open has the alert resolved', async () => {
    await h.sim.applyFault('cam-01', { mode: 'down' });
    const raised = await eventually('cam-01 lost raised', () => raisedFor('cam-01'));
    const res = await fetch(`${h.server.url}/api/devices/cam-01`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const resolved = await eventually('cam-01 alert resolved', () => h.hooks.find((x) => x.event === 'alert.resolved' && x.alert.id === raised.alert.id));
    expect(resolved.alert.message).toMatch(/removed from the map/);
    expect(await openAlerts('cam-01')).toEqual([]);
  });

  it('a device removed by the CLI from another process has its alert resolved too', async () => {
    await h.sim.applyFault('cam-02', { mode: 'down' });
    const raised = await eventually('cam-02 lost raised', () => raisedFor('cam-02'));
    fromOtherProcess((ctx) => removeDevice({ ctx, id: 'cam-02' }));
    const resolved = await eventually('cam-02 alert resolved', () => h.hooks.find((x) => x.event === 'alert.resolved' && x.alert.id === raised.alert.id));
    expect(resolved.alert.message).toMatch(/removed from the map/);
    expect(await openAlerts('cam-02')).toEqual([]);
  });

  it('after a rename (REST or CLI) the next alert uses the new name', async () => {
    // A first alert makes the manager know cam-03 by its old name.
    const first = h.hooks.length;
    await h.sim.applyFault('cam-03', { mode: 'down' });
    const old = await eventually('cam-03 lost raised', () => raisedFor('cam-03', first));
    const oldName = (await h.get<{ name: string }>('/api/devices/cam-03')).name;
    expect(old.alert.message).toContain(oldName);
    await h.sim.applyFault('cam-03', { mode: 'ok' });
    await eventually('cam-03 alert resolved', () => h.hooks.find((x) => x.event === 'alert.resolved' && x.alert.id === old.alert.id));

    const patched = await fetch(`${h.server.url}/api/devices/cam-03`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Stage Left' }) });
    expect(patched.status).toBe(200);
    const second = h.hooks.length;
    await h.sim.applyFault('cam-03', { mode: 'down' });
    const renamed = await eventually('cam-03 lost raised again', () => raisedFor('cam-03', second));
    expect(renamed.alert.message).toContain('Stage Left');
    await h.sim.applyFault('cam-03', { mode: 'ok' });
    await eventually('cam-03 alert resolved again', () => h.hooks.find((x) => x.event === 'alert.resolved' && x.alert.id === renamed.alert.id));

    // cam-04 known by its old name, then renamed from another process; an extra
    // out-of-scope address makes the server's re-read of the map visible.
    const fourth = h.hooks.length;
    await h.sim.applyFault('cam-04', { mode: 'down' });
    const known = await eventually('cam-04 lost raised', () => raisedFor('cam-04', fourth));
    await h.sim.applyFault('cam-04', { mode: 'ok' });
    await eventually('cam-04 alert resolved', () => h.hooks.find((x) => x.event === 'alert.resolved' && x.alert.id === known.alert.id));
    const before = (await h.health('cam-04')).paths.length;
    fromOtherProcess((ctx) => {
      const d = updateDevice({ ctx, id: 'cam-04', patch: {} });
      updateDevice({ ctx, id: 'cam-04', patch: { name: 'Stage Right', addresses: [...d.addresses.map(({ network, ip, hostname }) => ({ network, ip, hostname })), { network: 'tailscale', hostname: 'cam-04.tail0000.ts.net' }] } });
    });
    await eventually('server re-read the map', async () => (await h.health('cam-04')).paths.length > before);
    const third = h.hooks.length;
    await h.sim.applyFault('cam-04', { mode: 'down' });
    const cli = await eventually('cam-04 lost raised after the rename', () => raisedFor('cam-04', third));
    expect(cli.alert.id).not.toBe(known.alert.id);
    expect(cli.alert.message).toContain('Stage Right');
  }, 60_000);
});
