// @vitest-environment happy-dom
/**
 * The Mermaid diagram parses with mermaid's own parser (`mermaid.parse`, which
 * needs a DOM: happy-dom gives it one), for the sample rig and for a rig whose
 * names and ids try to break the syntax.
 */
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { escapeMermaidText, mermaidDeviceId, renderMermaid } from '../../src/topology/export/mermaid.ts';
import { hostileHealth, hostileTopology } from '../fixtures/export/hostile.ts';
import { readGolden } from '../fixtures/export/sample.ts';

/** The diagram inside the Markdown document's ```mermaid fence. */
function fencedDiagram(markdown: string): string {
  const m = /```mermaid\n([\s\S]*?)```/.exec(markdown);
  if (!m) throw new Error('no mermaid block in the document');
  return m[1]!;
}

describe('mermaid export', () => {
  it.each(['sample.mmd', 'sample.no-state.mmd'])('golden %s parses as a flowchart', async (file) => {
    await expect(mermaid.parse(readGolden(file))).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it.each(['sample.md', 'sample.no-state.md'])('the diagram in %s is the mermaid export and parses', async (file) => {
    const diagram = fencedDiagram(readGolden(file));
    expect(diagram).toBe(readGolden(file.replace(/\.md$/, '.mmd')));
    await expect(mermaid.parse(diagram)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
  });

  it('parses for a rig whose names and ids try to break it', async () => {
    const topology = hostileTopology();
    for (const text of [renderMermaid(topology, { health: hostileHealth }), renderMermaid(topology, { includeState: false })]) {
      await expect(mermaid.parse(text)).resolves.toMatchObject({ diagramType: 'flowchart-v2' });
      // Each device is exactly one node statement: no name leaked into the syntax as extra lines.
      expect(text.split('\n').filter((l) => /^ {2}d_\w+\[/.test(l))).toHaveLength(topology.devices.length);
    }
  });

  it('the parser does reject a broken diagram (the check can fail)', async () => {
    const broken = readGolden('sample.mmd').replace('d_cam_a["Cam A', 'd_cam_a["Cam "A');
    await expect(mermaid.parse(broken)).rejects.toThrow();
  });

  it('derives safe node ids and entity-escapes label text', () => {
    expect(mermaidDeviceId('end')).toBe('d_end');
    expect(mermaidDeviceId('a-b-c')).toBe('d_a_b_c');
    expect(escapeMermaidText('say "hi" <b> #1 & `x`\nnext')).toBe('say #34;hi#34; #60;b#62; #35;1 #38; #96;x#96; next');
  });
});
