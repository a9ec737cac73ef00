import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS } from '../../src/server/config.ts';
import { buildCli } from '../../src/server/cli/index.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('the README documents what rigmap has', () => {
  it('lists every setting with its flag and environment variable', () => {
    const missing = CONFIG_OPTIONS.filter((o) => !readme.includes(`\`${o.env}\``) || !readme.includes(`\`${o.flag}`)).map((o) => `${o.flag} / ${o.env}`);
    expect(missing).toEqual([]);
  });

  it('names every CLI command', () => {
    const missing = buildCli().commands.map((c) => c.name()).filter((name) => name !== 'help' && !readme.includes(`rigmap ${name}`));
    expect(missing).toEqual([]);
  });
});
