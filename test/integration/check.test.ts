import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { createLogger, type RunningServer, startServer } from '../../src/server/main.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { EventBus } from '../../src/topology/events.ts';
import { importInventory } from '../../src/topology/inventory.ts';
import type { RollCallReport } from '../../src/topology/rollcall.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { LOOPBACK_ENV, RIGMAP_BIN, runRigmap } from '../helpers/cli.ts';

const env = { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' };
const check = (args: string[]) => runRigmap(['check', ...args]);

describe('rigmap check: the roll call against a simulated rig', () => {
  let rig: SimRig;
  let tmp: ReturnType<typeof makeTempDir>;
  let db: string;
  beforeEach(async () => {
    tmp = makeTempDir();
    db = join(tmp.dir, 'rigmap.db');
    rig = await startSimRig({ nodes: 3, port: 0, lanCidr: '127.0.3.0/24', tailnetCidr: '127.103.0.0/16', heartbeatMs: 200 });
    const store = openDb(db);
    importInventory({ ctx: { db: store.db, bus: new EventBus() }, input: rig.manifest() });
    store.close();
  });
  afterEach(async () => {
    await rig.close();
    tmp.cleanup();
  });

  it('passes when every node is up, then fails naming the node and the path after a fault', async () => {
    const green = await check(['--db', db]);
    expect(green.code).toBe(0);
    expect(green.stdout).toContain('roll call passed: all 6 expected device(s) ready');
    expect(green.stdout).toMatch(/✔ cam-02\s+camera\s+✔ lan.*✔ tailscale/);

    await rig.applyFault('cam-02', { mode: 'lan-down' });
    const red = await check(['--db', db]);
    expect(red.code).toBe(1);
    expect(red.stdout).toMatch(/✖ cam-02\s+camera\s+✖ lan.*✔ tailscale/);
    expect(red.stdout).toMatch(/LAN path 127\.0\.3\.\d+:camera-node down: connect ECONNREFUSED/);
    expect(red.stdout).toContain('roll call FAILED: 1 of 6 expected device(s) not ready (cam-02)');

    const json = await check(['--db', db, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as RollCallReport;
    const cam2 = report.devices.find((d) => d.id === 'cam-02');
    expect(cam2?.ok).toBe(false);
    expect(cam2?.paths.map((p) => [p.network, p.ok])).toEqual([['lan', false], ['tailscale', true]]);
  });

  it('--wait re-checks until the rig is green, with a progress line', async () => {
    await rig.applyFault('cam-01', { mode: 'down' });
    // Heal the node only once the CLI says it is waiting for it: no race with its start-up time.
    const child = spawn(process.execPath, [RIGMAP_BIN, 'check', '--db', db, '--wait', '30'], { env: { ...process.env, ...LOOPBACK_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let healed = false;
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (!healed && /waiting for cam-01/.test(stderr)) {
        healed = true;
        void rig.applyFault('cam-01', { mode: 'ok' });
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toMatch(/roll call: 5\/6 ready; waiting for cam-01/);
    expect(code).toBe(0);
    expect(stdout).toContain('roll call passed');
  });

  it('is served as GET /api/check by a running server', async () => {
    const config = loadConfig({ host: '127.0.0.1', port: 0, db, logLevel: 'silent', bonjour: false, probeIntervalMs: 500 }, env);
    const server: RunningServer = await startServer(config, { logger: createLogger({ logLevel: 'silent' }) });
    try {
      await rig.applyFault('cam-03', { mode: 'tailscale-down' });
      // Right after start paths may still be unknown, and the fault takes a moment to be seen: poll (bounded) until it settles.
      let report: RollCallReport | undefined;
      for (let i = 0; i < 100; i++) {
        report = (await (await fetch(`${server.url}/api/check`)).json()) as RollCallReport;
        const cam3 = report.devices.find((d) => d.id === 'cam-03');
        const settled = cam3?.paths.some((p) => p.network === 'tailscale' && !p.ok) && cam3.paths.some((p) => p.network === 'lan' && p.ok);
        if (settled && report.devices.filter((d) => d.id !== 'cam-03').every((d) => d.ok)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(report?.ok).toBe(false);
      expect(report?.summary).toMatchObject({ expected: 6, passed: 5, failed: 1 });
      const cam3 = report?.devices.find((d) => d.id === 'cam-03');
      expect(cam3?.problems[0]).toMatch(/^Tailscale path 127\.103\.\d+\.\d+:camera-node (down|did not answer)/);
      // The CLI can ask the server instead of probing itself.
      const viaServer = await check(['--server', server.url]);
      expect(viaServer.code).toBe(1);
      expect(viaServer.stdout).toContain('(cam-03)');
    } finally {
      await server.close();
    }
  });

  it('--server signs in with RIGMAP_TOKEN, and says what to do when refused or not talking to rigmap', async () => {
    const store = openDb(db);
    const { secret } = createToken({ ctx: { db: store.db, bus: new EventBus(), actor: 'test' }, input: { name: 'check', role: 'viewer' } });
    store.close();
    const config = loadConfig({ host: '127.0.0.1', port: 0, db, auth: 'on', logLevel: 'silent', bonjour: false, probeIntervalMs: 500 }, env);
    const server: RunningServer = await startServer(config, { logger: createLogger({ logLevel: 'silent' }) });
    // Something that is not rigmap: an HTML page at the address.
    const page = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>router login</html>'));
    await new Promise<void>((ok) => page.listen(0, '127.0.0.1', () => ok()));
    try {
      const signedIn = await runRigmap(['check', '--server', server.url, '--json'], { RIGMAP_TOKEN: secret });
      expect(signedIn.stderr).toBe('');
      expect(JSON.parse(signedIn.stdout).summary.expected).toBe(6);
      const anonymous = await runRigmap(['check', '--server', server.url], { RIGMAP_TOKEN: '' });
      expect(anonymous.code).toBe(1);
      expect(anonymous.stderr).toMatch(/set RIGMAP_TOKEN to a token from `rigmap token create`/);
      const notRigmap = await runRigmap(['check', '--server', `http://127.0.0.1:${(page.address() as AddressInfo).port}`]);
      expect(notRigmap.code).toBe(1);
      expect(notRigmap.stderr).toMatch(/not rigmap's JSON: is --server the address of a rigmap server\?/);
    } finally {
      page.close();
      await server.close();
    }
  });
});
