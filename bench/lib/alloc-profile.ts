/**
 * Summarise a V8 sampling heap profile taken with collected objects included
 * (bench/lib/server-probe.mjs, HEALTH_BENCH_ALLOC_PROF=1): bytes allocated per
 * second by function, self and inclusive of rigmap's own callers, so
 * docs/benchmarks.md can say what allocates at steady state.
 */
import { readFileSync } from 'node:fs';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

const where = (cf: HeapNode['callFrame']) =>
  `${cf.functionName || '(anonymous)'} ${cf.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'npm:').replace(/^.*\/(src|bench)\//, '$1/') || '(native)'}`;

export function summariseAllocations(path: string, seconds: number, top = 12): { mbPerS: number; self: Array<[string, number]>; inclusive: Array<[string, number]> } {
  const head = (JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode }).head;
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  let total = 0;
  const walk = (n: HeapNode, callers: Set<string>) => {
    const k = where(n.callFrame);
    total += n.selfSize;
    self.set(k, (self.get(k) ?? 0) + n.selfSize);
    const chain = new Set(callers).add(k);
    for (const c of chain) if (c.includes(' src/')) incl.set(c, (incl.get(c) ?? 0) + n.selfSize);
    for (const c of n.children) walk(c, chain);
  };
  walk(head, new Set());
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => [k, v / 1e6 / seconds] as [string, number]);
  return { mbPerS: total / 1e6 / seconds, self: rows(self), inclusive: rows(incl) };
}
