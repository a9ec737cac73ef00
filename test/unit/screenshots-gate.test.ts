/**
 * `npm test` must not rewrite the tracked docs/screenshots/*.png: the e2e
 * harness saves there only under `npm run screenshots` (RIGMAP_SCREENSHOTS=1).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';

const DOCS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const saved = process.env.RIGMAP_SCREENSHOTS;
afterEach(() => {
  if (saved === undefined) delete process.env.RIGMAP_SCREENSHOTS;
  else process.env.RIGMAP_SCREENSHOTS = saved;
  vi.resetModules();
});

async function screenshotDir(env: string | undefined): Promise<string> {
  if (env === undefined) delete process.env.RIGMAP_SCREENSHOTS;
  else process.env.RIGMAP_SCREENSHOTS = env;
  vi.resetModules();
  const { SCREENSHOT_DIR } = await import('../e2e/harness.ts');
  return fileURLToPath(SCREENSHOT_DIR);
}

describe('screenshot gate', () => {
  it('a plain test run saves screenshots outside the repository', async () => {
    const dir = await screenshotDir(undefined);
    expect(dir.startsWith(join(DOCS, '..', '..'))).toBe(false);
    expect(dir.endsWith('/')).toBe(true);
  });

  it('npm run screenshots saves into docs/screenshots', async () => {
    expect(await screenshotDir('1')).toBe(DOCS);
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.screenshots).toContain('RIGMAP_SCREENSHOTS=1');
    expect(pkg.scripts.test).not.toContain('RIGMAP_SCREENSHOTS');
  });
});
