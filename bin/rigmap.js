#!/usr/bin/env node
// The `rigmap` command. It runs the built server in dist/server/ (written by
// `npm run build`, which `npm ci` runs) while that build matches the sources, and
// otherwise the TypeScript sources through tsx's loader, so an edit takes effect
// without a build step. RIGMAP_FROM_SOURCE=1 always runs the sources.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshServerBuild } from './server-build.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = process.env.RIGMAP_FROM_SOURCE === '1' ? null : freshServerBuild(root);
let runCli;
if (built) {
  ({ runCli } = await import(pathToFileURL(built).href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ runCli } = await import('../src/server/cli/index.ts'));
}
await runCli(process.argv);
