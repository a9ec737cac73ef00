import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// `npm ci` refuses a lock that lacks any optional dependency, even one for another
// platform; some registry mirrors 404 those, and npm then silently drops them.
describe('package-lock.json', () => {
  it('lists every optional platform package, so `npm ci` accepts it (else: node scripts/complete-lock.mjs)', () => {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [path, pkg] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(pkg.optionalDependencies ?? {})) {
        if (!lock.packages[`${path ? `${path}/` : ''}node_modules/${dep}`] && !lock.packages[`node_modules/${dep}`]) missing.push(`${dep} (wanted by ${path || 'rigmap'})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
