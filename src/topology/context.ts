import type { EventBus } from './events.ts';
import type { Db } from './store/db.ts';

/** What every domain verb needs: the database, the bus, and who is acting. */
export interface Ctx {
  db: Db;
  bus: EventBus;
  /** Who made the change (a user login, "cli", "import"), recorded with events. */
  actor?: string;
}
