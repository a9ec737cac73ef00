/**
 * Test files run in parallel: two of them on the same loopback /24 can collide
 * (a scan finds the other's node, a health test sees the other's outage). Each
 * /24 of 127.0.0.0/8 named in a test file (a literal like `127.33.4.0/24`,
 * `127.33.4.7` or a wider `127.133.0.0/16`) belongs to that one file. Exempt:
 * 127.0.0.x (servers on port 0) and ranges wider than /16 (probe scopes such as
 * 127.0.0.0/8). A simulated rig started without a range names the
 * simulator's defaults (127.0.1.0/24, 127.100.0.0/16); the e2e harness refuses
 * to start one, so e2e files can run side by side. New files take their /24s from their engineer's block in the brief
 * (bounds: 127.33.F.0/24 and 127.133.F.0/24, one F per file).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const TEST_DIR = join(import.meta.dirname, '..');
const LITERAL = /(?<![\d.])127\\?\.(\d{1,3})\\?\.(\d{1,3})\\?\.(\d{1,3}|x|\\d)(?:\\?\/(\d{1,2}))?(?![\d])/g;

/** Every .ts file under test/, recursively. */
function testFiles(dir = TEST_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** The /24s (numbered a*256+b of 127.a.b.0/24) a text names, as [first, last] ranges. */
export function loopbackBlocks(text: string): [number, number][] {
  const out: [number, number][] = [];
  for (const m of text.matchAll(LITERAL)) {
    const [a, b] = [Number(m[1]), Number(m[2])];
    const prefix = m[4] === undefined ? 32 : Number(m[4]);
    if (a > 255 || b > 255 || prefix < 16 || (a === 0 && b === 0)) continue;
    const first = a * 256 + b;
    const span = prefix >= 24 ? 1 : 2 ** (24 - prefix);
    const lo = first - (first % span);
    out.push([lo, lo + span - 1]);
  }
  return out;
}

/** startSimRig without a lanCidr takes the simulator's defaults: they count as named by that file. */
const SIM_DEFAULTS = '127.0.1.0/24 127.100.0.0/16';
const withSimDefaults = (text: string) =>
  [...text.matchAll(/startSimRig\(\{[^}]*\}\)/g)].some((m) => !m[0].includes('lanCidr')) ? `${text}\n${SIM_DEFAULTS}` : text;

const name = (n: number) => `127.${n >> 8}.${n & 255}.0/24`;

/** Every /24 named by more than one file, with the files. */
export function findCollisions(files: { file: string; text: string }[]): string[] {
  const blocks = files.map((f) => ({ file: f.file, ranges: loopbackBlocks(f.text) }));
  const problems: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    for (let j = i + 1; j < blocks.length; j++) {
      const shared = new Set<string>();
      for (const [alo, ahi] of blocks[i]!.ranges) {
        for (const [blo, bhi] of blocks[j]!.ranges) {
          const lo = Math.max(alo, blo);
          const hi = Math.min(ahi, bhi);
          if (lo <= hi) shared.add(lo === hi ? name(lo) : `${name(lo)} … ${name(hi)}`);
        }
      }
      if (shared.size) problems.push(`${blocks[i]!.file} and ${blocks[j]!.file} both use ${[...shared].join(', ')}`);
    }
  }
  return problems;
}

describe('loopback ranges of test files', () => {
  it('no /24 (other than 127.0.0.x) is named in two test files', () => {
    // This file's own literals are examples for the guard, not addresses in use.
    const files = testFiles()
      .filter((path) => path !== import.meta.filename)
      .map((path) => ({ file: relative(TEST_DIR, path), text: withSimDefaults(readFileSync(path, 'utf8')) }));
    expect(files.length).toBeGreaterThan(20);
    expect(findCollisions(files)).toEqual([]);
  });

  it('the guard sees literals, /16s, sub-/24s and skips 127.0.0.x and probe scopes', () => {
    expect(loopbackBlocks("'127.0.0.1' '127.0.0.0/8' '127.33.4.7' '127.133.0.0/16' '127.0.1.64/26'")).toEqual([
      [33 * 256 + 4, 33 * 256 + 4],
      [133 * 256, 133 * 256 + 255],
      [1, 1],
    ]);
    expect(findCollisions([{ file: 'a', text: '127.33.4.1' }, { file: 'b', text: '127.33.4.0/24' }])).toEqual(['a and b both use 127.33.4.0/24']);
    expect(findCollisions([{ file: 'a', text: '127.33.4.1' }, { file: 'b', text: '127.33.5.0/24' }, { file: 'c', text: '127.0.0.1 127.0.0.0/8' }])).toEqual([]);
    // Also inside regular expressions: /127\.33\.4\.\d+/ and /127\.33\.4\.0\/24/.
    expect(loopbackBlocks(String.raw`/127\.33\.4\.\d+:/ /127\.33\.5\.0\/24/`)).toEqual([[33 * 256 + 4, 33 * 256 + 4], [33 * 256 + 5, 33 * 256 + 5]]);
    // A simulated rig on the simulator's default ranges names them.
    expect(loopbackBlocks(withSimDefaults("startSimRig({ nodes: 2, port: 0 })"))).toEqual([[1, 1], [100 * 256, 100 * 256 + 255]]);
    expect(loopbackBlocks(withSimDefaults("startSimRig({ nodes: 2, lanCidr: '127.33.9.0/24' })"))).toEqual([[33 * 256 + 9, 33 * 256 + 9]]);
    expect(findCollisions([{ file: 'a', text: '127.133.7.0/24' }, { file: 'b', text: '127.133.0.0/16' }])).toEqual(['a and b both use 127.133.7.0/24']);
  });
});
