/**
 * Opening the SQLite database: WAL mode, foreign keys on, migrations applied.
 * Nothing is opened on import; callers own the handle and close it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { RigmapError } from '../errors.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import * as schema from './schema.ts';

/** The drizzle handle every verb takes. */
export type Db = BetterSQLite3Database<typeof schema>;
/** A transaction handle; row helpers take either. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbLike = Db | Tx;

export interface OpenDb {
  db: Db;
  sqlite: Database.Database;
  path: string;
  close(): void;
}

/** migrations/ at the project root, wherever the process was started from. */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations');

/**
 * Open (creating if needed) the database at `path` (or `:memory:`), and apply
 * any pending migration. Safe to call on every start.
 */
export function openDb(path: string, opts: { migrate?: boolean } = {}): OpenDb {
  if (path !== ':memory:') {
    try {
      mkdirSync(dirname(resolve(path)), { recursive: true });
    } catch (err) {
      throw new RigmapError('internal', `cannot create the folder for the database ${path}: ${(err as Error).message}`);
    }
  }
  let sqlite: Database.Database;
  try {
    sqlite = new Database(path);
  } catch (err) {
    throw new RigmapError('internal', `cannot open the database ${path}: ${(err as Error).message}`);
  }
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // WAL + NORMAL survives a process crash (kill -9) without losing committed data.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  if (opts.migrate !== false) migrateDb(db);
  return { db, sqlite, path, close: () => sqlite.close() };
}

/** Apply every migration in migrations/ that this database has not seen. */
export function migrateDb(db: Db): void {
  migrate(db, { migrationsFolder: MIGRATIONS_DIR });
}
