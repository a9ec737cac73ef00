/**
 * The rigmap package's own folder (package.json, migrations/, dist/), found by
 * walking up from this module. A fixed `../../..` would be right for the
 * TypeScript sources only: the built server (dist/server/, see
 * scripts/build-server.mjs) runs the same code from another depth.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The nearest folder at or above `from` that holds both package.json and migrations/. */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'migrations'))) return dir;
    if (dirname(dir) === dir) throw new Error(`rigmap's package folder (package.json beside migrations/) was not found above ${from}`);
  }
}

/** rigmap's package folder, wherever the process was started from. */
export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
