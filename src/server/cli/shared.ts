/** What every CLI command shares: opening the store, printing tables and errors. */
import { loadConfig } from '../config.ts';
import type { Ctx } from '../../topology/context.ts';
import { RigmapError } from '../../topology/errors.ts';
import { EventBus } from '../../topology/events.ts';
import { openDb, type OpenDb } from '../../topology/store/db.ts';

/** Options every command that touches the database accepts. */
export interface DbOptions {
  db?: string;
}

/** Open the configured database, run `fn` with a domain context, close it. */
export async function withStore<T>(opts: DbOptions, fn: (ctx: Ctx, store: OpenDb) => T | Promise<T>): Promise<T> {
  const config = loadConfig({ db: opts.db });
  const store = openDb(config.db);
  try {
    return await fn({ db: store.db, bus: new EventBus(), actor: 'cli' }, store);
  } finally {
    store.close();
  }
}

/** Render rows as an aligned plain-text table. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** Print a RigmapError the way a crew member reads it, with each field problem on its own line. */
export function describeError(err: unknown): string {
  if (err instanceof RigmapError) {
    const problems = (err.details as { problems?: Array<{ field: string; message: string; value?: unknown }> } | undefined)?.problems ?? [];
    const lines = [`rigmap: ${err.message} [${err.code}]`];
    if (problems.length > 1) {
      for (const p of problems) lines.push(`  - ${p.field}: ${p.message}${p.value !== undefined ? ` (got ${JSON.stringify(p.value)})` : ''}`);
    }
    return lines.join('\n');
  }
  if (err instanceof Error) return `rigmap: ${err.message}`;
  return `rigmap: ${String(err)}`;
}

/** Write a line to stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
