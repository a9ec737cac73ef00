/** Every simulator fault mode, observed from a client exactly as docs/camera-node-contract.md describes it. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type SimRig, startSimRig } from '../../src/sim/rig.ts';
import { fetchFailure, openSse, poll } from './sim-sse-client.ts';

let rig: SimRig;
const node = (id: string) => rig.nodes.find((n) => n.id === id)!;
const lan = (id: string, p = '/api/v1/info') => `http://${node(id).lanIp}:${node(id).port}${p}`;
const ts = (id: string, p = '/api/v1/info') => `http://${node(id).tailscaleIp}:${node(id).port}${p}`;
/** Status of a GET on a fresh connection, NaN if it failed. */
const okStatus = async (url: string) => Number((await fetchFailure(url, { timeoutMs: 8000 })).replace('answered ', ''));

beforeAll(async () => {
  rig = await startSimRig({ nodes: 3, port: 0, heartbeatMs: 150, lanCidr: '127.33.32.0/24', tailnetCidr: '127.133.32.0/24' });
});
afterAll(() => rig?.close());
beforeEach(async () => {
  await Promise.all(rig.nodes.map((n) => rig.applyFault(n.id, { mode: 'ok' })));
});

describe('fault modes', () => {
  it('down refuses connections on both paths; ok reopens them', async () => {
    rig.setFault('cam-01', { mode: 'down' });
    expect(await fetchFailure(lan('cam-01'))).toBe('ECONNREFUSED');
    expect(await fetchFailure(ts('cam-01'))).toBe('ECONNREFUSED');
    expect(await okStatus(lan('cam-02'))).toBe(200);
    await rig.applyFault('cam-01', { mode: 'ok' });
    expect(await okStatus(lan('cam-01'))).toBe(200);
    expect(await okStatus(ts('cam-01'))).toBe(200);
  });

  it('down cuts an open event stream', async () => {
    const sse = await openSse(lan('cam-01', '/api/v1/events'));
    await sse.waitFor((e) => e.some((x) => x.event === 'hello'));
    rig.setFault('cam-01', { mode: 'down', path: 'lan' });
    await poll(() => sse.closed);
  });

  it('lan-down, tailscale-down and down with a path affect that path only', async () => {
    for (const [fault, refused, open] of [
      [{ mode: 'lan-down' }, lan, ts],
      [{ mode: 'tailscale-down' }, ts, lan],
      [{ mode: 'down', path: 'lan' }, lan, ts],
      [{ mode: 'down', path: 'tailscale' }, ts, lan],
    ] as const) {
      await rig.applyFault('cam-02', fault);
      expect(await fetchFailure(refused('cam-02')), JSON.stringify(fault)).toBe('ECONNREFUSED');
      expect(await okStatus(open('cam-02'))).toBe(200);
    }
  });

  it('hang accepts and never answers; an open stream goes silent without closing; ok resumes it', async () => {
    const lanStream = await openSse(lan('cam-01', '/api/v1/events'));
    const tsStream = await openSse(ts('cam-01', '/api/v1/events'));
    await lanStream.waitFor((e) => e.some((x) => x.event === 'heartbeat'));
    rig.setFault('cam-01', { mode: 'hang', path: 'lan' });
    const silentFrom = lanStream.events.length;
    const tsFrom = tsStream.events.length;
    expect(await fetchFailure(lan('cam-01'), { timeoutMs: 500 })).toBe('timeout');
    // The other path keeps beating: wait for three of its heartbeats, then the LAN stream must have said nothing.
    await tsStream.waitFor((e) => e.slice(tsFrom).filter((x) => x.event === 'heartbeat').length >= 3);
    expect(lanStream.events.length).toBe(silentFrom);
    expect(lanStream.closed).toBe(false);
    rig.setFault('cam-01', { mode: 'ok' });
    await lanStream.waitFor((e) => e.slice(silentFrom).some((x) => x.event === 'heartbeat'));
    expect(await okStatus(lan('cam-01'))).toBe(200);
    lanStream.close();
    tsStream.close();
  });

  it('slow answers, but only after the given delay', async () => {
    rig.setFault('cam-03', { mode: 'slow', ms: 2500 });
    expect(await fetchFailure(lan('cam-03'), { timeoutMs: 600 })).toBe('timeout');
    const res = await fetch(ts('cam-03', '/api/v1/status'));
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe('cam-03');
    rig.setFault('cam-03', { mode: 'slow', ms: 2500, path: 'tailscale' });
    expect(await okStatus(lan('cam-03'))).toBe(200);
  });

  it('garbage answers invalid JSON, a broken JPEG and malformed SSE', async () => {
    rig.setFault('cam-02', { mode: 'garbage' });
    const res = await fetch(lan('cam-02', '/api/v1/status'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    const snap = Buffer.from(await (await fetch(ts('cam-02', '/api/v1/snapshot.jpg'))).arrayBuffer());
    expect(snap.subarray(0, 2).equals(Buffer.from([0xff, 0xd8]))).toBe(false);
    const sse = await openSse(ts('cam-02', '/api/v1/events'));
    const events = await sse.waitFor((e) => e.length >= 3);
    sse.close();
    for (const e of events) expect(() => JSON.parse(e.data)).toThrow();
    expect(events.some((e) => e.event === 'hello' && e.data.includes('heartbeatMs'))).toBe(false);
    rig.setFault('cam-02', { mode: 'ok' });
    expect(await (await fetch(lan('cam-02', '/api/v1/status'))).json()).toMatchObject({ id: 'cam-02' });
  });

  it('the hotspot going down takes every device linked to it off the LAN, not off the tailnet', async () => {
    const stream = await openSse(lan('cam-03', '/api/v1/events'));
    await stream.waitFor((e) => e.some((x) => x.event === 'hello'));
    await rig.applyFault('hotspot', { mode: 'down' });
    expect(await fetchFailure(`http://${node('hotspot').lanIp}:${node('hotspot').port}/`)).toBe('ECONNREFUSED');
    for (const id of ['cam-01', 'cam-02', 'cam-03', 'console', 'relay']) {
      expect(await fetchFailure(lan(id, '/')), id).toBe('ECONNREFUSED');
      expect(await fetchFailure(ts(id, '/')), id).toMatch(/^answered (200|404)$/);
    }
    await poll(() => stream.closed);
    const views = (await (await fetch(`${rig.controlUrl}/nodes`)).json()).nodes as Array<{ id: string; fault: { mode: string }; paths: { lan: string } }>;
    expect(views.find((v) => v.id === 'cam-01')).toMatchObject({ fault: { mode: 'ok' }, paths: { lan: 'down', tailscale: 'ok' } });
    await rig.applyFault('hotspot', { mode: 'ok' });
    for (const id of ['hotspot', 'cam-01', 'console']) expect(await okStatus(lan(id, '/')), id).toBeLessThan(500);
  });
  it('the hotspot hanging makes every device linked to it go quiet on the LAN (held, not refused), not on the tailnet', async () => {
    const stream = await openSse(lan('cam-03', '/api/v1/events'));
    await stream.waitFor((e) => e.some((x) => x.event === 'hello'));
    await rig.applyFault('hotspot', { mode: 'hang' });
    const heard = stream.events.length;
    for (const id of ['cam-01', 'console']) {
      expect(await fetchFailure(lan(id, '/api/v1/info'), { timeoutMs: 600 }), id).toBe('timeout');
      expect(await fetchFailure(ts(id, '/'), { timeoutMs: 8000 }), id).toMatch(/^answered (200|404)$/);
    }
    // Several heartbeat periods (150 ms) pass: the open stream stays open and silent.
    expect(stream.closed).toBe(false);
    expect(stream.events.slice(heard).filter((x) => x.event === 'heartbeat')).toEqual([]);
    const views = (await (await fetch(`${rig.controlUrl}/nodes`)).json()).nodes as Array<{ id: string; paths: { lan: string; tailscale: string } }>;
    expect(views.find((v) => v.id === 'cam-01')).toMatchObject({ paths: { lan: 'hang', tailscale: 'ok' } });
    await rig.applyFault('hotspot', { mode: 'ok' });
    expect(await okStatus(lan('cam-01'))).toBe(200);
    stream.close();
  });
});

describe('control API', () => {
  it('injects and clears faults over HTTP and rejects bad input with a clear message', async () => {
    const post = (path: string, body: unknown) => fetch(`${rig.controlUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const res = await post('/nodes/cam-01/fault', { mode: 'down' });
    expect(res.status).toBe(200);
    expect((await res.json()).node).toMatchObject({ id: 'cam-01', fault: { mode: 'down' }, paths: { lan: 'down', tailscale: 'down' } });
    expect(await fetchFailure(lan('cam-01'))).toBe('ECONNREFUSED');
    const bad = await post('/nodes/cam-01/fault', { mode: 'melt' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/mode must be one of/);
    const badMs = await post('/nodes/cam-01/fault', { mode: 'slow' });
    expect(badMs.status).toBe(400);
    expect((await post('/nodes/cam-99/fault', { mode: 'ok' })).status).toBe(404);
    expect((await post('/faults/reset', {})).status).toBe(200);
    expect(await okStatus(lan('cam-01'))).toBe(200);
    const manifest = await (await fetch(`${rig.controlUrl}/manifest?rigName=Stage`)).json();
    expect(manifest).toMatchObject({ version: 1, rig: { name: 'Stage' } });
  });
});
