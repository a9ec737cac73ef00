#!/usr/bin/env node
// The `rigmap` command. The sources are TypeScript, run through tsx's loader so
// there is no build step between `npm ci` and a working command.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/server/cli/index.ts');
await runCli(process.argv);
