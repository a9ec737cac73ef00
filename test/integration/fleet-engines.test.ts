/**
 * A fleet on the real engines: two rigmap servers (rigs A and B, each probing its
 * own simulated rig), a real Prometheus scraping both and a real Alertmanager
 * (Debian's `prometheus` and `prometheus-alertmanager`), all on 127.0.0.0/8 with
 * temporary storage, started and stopped here. A camera lost in rig B arrives in
 * Alertmanager labelled rig="B" within 5 s (the bound) and resolves when
 * it returns; Prometheus answers rigmap_device_up for both rigs.
 * Addresses: 127.38.3.0/24 (LAN of both rigs, the engines), 127.138.3.0/24 (tailnet).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { eventually, startHarness, type HealthHarness } from './health-helpers.ts';

const has = (bin: string) => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;
const MISSING = ['prometheus', 'prometheus-alertmanager'].filter((b) => !has(b));
if (MISSING.length) console.warn(`fleet-engines: skipped, ${MISSING.join(' and ')} not installed (Debian packages prometheus, prometheus-alertmanager)`);

const PROM = 'http://127.38.3.200:9090';
const AM = 'http://127.38.3.201:9093';

interface AmAlert { labels: Record<string, string>; annotations: Record<string, string>; startsAt: string; endsAt: string; generatorURL: string; status: { state: string } }

let a: HealthHarness;
let b: HealthHarness;
const children: ChildProcess[] = [];
let tmp: ReturnType<typeof makeTempDir>;
const logs: Record<string, string> = { prometheus: '', alertmanager: '' };

/** Start an engine; its output is kept for the failure message. */
function startEngine(name: 'prometheus' | 'alertmanager', bin: string, args: string[]): void {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d: Buffer) => { logs[name] = (logs[name] + d.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  children.push(child);
}

async function ready(url: string, name: string): Promise<void> {
  await eventually(`${name} ready (${logs[name.split(' ')[0]!] ?? ''})`, async () => (await fetch(url).catch(() => null))?.ok, 30_000, 200);
}

async function amAlerts(): Promise<AmAlert[]> {
  return (await (await fetch(`${AM}/api/v2/alerts`)).json()) as AmAlert[];
}

describe.skipIf(MISSING.length > 0)('a fleet of two rigs on Prometheus and Alertmanager', () => {
  beforeAll(async () => {
    tmp = makeTempDir('rigmap-fleet-engines-');
    const settings = { tailnetCidrs: '127.138.3.0/24' };
    [a, b] = await Promise.all([
      startHarness({ lanCidr: '127.38.3.0/26', tailnetCidr: '127.138.3.0/26', nodes: 2, settings }),
      startHarness({ lanCidr: '127.38.3.64/26', tailnetCidr: '127.138.3.64/26', nodes: 2, settings }),
    ]);
    // Name the rigs: the name is the rig label on metrics and alerts.
    for (const [h, name] of [[a, 'A'], [b, 'B']] as const) {
      const r = await h.post('/api/import', h.sim.manifest({ rigName: name }));
      if (r.status !== 200) throw new Error(`import failed: ${JSON.stringify(r.body)}`);
    }
    writeFileSync(join(tmp.dir, 'alertmanager.yml'), 'route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n');
    startEngine('alertmanager', 'prometheus-alertmanager', [
      `--config.file=${join(tmp.dir, 'alertmanager.yml')}`, `--storage.path=${join(tmp.dir, 'am')}`,
      '--web.listen-address=127.38.3.201:9093', '--cluster.listen-address=', '--log.level=warn',
    ]);
    const targets = [a, b].map((h) => new URL(h.server.url).host);
    writeFileSync(join(tmp.dir, 'prometheus.yml'), [
      'global:', '  scrape_interval: 1s', '  scrape_timeout: 900ms', '  evaluation_interval: 1s',
      'scrape_configs:', '  - job_name: rigmap', '    honor_labels: true', '    static_configs:', `      - targets: ${JSON.stringify(targets)}`, '',
    ].join('\n'));
    startEngine('prometheus', 'prometheus', [
      `--config.file=${join(tmp.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(tmp.dir, 'prom')}`,
      '--web.listen-address=127.38.3.200:9090', '--log.level=warn',
    ]);
    await Promise.all([ready(`${AM}/-/ready`, 'alertmanager'), ready(`${PROM}/-/ready`, 'prometheus')]);
    for (const h of [a, b]) {
      const r = await h.post('/api/notifiers', { name: 'fleet-am', kind: 'alertmanager', url: AM });
      if (r.status !== 201) throw new Error(`alertmanager notifier not added: ${JSON.stringify(r.body)}`);
    }
    for (const h of [a, b]) {
      for (const id of ['cam-01', 'cam-02']) {
        await eventually(`${id} up`, async () => (await h.get<{ state: string }>(`/api/devices/${id}/health`)).state === 'up', 30_000);
      }
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); r(null); }, 5000);
      c.once('exit', () => { clearTimeout(t); r(null); });
    }))));
    await Promise.all([a?.close(), b?.close()]);
    tmp?.cleanup();
  }, 30_000);

  it('Prometheus answers rigmap_device_up over both rigs', async () => {
    const rigs = await eventually('both rigs in Prometheus', async () => {
      const res = (await (await fetch(`${PROM}/api/v1/query?query=${encodeURIComponent('count by (rig) (rigmap_device_up == 1)')}`)).json()) as {
        data: { result: Array<{ metric: { rig: string }; value: [number, string] }> };
      };
      const byRig = Object.fromEntries(res.data.result.map((r) => [r.metric.rig, Number(r.value[1])]));
      return byRig.A === 2 && byRig.B === 2 ? byRig : null;
    }, 30_000, 250);
    expect(rigs).toEqual({ A: 2, B: 2 });
    const info = (await (await fetch(`${PROM}/api/v1/query?query=rigmap_rig_info`)).json()) as { data: { result: Array<{ metric: { rig: string } }> } };
    expect(info.data.result.map((r) => r.metric.rig).sort()).toEqual(['A', 'B']);
  });

  it('a camera lost in rig B arrives in Alertmanager labelled rig="B" within 5 s and resolves when it returns', async () => {
    const isLost = (x: AmAlert) => x.labels.alertname === 'RigmapDeviceLost' && x.labels.device === 'cam-01';
    expect((await amAlerts()).filter(isLost)).toEqual([]);
    const t0 = Date.now();
    b.sim.setFault('cam-01', { mode: 'down' });
    const lost = await eventually('the loss in Alertmanager', async () => (await amAlerts()).find((x) => isLost(x) && x.status.state === 'active'), 15_000, 50);
    const elapsed = Date.now() - t0;
    expect(lost.labels).toMatchObject({ rig: 'B', device: 'cam-01', role: 'camera', severity: 'critical' });
    expect(lost.generatorURL).toBe(`${b.server.url}/#graph?device=cam-01`);
    expect(lost.annotations.summary).toMatch(/lost/);
    // Only rig B lost a camera.
    expect((await amAlerts()).filter((x) => x.labels.rig === 'A')).toEqual([]);
    expect(elapsed, `arrived after ${elapsed} ms`).toBeLessThan(5000);

    b.sim.setFault('cam-01', { mode: 'ok' });
    await eventually('the loss resolved in Alertmanager', async () => {
      const still = (await amAlerts()).filter((x) => isLost(x) && x.status.state === 'active' && Date.parse(x.endsAt) > Date.now());
      return still.length === 0;
    }, 20_000, 100);
  });
});
