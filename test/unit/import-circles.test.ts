/**
 * No import circles in src/ (what `npx madge --circular --extensions ts src`
 * would report), counting type-only imports too: a circle ties two modules so
 * neither can be read, tested or moved alone. The checker is tested on a small
 * tree of its own first, so a broken checker cannot pass by finding nothing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { importCircles, importGraph } from '../helpers/import-graph.ts';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('import circles', () => {
  it('the checker finds a circle, a type-only circle when asked, and nothing in a tree without one', () => {
    const tmp = makeTempDir('rigmap-circles-');
    cleanup = tmp.cleanup;
    mkdirSync(join(tmp.dir, 'sub'));
    writeFileSync(join(tmp.dir, 'a.ts'), "import { b } from './sub/b.ts';\nexport const a = () => b;\n");
    writeFileSync(join(tmp.dir, 'sub', 'b.ts'), "import {\n  a,\n} from '../a.ts';\nexport const b = 1;\nexport const c = () => a;\n");
    writeFileSync(join(tmp.dir, 'c.ts'), "import type { D } from './d.ts';\nexport type C = { d: D };\n");
    writeFileSync(join(tmp.dir, 'd.ts'), "import { type C } from './c.ts';\nexport type D = { c?: C };\n");
    writeFileSync(join(tmp.dir, 'e.ts'), "export * from './a.ts';\nconst later = () => import('./c.ts');\nexport { later };\n");
    expect(importCircles(importGraph(tmp.dir))).toEqual([['a.ts', 'sub/b.ts']]);
    expect(importCircles(importGraph(tmp.dir, { types: true })).map((c) => c.join(' → ')).sort()).toEqual(['a.ts → sub/b.ts', 'c.ts → d.ts']);
    expect(importGraph(tmp.dir).get('e.ts')!.sort()).toEqual(['a.ts', 'c.ts']);
  });

  it('src/ has none, at run time or in its types', () => {
    const src = new URL('../../src', import.meta.url).pathname;
    const graph = importGraph(src, { types: true });
    expect(graph.size).toBeGreaterThan(200);
    expect(importCircles(graph).map((c) => c.join(' → '))).toEqual([]);
  });
});
