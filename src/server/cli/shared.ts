/** What every CLI command shares: opening the store, printing tables and errors. */
import { userInfo } from 'node:os';
import { startAuditRecorder } from '../../topology/access/audit.ts';
import { loadConfig } from '../config.ts';
import type { Ctx } from '../../topology/context.ts';
import { RigmapError } from '../../topology/errors.ts';
import { EventBus } from '../../topology/events.ts';
import { openDb, type OpenDb } from '../../topology/store/db.ts';

/** The `--db` option every command that reads or writes the map takes: `.option(...dbOption)`. */
export const dbOption = ['--db <file>', 'SQLite database (env RIGMAP_DB, default ./data/rigmap.db)'] as const;

/** Options every command that touches the database accepts. */
export interface DbOptions {
  db?: string;
}

/** Who the CLI acts as: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown'; // no passwd entry in some containers
  }
}

/** Open the configured database, run `fn` with a domain context (actor `cli:<os user>`, audited), close it. */
export async function withStore<T>(opts: DbOptions, fn: (ctx: Ctx, store: OpenDb) => T | Promise<T>): Promise<T> {
  const config = loadConfig({ db: opts.db });
  const store = openDb(config.db);
  // Every change the CLI makes goes to the audit trail, from where a running server publishes it (access/audit-feed.ts).
  const bus = new EventBus();
  const stopAudit = startAuditRecorder({ db: store.db, bus });
  try {
    return await fn({ db: store.db, bus, actor: cliActor() }, store);
  } finally {
    stopAudit();
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

/**
 * Ask a running rigmap at `base` (`--server`): signed in with the API token in
 * RIGMAP_TOKEN when set, answering its JSON. An unreachable server, a 401/403,
 * an error answer or something that is not rigmap's JSON each become a
 * RigmapError a crew member can act on.
 */
export async function serverFetch<T>(base: string, path: string, init: RequestInit = {}): Promise<T> {
  const root = base.replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(`${root}${path}`);
  } catch {
    throw new RigmapError('validation_failed', `--server must be a URL like http://127.0.0.1:4747 (got "${base}")`);
  }
  const headers = new Headers(init.headers);
  const token = process.env.RIGMAP_TOKEN?.trim();
  if (token) headers.set('authorization', `Bearer ${token}`);
  let res: Response;
  try {
    res = await fetch(url, { ...init, headers });
  } catch (err) {
    const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    throw new RigmapError('upstream_failed', `cannot reach rigmap at ${root}: ${cause}`);
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const reason = (body as { error?: { message?: string } } | undefined)?.error?.message;
  if (res.status === 401) {
    throw new RigmapError('unauthorized', `rigmap at ${root} refused: ${reason ?? 'sign-in required'}. Sign in: set RIGMAP_TOKEN to a token from \`rigmap token create\``);
  }
  if (res.status === 403) throw new RigmapError('forbidden', `rigmap at ${root} refused: ${reason ?? 'not allowed'}`);
  if (body === undefined) {
    throw new RigmapError('upstream_failed', `${root} answered HTTP ${res.status} with ${res.headers.get('content-type') ?? 'no content type'}, not rigmap's JSON: is --server the address of a rigmap server?`);
  }
  if (!res.ok) throw new RigmapError('upstream_failed', `rigmap at ${root} answered ${res.status}: ${reason ?? 'no reason given'}`);
  return body as T;
}

/** Write a line to stdout. */
export const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};
