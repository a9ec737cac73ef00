/** Camera-node contract v1 against the simulator, over real HTTP on both addresses of a node. */
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import { listDevices } from '../../src/topology/devices.ts';
import { makeTestRig } from '../helpers/app.ts';
import { openSse, poll } from './sim-sse-client.ts';

const HEARTBEAT_MS = 200;
let rig: SimRig;
const base = (ip: string) => `http://${ip}:${rig.nodes[0]!.port}/api/v1`;
const addressesOf = (id: string) => {
  const n = rig.nodes.find((x) => x.id === id)!;
  return [
    ['lan', n.lanIp],
    ['tailscale', n.tailscaleIp!],
  ] as const;
};

beforeAll(async () => {
  rig = await startSimRig({ nodes: 3, port: 0, heartbeatMs: HEARTBEAT_MS, lanCidr: '127.33.31.0/24', tailnetCidr: '127.133.31.0/24' });
});
afterAll(() => rig?.close());

describe('endpoints on both addresses', () => {
  for (const path of ['lan', 'tailscale'] as const) {
    it(`answers info, status, snapshot, commands and errors on the ${path} address`, async () => {
      const ip = addressesOf('cam-01').find(([p]) => p === path)![1];
      const info = await fetch(`${base(ip)}/info`);
      expect(info.status).toBe(200);
      expect(info.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await info.json()).toMatchObject({ id: 'cam-01', name: 'Cam 01', role: 'camera', api: 1, model: expect.any(String), os: expect.any(String), appVersion: expect.any(String) });

      const status = await (await fetch(`${base(ip)}/status`)).json();
      expect(status).toMatchObject({ id: 'cam-01', state: expect.stringMatching(/^(idle|recording)$/), thermal: 'nominal', uptimeSec: expect.any(Number), time: expect.any(String) });
      expect(status.battery.level).toBeGreaterThan(0);
      expect(status.battery.level).toBeLessThanOrEqual(1);
      expect(status.storage.freeBytes).toBeLessThanOrEqual(status.storage.totalBytes);

      const snap = await fetch(`${base(ip)}/snapshot.jpg`);
      expect(snap.headers.get('content-type')).toBe('image/jpeg');
      const img = jpeg.decode(new Uint8Array(await snap.arrayBuffer()), { useTArray: true });
      expect([img.width, img.height]).toEqual([320, 180]);

      const cmd = await fetch(`${base(ip)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'identify' }) });
      expect(cmd.status).toBe(200);
      expect(await cmd.json()).toEqual({ ok: true, state: status.state });

      const missing = await fetch(`${base(ip)}/nope`);
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('not_found');
      const wrongMethod = await fetch(`${base(ip)}/commands`);
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
      const badJson = await fetch(`${base(ip)}/commands`, { method: 'POST', body: '{nope' });
      expect(badJson.status).toBe(400);
      expect(await badJson.json()).toEqual({ error: { code: 'bad_json', message: expect.any(String) } });
      const badAction = await fetch(`${base(ip)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'explode' }) });
      expect(badAction.status).toBe(400);
      expect((await badAction.json()).error.code).toBe('unknown_action');

      const sse = await openSse(`${base(ip)}/events`);
      const [hello] = await sse.waitFor((e) => e.length >= 1);
      sse.close();
      expect(hello!.event).toBe('hello');
    });
  }

  it('record.start on the LAN and record.stop over the tailnet act on the same node', async () => {
    const [[, lan], [, ts]] = addressesOf('cam-02');
    const start = await fetch(`${base(lan)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'record.start' }) });
    expect(await start.json()).toEqual({ ok: true, state: 'recording' });
    expect((await (await fetch(`${base(ts)}/status`)).json()).state).toBe('recording');
    const marker = await fetch(`${base(ts)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'marker', args: { label: 'take 2' } }) });
    expect(marker.status).toBe(200);
    const stop = await fetch(`${base(ts)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'record.stop' }) });
    expect(await stop.json()).toEqual({ ok: true, state: 'idle' });
    const lateMarker = await fetch(`${base(lan)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'marker' }) });
    expect(lateMarker.status).toBe(409);
    expect((await lateMarker.json()).error.code).toBe('not_recording');
  });

  it('the extras answer their admin page', async () => {
    for (const n of rig.nodes.filter((x) => x.role !== 'camera')) {
      const res = await fetch(`http://${n.lanIp}:${n.port}/`);
      expect(await res.json()).toMatchObject({ id: n.id, role: n.role, ok: true });
    }
  });
});

describe('event stream', () => {
  it('starts with retry and hello, then heartbeats at the announced cadence', async () => {
    const sse = await openSse(`${base(rig.nodes[0]!.tailscaleIp!)}/events`);
    const events = await sse.waitFor((e) => e.filter((x) => x.event === 'heartbeat').length >= 6);
    sse.close();
    expect(sse.retry).toBe(2000);
    expect(events[0]!.event).toBe('hello');
    const hello = JSON.parse(events[0]!.data);
    expect(hello).toMatchObject({ id: 'cam-01', api: 1, heartbeatMs: HEARTBEAT_MS, resumed: false });
    expect(events[1]!.event).toBe('status');
    const beats = events.filter((e) => e.event === 'heartbeat').map((e) => ({ id: Number(e.id), ...JSON.parse(e.data) }));
    for (let i = 1; i < beats.length; i++) {
      expect(beats[i]!.seq).toBe(beats[i - 1]!.seq + 1);
      expect(beats[i]!.id).toBeGreaterThan(beats[i - 1]!.id);
    }
    // Cadence from the node's own timestamps, loosely (timers only ever run late on a busy machine).
    const gaps = beats.slice(1).map((b, i) => Date.parse(b.time) - Date.parse(beats[i]!.time)).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(HEARTBEAT_MS * 0.8);
    expect(median).toBeLessThan(HEARTBEAT_MS * 5);
  });

  it('sends a status event after a command, and a marker event', async () => {
    const [[, lan]] = addressesOf('cam-03');
    const sse = await openSse(`${base(lan)}/events`);
    await sse.waitFor((e) => e.some((x) => x.event === 'hello'));
    await fetch(`${base(lan)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'record.start' }) });
    await fetch(`${base(lan)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'marker', args: { label: 'clap' } }) });
    const events = await sse.waitFor((e) => e.some((x) => x.event === 'marker'));
    await fetch(`${base(lan)}/commands`, { method: 'POST', body: JSON.stringify({ action: 'record.stop' }) });
    await sse.waitFor((e) => e.some((x) => x.event === 'status' && JSON.parse(x.data).state === 'idle' && x.id !== undefined));
    sse.close();
    const recording = events.find((x) => x.event === 'status' && x.id !== undefined && JSON.parse(x.data).state === 'recording');
    expect(recording).toBeDefined();
    expect(JSON.parse(events.find((x) => x.event === 'marker')!.data)).toMatchObject({ seq: 1, label: 'clap' });
  });

  it('resumes after Last-Event-ID with every missed event, in order', async () => {
    const url = `${base(rig.nodes[0]!.lanIp)}/events`;
    const first = await openSse(url);
    const seen = await first.waitFor((e) => e.filter((x) => x.event === 'heartbeat').length >= 2);
    first.close();
    const lastId = Number(seen.filter((x) => x.id !== undefined).at(-1)!.id);
    // Let a few events pass while disconnected.
    const watcher = await openSse(url);
    await watcher.waitFor((e) => e.filter((x) => x.event === 'heartbeat').length >= 3);
    watcher.close();

    const resumed = await openSse(url, { 'last-event-id': String(lastId) });
    const events = await resumed.waitFor((e) => e.filter((x) => x.id !== undefined).length >= 4);
    resumed.close();
    expect(events[0]!.event).toBe('hello');
    expect(JSON.parse(events[0]!.data).resumed).toBe(true);
    const ids = events.filter((x) => x.id !== undefined).map((x) => Number(x.id));
    expect(ids[0]).toBe(lastId + 1);
    ids.forEach((id, i) => expect(id).toBe(lastId + 1 + i));

    const unknown = await openSse(url, { 'last-event-id': '999999999' });
    const fresh = await unknown.waitFor((e) => e.length >= 2);
    unknown.close();
    expect(JSON.parse(fresh[0]!.data).resumed).toBe(false);
    expect(fresh[1]!.event).toBe('status');
  });
});

describe('snapshot', () => {
  it('changes over time and differs from node to node', async () => {
    const url = (id: string) => `http://${rig.nodes.find((n) => n.id === id)!.lanIp}:${rig.nodes[0]!.port}/api/v1/snapshot.jpg`;
    const get = async (id: string) => Buffer.from(await (await fetch(url(id))).arrayBuffer());
    const a = await get('cam-01');
    await poll(async () => !(await get('cam-01')).equals(a), 10_000);
    const meanColour = (buf: Buffer) => {
      const { data } = jpeg.decode(buf, { useTArray: true });
      // Top-left corner: background only.
      return [data[0]!, data[1]!, data[2]!];
    };
    expect(meanColour(await get('cam-01'))).not.toEqual(meanColour(await get('cam-02')));
  });
});

describe('manifest', () => {
  it('imports as is into a real database', () => {
    const t = makeTestRig();
    try {
      const report = importInventory({ ctx: t.ctx, input: rig.manifest({ rigName: 'Sim test' }) });
      expect(report.devices.created).toEqual(['cam-01', 'cam-02', 'cam-03', 'hotspot', 'console', 'relay']);
      expect(report.links.created).toBe(5);
      const cam = listDevices({ ctx: t.ctx }).find((d) => d.id === 'cam-01')!;
      expect(cam.addresses.map((a) => [a.network, a.ip])).toEqual(
        expect.arrayContaining([
          ['lan', rig.nodes[0]!.lanIp],
          ['tailscale', rig.nodes[0]!.tailscaleIp],
        ]),
      );
      expect(cam.services).toEqual([{ name: 'camera-node', protocol: 'http', port: rig.nodes[0]!.port, path: '/api/v1' }]);
      // Importing again changes nothing: idempotent by id.
      expect(importInventory({ ctx: t.ctx, input: rig.manifest({ rigName: 'Sim test' }) }).devices.unchanged).toHaveLength(6);
    } finally {
      t.close();
    }
  });
});
