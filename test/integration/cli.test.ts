import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { runRigmap } from '../helpers/cli.ts';

const sample = fileURLToPath(new URL('../fixtures/inventory/design-sample.json', import.meta.url));
const rigmap = runRigmap;

describe('the rigmap command line', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let db: string;
  beforeEach(() => {
    tmp = makeTempDir();
    db = join(tmp.dir, 'rigmap.db');
  });
  afterEach(() => tmp.cleanup());

  it('lists every command in --help', async () => {
    const { code, stdout } = await rigmap(['--help']);
    expect(code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'device', 'link', 'import', 'export']) expect(stdout).toContain(cmd);
  });

  it('adds, lists, shows and removes devices', async () => {
    const add = await rigmap(['device', 'add', 'cam-a', '--db', db, '--name', 'Cam A', '--role', 'camera', '--lan', '192.168.1.21', '--tailscale', '100.101.1.2', '--service', 'camera-node:http:8080/api/v1', '--tag', 'stage-left']);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain('added cam-a');
    const list = await rigmap(['device', 'list', '--db', db]);
    expect(list.stdout).toMatch(/cam-a\s+Cam A\s+camera\s+192\.168\.1\.21\s+100\.101\.1\.2\s+camera-node:8080\s+stage-left/);
    const show = await rigmap(['device', 'show', 'cam-a', '--json'], { RIGMAP_DB: db });
    expect(JSON.parse(show.stdout)).toMatchObject({ id: 'cam-a', services: [{ path: '/api/v1' }] });
    expect((await rigmap(['device', 'remove', 'cam-a', '--db', db])).stdout).toContain('removed cam-a');
    expect((await rigmap(['device', 'list', '--db', db])).stdout).toContain('no devices yet');
  });

  it('prints a clear error and exits 1 on bad input, writing nothing', async () => {
    const bad = await rigmap(['device', 'add', 'cam-a', '--db', db, '--lan', '192.168.1.300']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('addresses[0].ip: is not a valid IPv4 or IPv6 address (got "192.168.1.300")');
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/); // no stack trace
    expect((await rigmap(['device', 'list', '--db', db, '--json'])).stdout.trim()).toBe('[]');
    const missing = await rigmap(['import', join(tmp.dir, 'nope.json'), '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
  });

  it('imports JSON and CSV, is idempotent, and exports both formats', async () => {
    const first = await rigmap(['import', sample, '--db', db]);
    expect(first.stdout).toContain('2 device(s) added');
    const again = await rigmap(['import', sample, '--db', db]);
    expect(again.stdout).toContain('0 device(s) added, 0 changed, 2 unchanged');
    const out = join(tmp.dir, 'out.json');
    await rigmap(['export', '--format', 'json', '-o', out, '--db', db]);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(readFileSync(sample, 'utf8')));

    const csvFile = join(tmp.dir, 'extra.csv');
    writeFileSync(csvFile, 'id,role,lan_ip,links\ncam-b,camera,192.168.1.22,hotspot:wifi\n');
    expect((await rigmap(['import', csvFile, '--db', db])).stdout).toContain('1 device(s) added');
    const csv = await rigmap(['export', '--format', 'csv', '--db', db]);
    expect(csv.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('creates and migrates a database with `rigmap migrate`', async () => {
    const res = await rigmap(['migrate', '--db', join(tmp.dir, 'sub', 'x.db')]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('up to date');
  });
});
