import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_OPTIONS } from '../../src/server/config.ts';
import { buildCli } from '../../src/server/cli/index.ts';
import { makeTestRig } from '../helpers/app.ts';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const readme = read('README.md');
// The README is the guide; the reference tables live in docs/ and the README links them.
const configuration = read('docs/configuration.md');
const cli = read('docs/cli.md');
const api = read('docs/api.md');

describe('the docs document what rigmap has', () => {
  it('the README links the reference pages', () => {
    for (const page of ['docs/configuration.md', 'docs/cli.md', 'docs/api.md']) expect(readme, page).toContain(`](${page})`);
  });

  it('lists every setting with its flag and environment variable', () => {
    const missing = CONFIG_OPTIONS.filter((o) => !configuration.includes(`\`${o.env}\``) || !configuration.includes(`\`${o.flag}`)).map((o) => `${o.flag} / ${o.env}`);
    expect(missing).toEqual([]);
  });

  it('names every CLI command', () => {
    const missing = buildCli().commands.map((c) => c.name()).filter((name) => name !== 'help' && !cli.includes(`rigmap ${name}`));
    expect(missing).toEqual([]);
  });

  it('the API reference names every route the server answers', () => {
    const t = makeTestRig();
    try {
      const routes = [...new Set(t.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`))];
      expect(routes.length).toBeGreaterThan(40);
      // A route's path as the reference writes it: `:param` under any name (`:id`, `:name-or-id`), a trailing `/*` as written or left off.
      const documented = (path: string) => new RegExp(path.replace(/[.?+^$()[\]{}|\\]/g, '\\$&').replace(/:[A-Za-z]+/g, ':[A-Za-z-]+').replace(/\/\*$/, '(/\\*)?')).test(api);
      expect(routes.filter((r) => !documented(r.split(' ')[1]!))).toEqual([]);
    } finally {
      t.close();
    }
  });
});
