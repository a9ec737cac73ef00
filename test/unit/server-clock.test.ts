/**
 * The app's clock (AppDeps.clock, from server/main.ts) is what its routes read:
 * /healthz counts uptime on it from when the app was built, so a FakeClock moved
 * an hour on shows an hour, whatever the wall clock did.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig } from '../../src/server/config.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb, type OpenDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { FakeClock } from '../helpers/fake-clock.ts';

let close: (() => void) | undefined;
afterEach(() => close?.());

function appOn(clock: FakeClock): { app: ReturnType<typeof buildApp>; store: OpenDb } {
  const { dir, cleanup } = makeTempDir();
  const store = openDb(join(dir, 'rigmap.db'));
  const config = loadConfig({ db: store.path, port: 0, probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1' }, {});
  close = () => {
    store.close();
    cleanup();
  };
  return { app: buildApp({ db: store.db, bus: new EventBus(), config, clock }), store };
}

describe('the app on the injected clock', () => {
  it('/healthz uptime follows the app clock from when the app was built', async () => {
    const clock = new FakeClock();
    const { app } = appOn(clock);
    const uptime = async () => ((await (await app.request('/healthz')).json()) as { uptimeSec: number }).uptimeSec;
    expect(await uptime()).toBe(0);
    clock.advance(3_600_000);
    expect(await uptime()).toBe(3600);
  });
});
