/**
 * What a fleet Prometheus and Grafana read from rigmap: /metrics labelled by rig,
 * the exported alerting rules (checked and unit-tested by the real promtool),
 * and docs/grafana/rigmap.json (valid JSON, the expected panels, PromQL that
 * promtool parses, only metrics rigmap serves). Skips the promtool parts with a
 * message when Debian's `prometheus` package is not installed.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderExport } from '../../src/topology/export/index.ts';
import type { DeviceHealth } from '../../src/topology/health-types.ts';
import { EventBus } from '../../src/topology/events.ts';
import { RigMetrics } from '../../src/topology/metrics.ts';
import type { ProbeTarget } from '../../src/topology/probes/targets.ts';
import { makeTempDir, makeTestRig, type TestRig } from '../helpers/app.ts';

const PROMTOOL = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0 ? 'promtool' : null;
if (!PROMTOOL) console.warn('fleet-rules: promtool not found (Debian package "prometheus"): skipping the promtool checks');

const DASHBOARD = JSON.parse(readFileSync(new URL('../../docs/grafana/rigmap.json', import.meta.url), 'utf8')) as {
  title: string; uid: string; panels: Array<{ title: string; type: string; targets: Array<{ expr: string }> }>;
  templating: { list: Array<{ name: string; type: string }> };
};

let rig: TestRig;
let tmp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  rig = makeTestRig();
  tmp = makeTempDir('rigmap-fleet-rules-');
});
afterEach(() => {
  rig.close();
  tmp.cleanup();
});

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(PROMTOOL!, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const sampleHealth: DeviceHealth[] = [
  {
    deviceId: 'cam-a', state: 'degraded', lastSeen: null,
    paths: [
      { network: 'lan', address: '127.38.2.1', service: 'camera-node', port: 8080, state: 'up', latencyMs: 3, lastError: null, since: null, flapping: false, heartbeatAgeMs: 400 },
      { network: 'tailscale', address: '127.138.2.1', service: 'camera-node', port: 8080, state: 'down', latencyMs: null, lastError: 'refused', since: null, flapping: false, heartbeatAgeMs: null },
    ],
    status: { state: 'idle', battery: { level: 0.5, charging: false }, thermal: 'nominal', storage: { freeBytes: 25, totalBytes: 100 }, uptimeSec: 1, time: '2026-11-30T00:00:00Z' },
  },
];

/** Metrics fed the way the server feeds them: the engine's map and outcomes, and node status, on a bus. */
function metricsOf(health: DeviceHealth[], rig: () => string): RigMetrics {
  const bus = new EventBus();
  const metrics = new RigMetrics({ rig });
  metrics.subscribe(bus);
  const targetOf = (d: DeviceHealth, p: DeviceHealth['paths'][number]): ProbeTarget => ({
    key: `${d.deviceId}|${p.service}|${p.network}|${p.address}|${p.port}`, deviceId: d.deviceId, network: p.network, address: p.address, service: p.service, port: p.port,
    kind: 'camera-node', path: '/api/v1', https: false, intervalMs: 1000, inScope: true,
  });
  bus.emit('probe.map', { targets: health.flatMap((d) => d.paths.map((p) => targetOf(d, p))), devices: health.map((d) => ({ deviceId: d.deviceId, state: 'unknown' })) });
  const now = Date.now();
  for (const d of health) {
    for (const p of d.paths) {
      const ok = p.state === 'up';
      bus.emit('probe.outcome', {
        target: targetOf(d, p), ok, latencyMs: ok ? p.latencyMs : null, at: now, source: 'poll', category: ok ? null : 'refused',
        path: { state: p.state, lastBeat: p.heartbeatAgeMs === null ? null : now - p.heartbeatAgeMs }, transition: null, deviceState: d.state, device: null,
      });
    }
    if (d.status) bus.emit('node.status', { deviceId: d.deviceId, status: d.status });
  }
  return metrics;
}

describe('/metrics for a fleet', () => {
  it('labels every series with the rig and serves rigmap_rig_info to join on', async () => {
    let name = 'Stage "B"';
    const metrics = metricsOf(sampleHealth, () => name);
    const text = await metrics.text();
    expect(text).toContain('rigmap_rig_info{rig="Stage \\"B\\""} 1');
    expect(text).toContain('rigmap_device_up{device="cam-a",rig="Stage \\"B\\""} 0.5');
    expect(text).toMatch(/rigmap_path_up\{device="cam-a",network="tailscale",address="127\.138\.2\.1",service="camera-node",rig="Stage \\"B\\""\} 0/);
    expect(text).toContain('rigmap_node_battery_level{device="cam-a",rig="Stage \\"B\\""} 0.5');
    expect(text).toContain('rigmap_node_storage_free_ratio{device="cam-a",rig="Stage \\"B\\""} 0.25');
    // Every sample line has the rig label.
    const samples = text.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(samples.length).toBeGreaterThan(5);
    for (const l of samples) expect(l, l).toContain('rig="Stage \\"B\\""');
    // A renamed rig (inventory import) shows at the next scrape.
    name = 'C';
    expect(await metrics.text()).toContain('rigmap_rig_info{rig="C"} 1');
  });
});

describe('rigmap export --format prometheus-rules', () => {
  it.skipIf(!PROMTOOL)('writes rules promtool accepts', () => {
    const file = join(tmp.dir, 'rigmap.rules.yml');
    writeFileSync(file, renderExport({ ctx: rig.ctx, format: 'prometheus-rules' }).body);
    const r = promtool(['check', 'rules', file]);
    expect(r.out).toMatch(/SUCCESS: 6 rules found/);
    expect(r.status, r.out).toBe(0);
  });

  it.skipIf(!PROMTOOL)('fires device lost and path lost per rig, and not path lost when the whole device is lost', () => {
    writeFileSync(join(tmp.dir, 'rigmap.rules.yml'), renderExport({ ctx: rig.ctx, format: 'prometheus-rules' }).body);
    const tests = `rule_files: [rigmap.rules.yml]
evaluation_interval: 5s
tests:
  - interval: 5s
    input_series:
      - series: 'rigmap_device_up{rig="A",device="cam-1"}'
        values: '1x20'
      - series: 'rigmap_device_up{rig="B",device="cam-1"}'
        values: '1 1 0x20'
      - series: 'rigmap_path_up{rig="B",device="cam-1",network="lan",address="127.38.2.1",service="camera-node"}'
        values: '1 1 0x20'
      - series: 'rigmap_device_up{rig="B",device="cam-2"}'
        values: '1 1 0.5x20'
      - series: 'rigmap_path_up{rig="B",device="cam-2",network="tailscale",address="127.138.2.2",service="camera-node"}'
        values: '1 1 0x20'
      - series: 'rigmap_node_battery_level{rig="A",device="cam-1"}'
        values: '0.1x20'
      - series: 'rigmap_node_charging{rig="A",device="cam-1"}'
        values: '0x20'
    alert_rule_test:
      - eval_time: 5s
        alertname: RigmapDeviceLost
        exp_alerts: []
      - eval_time: 40s
        alertname: RigmapDeviceLost
        exp_alerts:
          - exp_labels: { severity: critical, rig: B, device: cam-1 }
            exp_annotations:
              summary: 'cam-1 lost in rig B'
              description: 'rigmap sees every path of cam-1 down (rig B).'
      - eval_time: 40s
        alertname: RigmapPathLost
        exp_alerts:
          - exp_labels: { severity: warning, rig: B, device: cam-2, network: tailscale, address: 127.138.2.2, service: camera-node }
            exp_annotations:
              summary: 'cam-2: tailscale path lost in rig B'
              description: 'The tailscale path of cam-2 (127.138.2.2) is down; the device is still reachable another way.'
      - eval_time: 90s
        alertname: RigmapBatteryLow
        exp_alerts:
          - exp_labels: { severity: warning, rig: A, device: cam-1 }
            exp_annotations:
              summary: 'cam-1 battery low in rig A'
              description: 'cam-1 is at 10% battery and not charging.'
`;
    const file = join(tmp.dir, 'rules.test.yml');
    writeFileSync(file, tests);
    const r = promtool(['test', 'rules', file]);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS/);
  });
});

describe('docs/grafana/rigmap.json', () => {
  const exprs = DASHBOARD.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('is a dashboard with a rig selector and the fleet panels', () => {
    expect(DASHBOARD.uid).toBe('rigmap-fleet');
    expect(DASHBOARD.templating.list.map((v) => v.name)).toEqual(['datasource', 'rig']);
    const titles = DASHBOARD.panels.map((p) => p.title);
    for (const t of ['Rigs watched', 'Devices lost', 'Paths down', 'Device state', 'Path latency p95 by rig', 'Oldest heartbeat by rig', 'Alerts raised per hour']) {
      expect(titles).toContain(t);
    }
    expect(new Set(DASHBOARD.panels.map((p) => (p as unknown as { id: number }).id)).size).toBe(DASHBOARD.panels.length);
    for (const e of exprs.filter((x) => x.includes('rigmap_') && !x.includes('rigmap_rig_info'))) expect(e, e).toContain('rig=~"$rig"');
  });

  it('reads only metrics rigmap serves', async () => {
    const text = await metricsOf(sampleHealth, () => 'A').text();
    const served = new Set([...text.matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!));
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\b(rigmap_[a-z_]+)/g)].map((m) => m[1]!.replace(/_bucket$/, ''))));
    expect(used.size).toBeGreaterThan(5);
    for (const m of used) expect(served, m).toContain(m);
  });

  it.skipIf(!PROMTOOL)('has PromQL promtool parses', () => {
    const rules = exprs.map((e, i) => `      - record: dashboard:expr_${i}\n        expr: ${JSON.stringify(e.replaceAll('$rig', '.*'))}`);
    const file = join(tmp.dir, 'dashboard.rules.yml');
    writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const r = promtool(['check', 'rules', file]);
    expect(r.status, r.out).toBe(0);
  });
});
