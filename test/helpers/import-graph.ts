/**
 * The import graph of a source tree, read from the files themselves (static
 * `import … from`, `export … from` and `import('…')` of relative paths), and the
 * circles in it. Type-only imports (`import type`, `export type`) count only when
 * asked: they vanish at run time, but a circle of types still ties two modules together.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const IMPORT = /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return /\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [p] : [];
  });
}

/** file (relative to root) → the files it imports (relative to root); `types: true` counts type-only imports too. */
export function importGraph(root: string, { types = false }: { types?: boolean } = {}): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(root)) {
    const text = readFileSync(file, 'utf8');
    const deps = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      if (m[2] && !types) continue; // import type / export type
      const spec = m[3] ?? m[4];
      if (!spec) continue;
      // `import { type A, type B } from` is type-only too.
      const clause = m[0];
      if (!types && /\{\s*(type\s+\w+\s*(as\s+\w+\s*)?,?\s*)+\}\s*from/.test(clause) && !/import\s+\w/.test(clause.replace(/import\s+\{/, ''))) continue;
      deps.add(relative(root, resolve(dirname(file), spec.replace(/\.js$/, '.ts'))));
    }
    graph.set(relative(root, file), [...deps]);
  }
  return graph;
}

/** Every circle, each once, as the list of files around it (starting at its smallest name). */
export function importCircles(graph: Map<string, string[]>): string[][] {
  const circles = new Map<string, string[]>();
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (!graph.has(d)) continue;
      if (state.get(d) === 'open') {
        const loop = stack.slice(stack.indexOf(d));
        const at = loop.indexOf([...loop].sort()[0]!);
        const norm = [...loop.slice(at), ...loop.slice(0, at)];
        circles.set(norm.join(' → '), norm);
      } else if (!state.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
  return [...circles.values()];
}
