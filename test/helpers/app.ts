/** Test wiring: each test gets its own real SQLite database (real migrations) and its own app. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import type { Ctx } from '../../src/topology/context.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb, type OpenDb } from '../../src/topology/store/db.ts';

export interface TestRig {
  store: OpenDb;
  bus: EventBus;
  ctx: Ctx;
  app: ReturnType<typeof buildApp>;
  dir: string;
  close(): void;
}

/** A fresh temp folder, removed by the returned cleanup. */
export function makeTempDir(prefix = 'rigmap-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A database file in a temp folder, migrated, with an app built on it. */
export function makeTestRig(): TestRig {
  const { dir, cleanup } = makeTempDir();
  const store = openDb(join(dir, 'rigmap.db'));
  const bus = new EventBus();
  // Probe scope and mDNS pinned to loopback: a test app never contacts anything else.
  const config = loadConfig({ db: store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1' }, {});
  const app = buildApp({ db: store.db, bus, config });
  return {
    store,
    bus,
    ctx: { db: store.db, bus, actor: 'test' },
    app,
    dir,
    close: () => {
      store.close();
      cleanup();
    },
  };
}

/** JSON request helper for `app.request`. */
export function jsonInit(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}
