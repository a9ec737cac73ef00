/**
 * bin/rigmap.js runs the built server (dist/server/) only while it matches the
 * sources it was built from, and the code finds migrations/ and dist/web from
 * either place (the built files sit at another depth than src/).
 */
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshServerBuild } from '../../bin/server-build.js';
import { findPackageRoot, PACKAGE_ROOT } from '../../src/topology/package-root.ts';
import { MIGRATIONS_DIR } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { runRigmap } from '../helpers/cli.ts';

let tmp: ReturnType<typeof makeTempDir> | null = null;
afterEach(() => tmp?.cleanup());

/** A fake package: two sources, and a build of them made `builtAgoS` seconds after they were written. */
function fakePackage(): string {
  tmp = makeTempDir('rigmap-build-');
  const root = tmp.dir;
  mkdirSync(join(root, 'src/a'), { recursive: true });
  mkdirSync(join(root, 'dist/server'), { recursive: true });
  for (const f of ['src/a/one.ts', 'src/two.ts']) {
    writeFileSync(join(root, f), '');
    utimesSync(join(root, f), 1_000, 1_000);
  }
  writeFileSync(join(root, 'dist/server/inputs.json'), JSON.stringify({ inputs: ['src/a/one.ts', 'src/two.ts'] }));
  utimesSync(join(root, 'dist/server/inputs.json'), 2_000, 2_000);
  return root;
}

describe('the built server', () => {
  it('is used while every source it was built from is older than the build', () => {
    const root = fakePackage();
    expect(freshServerBuild(root)).toBe(join(root, 'dist/server/index.js'));
  });

  it('is stale once a source is edited, or gone, and missing without its manifest', () => {
    const root = fakePackage();
    utimesSync(join(root, 'src/two.ts'), 3_000, 3_000);
    expect(freshServerBuild(root)).toBeNull();
    utimesSync(join(root, 'src/two.ts'), 1_000, 1_000);
    rmSync(join(root, 'src/a/one.ts'));
    expect(freshServerBuild(root)).toBeNull();
    rmSync(join(root, 'dist/server/inputs.json'));
    expect(freshServerBuild(root)).toBeNull();
    writeFileSync(join(root, 'dist/server/inputs.json'), '{"inputs": []}');
    expect(freshServerBuild(root)).toBeNull();
  });

  it('finds the package folder from any depth below it, and says so when there is none', () => {
    expect(MIGRATIONS_DIR).toBe(join(PACKAGE_ROOT, 'migrations'));
    tmp = makeTempDir('rigmap-root-');
    mkdirSync(join(tmp.dir, 'migrations'));
    mkdirSync(join(tmp.dir, 'dist/server/x'), { recursive: true });
    writeFileSync(join(tmp.dir, 'package.json'), '{}');
    expect(findPackageRoot(join(tmp.dir, 'dist/server/x'))).toBe(tmp.dir);
    expect(() => findPackageRoot('/proc/self')).toThrow(/package folder/);
  });

  // Runs whichever the checkout has (the build when it is fresh, as after `npm ci`) against the sources.
  it('answers as the sources do', async () => {
    tmp = makeTempDir('rigmap-build-cli-');
    const db = join(tmp.dir, 'rigmap.db');
    const built = await runRigmap(['device', 'list', '--db', db, '--json']);
    const fromSource = await runRigmap(['device', 'list', '--db', db, '--json'], { RIGMAP_FROM_SOURCE: '1' });
    expect(built.code).toBe(0);
    expect(built.stderr).toBe('');
    expect(built).toEqual(fromSource);
  });
});
