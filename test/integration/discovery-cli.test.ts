/**
 * `rigmap discover` and `rigmap discovered` as a crew member runs them, against
 * a simulated rig advertised on loopback (mDNS pinned to 127.0.0.1).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import type { Discovered } from '../../src/topology/discovery/types.ts';
import { makeTempDir } from '../helpers/app.ts';
import { runRigmap } from '../helpers/cli.ts';

const rigmap = (args: string[]) => runRigmap(args);

describe('rigmap discover', () => {
  let sim: SimRig;
  let tmp: ReturnType<typeof makeTempDir>;
  let db: string;
  beforeAll(async () => {
    sim = await startSimRig({ nodes: 3, lanCidr: '127.33.18.240/28', tailnetCidr: '127.133.18.240/28', port: 0, advertise: true, extras: false, idPrefix: 'dscc' });
    tmp = makeTempDir();
    db = join(tmp.dir, 'rigmap.db');
  });
  afterAll(async () => {
    await sim?.close();
    tmp?.cleanup();
  });

  it('scans a range with a progress bar on stderr, then accepts one node from the inbox', async () => {
    const port = String(sim.nodes[0]!.port);
    const scan = await rigmap(['discover', '--scan', '127.33.18.0/24', '--port', port, '--db', db, '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(scan.stderr).toMatch(/\[#+\] 254\/254 hosts, 3 found/);
    expect(scan.stderr).toMatch(/scanned 254 of 254 hosts of 127\.33\.18\.0\/24 in [\d.]+ s: 3 camera node/);
    const found = (JSON.parse(scan.stdout) as { discovered: Discovered[] }).discovered;
    expect(found.map((d) => d.nodeId).sort()).toEqual(sim.nodes.map((n) => n.id).sort());

    const list = await rigmap(['discovered', 'list', '--db', db]);
    expect(list.stdout).toContain('dscc-01');
    const first = found.find((d) => d.nodeId === 'dscc-01')!;
    const accept = await rigmap(['discovered', 'accept', String(first.id), '--role', 'camera', '--db', db]);
    expect(accept.code, accept.stderr).toBe(0);
    expect(accept.stdout).toContain(`added device dscc-01 (camera) at ${first.ip}`);
    const devices = await rigmap(['device', 'list', '--json', '--db', db]);
    expect(devices.stdout).toContain('dscc-01');
  });

  it('finds the advertised nodes by Bonjour and by their .local names', async () => {
    const names = sim.nodes.map((n) => `${n.id}.local`).join(',');
    const res = await rigmap(['discover', '--bonjour', '--hosts', names, '--port', String(sim.nodes[0]!.port), '--timeout', '3', '--db', db, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const found = (JSON.parse(res.stdout) as { discovered: Discovered[] }).discovered.filter((d) => d.nodeId?.startsWith('dscc-'));
    expect(found.map((d) => d.nodeId).sort()).toEqual(sim.nodes.map((n) => n.id).sort());
    // dscc-01 was accepted by the previous test: it is matched, not offered again.
    expect(found.find((d) => d.nodeId === 'dscc-01')).toMatchObject({ status: 'accepted', matchedDeviceId: 'dscc-01' });
  });

  it('refuses a range wider than /16 without --force', async () => {
    const res = await rigmap(['discover', '--scan', '127.0.0.0/8', '--db', db]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('wider than /16');
  });
});
