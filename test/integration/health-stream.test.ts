/**
 * Live health over the wire: flapping yields one alert, /api/events replays
 * after Last-Event-ID, /metrics has per-path series, /api/topology carries
 * health, and addresses outside the probe scope are never called down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, DeviceHealth } from '../../src/topology/health-types.ts';
import { eventually, type HealthHarness, pause, startHarness } from './health-helpers.ts';

let h: HealthHarness;

beforeAll(async () => {
  h = await startHarness({ lanCidr: '127.33.22.128/26', tailnetCidr: '127.133.22.0/24', nodes: 2, settings: { alertSettleMs: 1500 } });
  await eventually('both cameras up', async () => (await h.health('cam-01')).state === 'up' && (await h.health('cam-02')).state === 'up');
}, 30_000);
afterAll(async () => h?.close());

/** Read an SSE response until `until` holds or 10 s pass; returns the events seen. */
async function readEvents(res: Response, until: (events: Array<{ id?: string; event?: string; data?: string }>) => boolean) {
  const reader = res.body!.getReader();
  const events: Array<{ id?: string; event?: string; data?: string }> = [];
  let buf = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !until(events)) {
    const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 500))]);
    if (!chunk || chunk.done) continue;
    buf += new TextDecoder().decode(chunk.value);
    let idx: number;
    while ((idx = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      const ev: { id?: string; event?: string; data?: string } = {};
      for (const line of block.split('\n')) {
        const m = /^(id|event|data): ?(.*)$/.exec(line);
        if (m) ev[m[1] as 'id' | 'event' | 'data'] = m[2];
      }
      if (ev.event) events.push(ev);
    }
  }
  await reader.cancel();
  return events;
}

describe('live health over the wire', () => {
  it('a flapping node yields one alert, not a storm, and one resolved notice once it settles', async () => {
    const before = h.hooks.length;
    for (let i = 0; i < 6; i++) {
      h.sim.setFault('cam-01', { mode: 'down' });
      await eventually('cam-01 seen down', async () => (await h.health('cam-01')).paths.every((p) => p.state === 'down'));
      h.sim.setFault('cam-01', { mode: 'ok' });
      await eventually('cam-01 seen up', async () => (await h.health('cam-01')).paths.every((p) => p.state === 'up'));
    }
    await eventually('cam-01 settled and resolved', () => h.hooks.slice(before).some((x) => x.event === 'alert.resolved'), 20_000);
    await pause(1000);
    const mine = h.hooks.slice(before).filter((x) => x.alert.deviceId === 'cam-01');
    expect(mine.filter((x) => x.event === 'alert.raised'), JSON.stringify(mine.map((x) => [x.event, x.alert.kind, x.alert.raisedAt, x.alert.resolvedAt, x.alert.message])) + JSON.stringify((await h.get<{ transitions: unknown[] }>('/api/devices/cam-01/health?transitions=8')).transitions)).toHaveLength(1);
    expect(mine.filter((x) => x.event === 'alert.resolved')).toHaveLength(1);
  });

  it('webhook notices carry the documented fields', () => {
    const notice = h.hooks.find((x) => x.event === 'alert.raised');
    expect(notice).toBeDefined();
    expect(Object.keys(notice!).sort()).toEqual(['alert', 'event', 'rig', 'sentAt', 'text']);
    expect(Object.keys(notice!.alert).sort()).toEqual(
      ['acknowledgedAt', 'acknowledgedBy', 'deviceId', 'folded', 'id', 'kind', 'message', 'network', 'raisedAt', 'resolvedAt', 'severity'],
    );
  });

  it('/api/events streams changes and replays after Last-Event-ID', async () => {
    const live = await fetch(`${h.server.url}/api/events`);
    expect(live.headers.get('content-type')).toMatch(/text\/event-stream/);
    h.sim.setFault('cam-02', { mode: 'lan-down' });
    const seen = await readEvents(live, (evs) => evs.some((e) => e.event === 'path.state' && e.data?.includes('"state":"down"')));
    const change = seen.find((e) => e.event === 'path.state' && e.data?.includes('"state":"down"'));
    expect(change?.id).toMatch(/^\d+$/);
    expect(JSON.parse(change!.data!)).toMatchObject({ deviceId: 'cam-02', path: { network: 'lan', state: 'down' }, reason: expect.any(String) });
    h.sim.setFault('cam-02', { mode: 'ok' });
    // On a timeout the failure names the paths' last states and reasons.
    await eventually('cam-02 back', async () => {
      const d = await h.health('cam-02');
      if (d.state !== 'up') throw new Error(`cam-02 ${d.state}: ${JSON.stringify(d.paths)}`);
      return true;
    });
    const resumed = await fetch(`${h.server.url}/api/events`, { headers: { 'last-event-id': change!.id! } });
    const replay = await readEvents(resumed, (evs) => evs.some((e) => e.event === 'path.state' && e.data?.includes('"state":"up"') && e.data.includes('cam-02')));
    expect(replay.length).toBeGreaterThan(0);
    expect(replay.every((e) => Number(e.id) > Number(change!.id))).toBe(true);
  });

  it('/metrics has the per-path series', async () => {
    const text = await (await fetch(`${h.server.url}/metrics`)).text();
    expect(text).toMatch(/rigmap_path_up\{device="cam-01",network="lan",address="127\.33\.22\.\d+",service="camera-node",rig="[^"]+"\} 1/);
    expect(text).toMatch(/rigmap_path_up\{device="cam-01",network="tailscale",address="127\.133\.22\.\d+",service="camera-node",rig="[^"]+"\} 1/);
    expect(text).toMatch(/rigmap_path_latency_seconds_bucket\{[^}]*device="cam-01"/);
    expect(text).toMatch(/rigmap_path_heartbeat_age_seconds\{device="cam-02"/);
    expect(text).toMatch(/rigmap_path_transitions_total\{device="cam-01",network="lan",to="down",rig="[^"]+"\} \d+/);
    expect(text).toMatch(/rigmap_probe_errors_total\{device="cam-01",network="lan",reason="[a-z_]+",rig="[^"]+"\} \d+/);
  });

  it('/api/topology adds health to each device; an address outside the scope is never called down', async () => {
    const res = await h.post('/api/devices', {
      id: 'far-cam', role: 'camera', addresses: [{ network: 'tailscale', ip: '100.101.1.2' }], services: [{ name: 'camera-node', protocol: 'http', port: 8080 }],
    });
    expect(res.status).toBe(201);
    const far = await eventually('far-cam picked up', async () => {
      const d = await h.health('far-cam');
      return d.paths.length ? d : null;
    });
    expect(far.paths[0]?.state).toBe('out_of_scope');
    expect(far.state).toBe('unknown');
    const topo = await h.get<{ devices: Array<{ id: string; health: DeviceHealth }> }>('/api/topology');
    const cam01 = topo.devices.find((d) => d.id === 'cam-01')?.health;
    expect(cam01?.state, JSON.stringify(cam01?.paths)).toBe('up');
    expect(topo.devices.find((d) => d.id === 'far-cam')?.health.paths[0]?.state).toBe('out_of_scope');
    const { open } = await h.get<{ open: Alert[] }>('/api/alerts');
    expect(open.filter((a) => a.deviceId === 'far-cam')).toEqual([]);
  });
});
