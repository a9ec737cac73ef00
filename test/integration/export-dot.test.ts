/**
 * Graphviz accepts the DOT export: `dot -Tsvg` (Debian graphviz) renders the
 * golden files and a rig whose names try to break the syntax, with one SVG node
 * per device and network. Skipped only where graphviz is not installed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteDot, renderDot } from '../../src/topology/export/dot.ts';
import { hostileHealth, hostileTopology } from '../fixtures/export/hostile.ts';
import { readGolden } from '../fixtures/export/sample.ts';

const hasDot = spawnSync('dot', ['-V'], { stdio: 'ignore' }).status === 0;

/** Run `dot -Tsvg` on `input`; resolve with its exit code, stdout and stderr. */
function runDot(input: string): Promise<{ code: number | null; svg: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('dot', ['-Tsvg'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let svg = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (svg += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, svg, stderr }));
    child.stdin.end(input);
  });
}

const countNodes = (svg: string) => (svg.match(/<g id="node\d+" class="node">/g) ?? []).length;

describe('dot export', () => {
  it.skipIf(!hasDot).each(['sample.dot', 'sample.no-state.dot'])('dot -Tsvg accepts golden %s', async (file) => {
    const { code, svg, stderr } = await runDot(readGolden(file));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(svg).toContain('<svg');
    expect(countNodes(svg)).toBe(6 + 2);
    expect(svg).toContain('Cam B &quot;wide&quot; | 35mm &lt;L&gt; #2 *spare* [x]');
  });

  it.skipIf(!hasDot)('dot -Tsvg accepts a rig whose names and ids try to break it', async () => {
    const topology = hostileTopology();
    for (const text of [renderDot(topology, { health: hostileHealth }), renderDot(topology, { includeState: false })]) {
      const { code, svg, stderr } = await runDot(text);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      expect(countNodes(svg)).toBe(topology.devices.length + 2);
      expect(svg).toContain('back\\slash \\n and &quot;quote\\&quot; end\\');
    }
  });

  it.skipIf(!hasDot)('dot does reject a broken graph (the check can fail)', async () => {
    const { code, stderr } = await runDot(readGolden('sample.dot').replace('"cam-a" [label="Cam A', '"cam-a" [label="Cam "A'));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/syntax error/);
  });

  it('quotes DOT strings: backslashes, quotes and line breaks', () => {
    expect(quoteDot('a\\b "c"\nd')).toBe('"a\\\\b \\"c\\"\\nd"');
  });
});
