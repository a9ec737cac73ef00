/**
 * Fan-out: record.start to 50 simulated cameras, three of them faulted (down,
 * hang, garbage): every node's result is right, in the response and the audit
 * trail, and only the healthy ones are recording.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import type { CommandReport } from '../../src/topology/commands/types.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

let sim: SimRig;
let t: TestRig;

beforeAll(async () => {
  sim = await startSimRig({ nodes: 50, extras: false, port: 0, lanCidr: '127.0.5.0/24', tailnetCidr: '127.105.0.0/16' });
  t = makeTestRig();
  importInventory({ ctx: t.ctx, input: sim.manifest() });
  await sim.applyFault('cam-07', { mode: 'down' });
  await sim.applyFault('cam-19', { mode: 'hang' });
  await sim.applyFault('cam-33', { mode: 'garbage' });
}, 60_000);

afterAll(async () => {
  await sim?.close();
  t?.close();
});

const post = (body: unknown) => t.app.request('/api/commands', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('fan-out commands', () => {
  it('sends record.start to 50 cameras and reports each of the 3 faults correctly', async () => {
    const res = await post({ action: 'record.start', role: 'camera', timeoutMs: 4000, concurrency: 16 });
    expect(res.status).toBe(200);
    const report = (await res.json()) as CommandReport;
    expect(report).toMatchObject({ action: 'record.start', total: 50, ok: 47, failed: 3, timedOut: 1 });
    const by = new Map(report.results.map((r) => [r.deviceId, r]));
    expect(by.get('cam-07')).toMatchObject({ ok: false, timedOut: false, status: null });
    expect(by.get('cam-07')!.error).toMatch(/ECONNREFUSED/);
    expect(by.get('cam-19')).toMatchObject({ ok: false, timedOut: true });
    expect(by.get('cam-19')!.error).toMatch(/no answer within 4000 ms/);
    expect(by.get('cam-33')).toMatchObject({ ok: false, timedOut: false, status: 200 });
    expect(by.get('cam-33')!.error).toMatch(/not JSON/);
    for (const r of report.results.filter((x) => !['cam-07', 'cam-19', 'cam-33'].includes(x.deviceId))) {
      expect(r, r.deviceId).toMatchObject({ ok: true, state: 'recording', network: 'lan', error: null });
    }
    const recording = sim.describe().filter((n) => (n.status as { state?: string } | null)?.state === 'recording').map((n) => n.id);
    expect(recording).toHaveLength(47);
    expect(recording).not.toContain('cam-07');

    const { entries } = await (await t.app.request('/api/audit?action=command')).json();
    expect(entries[0]).toMatchObject({ action: 'command.sent', target: 'record.start', actor: 'local', via: 'open' });
    expect(entries[0].details).toMatchObject({ total: 50, ok: 47, failed: 3, timedOut: 1 });
    expect(entries[0].details.results.find((r: { deviceId: string }) => r.deviceId === 'cam-19')).toMatchObject({ ok: false, timedOut: true });
  }, 30_000);

  it('targets a list of devices and a tag, and says what is wrong with a bad selection', async () => {
    const list = (await (await post({ action: 'marker', args: { label: 'take 2' }, devices: ['cam-01', 'cam-02'] })).json()) as CommandReport;
    expect(list.results.map((r) => [r.deviceId, r.ok])).toEqual([['cam-01', true], ['cam-02', true]]);
    const patched = await t.app.request('/api/devices/cam-03', { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tags: ['stage-left'] }) });
    expect(patched.status).toBe(200);
    const tag = (await (await post({ action: 'record.stop', tag: 'stage-left' })).json()) as CommandReport;
    expect(tag.results).toEqual([expect.objectContaining({ deviceId: 'cam-03', ok: true, state: 'idle' })]);
    const unknown = await post({ action: 'record.stop', devices: ['cam-01', 'cam-999'] });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.message).toMatch(/cam-999/);
    expect((await post({ action: 'self.destruct', role: 'camera' })).status).toBe(400);
    expect((await post({ action: 'identify', role: 'camera', tag: 'x' })).status).toBe(400);
  });
});
