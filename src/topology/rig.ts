/** The rig's own settings, kept in the `meta` table. */
import { eq } from 'drizzle-orm';
import type { DbLike } from './store/db.ts';
import { meta } from './store/schema.ts';

export const DEFAULT_RIG_NAME = 'Untitled rig';

/** Read one meta value. */
export function readMeta(db: DbLike, key: string): string | undefined {
  return db.select().from(meta).where(eq(meta.key, key)).get()?.value;
}

/** Write one meta value. */
export function writeMeta(db: DbLike, key: string, value: string): void {
  db.insert(meta).values({ key, value }).onConflictDoUpdate({ target: meta.key, set: { value } }).run();
}

/** The rig's name as shown in the dashboard and the exports. */
export function getRigName(db: DbLike): string {
  return readMeta(db, 'rig.name') ?? DEFAULT_RIG_NAME;
}
