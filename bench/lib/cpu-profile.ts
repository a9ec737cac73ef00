/**
 * Summarise a V8 CPU profile (`node --cpu-prof`) over a window of its timeline:
 * self time by function and by source file, so docs/benchmarks.md can say where
 * the steady state's CPU goes.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One row of the summary: where, how many ms of self time, and its share. */
export interface ProfileRow {
  what: string;
  ms: number;
  share: number;
}

const shortUrl = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'npm:').replace(/^.*\/(src|bench)\//, '$1/') || '(native)';

/**
 * Self time per function and per file for samples between `fromEndMs` and
 * `toEndMs` before the profile's end (the bench knows how long before it stopped
 * the server its steady window began and ended).
 */
export function summariseProfile(path: string, fromEndMs: number, toEndMs: number, top = 12): { windowMs: number; byFunction: ProfileRow[]; byFile: ProfileRow[] } {
  const p = JSON.parse(readFileSync(path, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const lo = p.endTime - fromEndMs * 1000;
  const hi = p.endTime - toEndMs * 1000;
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    if (t < lo || t > hi) continue;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url);
    const name = `${functionName || '(anonymous)'} ${url ? `${where}:${lineNumber + 1}` : ''}`.trim();
    const ms = dt / 1000;
    total += ms;
    fn.set(name, (fn.get(name) ?? 0) + ms);
    const f = url ? where.replace(/:.*$/, '') : functionName.startsWith('(') ? functionName : '(native)';
    file.set(f, (file.get(f) ?? 0) + ms);
  }
  const rows = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([what, ms]) => ({ what, ms, share: total ? ms / total : 0 }));
  return { windowMs: (hi - lo) / 1000, byFunction: rows(fn), byFile: rows(file) };
}
