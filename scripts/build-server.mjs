#!/usr/bin/env node
// The server and CLI (src/server/cli/index.ts and everything it imports from src/)
// as plain JavaScript in dist/server/, so `rigmap` starts without compiling
// TypeScript on the fly: faster start-up and less memory, as tsx's loader thread and
// its transformed sources are gone (figures in docs/benchmarks.md). npm packages stay imports
// (node_modules is not bundled). Chunks are split at the CLI's lazy imports, so a
// command still loads only what it runs. bin/rigmap.js uses this build only while
// it is newer than every source file it was built from (dist/server/inputs.json);
// otherwise, and with RIGMAP_FROM_SOURCE=1, it runs the sources through tsx.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = join(root, 'dist/server');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const result = await build({
  absWorkingDir: root,
  entryPoints: { index: 'src/server/cli/index.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).filter((p) => !p.includes('node_modules/')).sort();
// Written last: a build cut short leaves no inputs.json, and bin/rigmap.js then runs the sources.
writeFileSync(join(outdir, 'inputs.json'), `${JSON.stringify({ inputs }, null, 1)}\n`);
console.log(`server build: ${inputs.length} source files → dist/server/`);
