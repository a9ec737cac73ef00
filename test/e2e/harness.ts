/**
 * E2E harness: a real rigmap server (temp database, listening on 0.0.0.0 so a
 * browser can reach it as 127.0.0.1 or as 127.100.250.1), a simulated rig imported
 * into it, and headless Chromium through playwright-core. Pages collect console
 * errors so a test can fail on them. Bound to 0.0.0.0, rigmap requires sign-in
 * for every request (this machine's too), so the harness makes an admin API
 * token on the server's database (as `rigmap token create` does) and pages and
 * API calls send it as `Authorization: Bearer`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/server/config.ts';
import { startServer, type RunningServer } from '../../src/server/main.ts';
import { startSimRig, type SimRig, type SimRigOptions } from '../../src/sim/rig.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { ensureBundle } from './bundle.ts';

export const CHROMIUM = process.env.RIGMAP_CHROMIUM ?? '/usr/bin/chromium';
/** The harness's own tailnet range (the default rig's tailnet addresses); a test that sets its own `tailnetCidrs` adds it to keep the tailnet viewer in range. */
export const HARNESS_TAILNET = '127.100.0.0/16';
// Inside the test tailnet range (HARNESS_TAILNET) but no simulated node's address.
export const TAILNET_VIEW_HOST = '127.100.250.1';
export const LAN_VIEW_HOST = '127.0.0.1';

/** Launch headless Chromium; never downloads a browser. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install it (apt-get install chromium) or set RIGMAP_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic', '--disable-dev-shm-usage'],
  });
}

export interface Dashboard {
  server: RunningServer;
  rig: SimRig | null;
  /** http://<host>:<port> of the dashboard as a viewer on `host` reaches it. */
  urlFrom(host: string): string;
  /** The secret of an admin API token on this server (`rmt_…`). */
  token: string;
  /** `{ authorization: 'Bearer <token>' }`, for API calls and browser contexts. */
  authHeaders: Record<string, string>;
  close(): Promise<void>;
}

/** Start the server (and a simulated rig imported into it, unless `nodes` is null). */
export async function startDashboard({ nodes = 4, inventory, config: extra = {}, sim = {} }: { nodes?: number | null; inventory?: unknown; config?: Record<string, unknown>; sim?: SimRigOptions } = {}): Promise<Dashboard> {
  // e2e files run side by side: each simulated rig sits on its own file's range (test-addresses.test.ts).
  if (nodes !== null && !sim.lanCidr) throw new Error('startDashboard: give the simulated rig its own sim.lanCidr and sim.tailnetCidr (the defaults are shared)');
  await ensureBundle();
  process.env.RIGMAP_PROBE_CIDRS = '127.0.0.0/8';
  const dir = mkdtempSync(join(tmpdir(), 'rigmap-e2e-'));
  // Bonjour browsing off: another file's advertised rig (`rigmap sim --advertise`: cam-01 …) would be matched by id and its addresses added to the map. A test may turn it on.
  const config = loadConfig({ db: join(dir, 'rigmap.db'), port: 0, host: '0.0.0.0', logLevel: 'warn', tailnetCidrs: HARNESS_TAILNET, probeCidrs: '127.0.0.0/8', bonjour: false, ...extra }, { RIGMAP_PROBE_CIDRS: '127.0.0.0/8' });
  const store = openDb(config.db);
  const token = createToken({ ctx: { db: store.db, bus: new EventBus(), actor: 'e2e' }, input: { name: 'e2e-harness', role: 'admin' } }).secret;
  store.close();
  const authHeaders = { authorization: `Bearer ${token}` };
  const server = await startServer(config);
  const rig = nodes === null ? null : await startSimRig({ nodes, port: 0, heartbeatMs: 250, extras: true, ...sim });
  const urlFrom = (host: string) => `http://${host}:${server.port}`;
  const doc = inventory ?? rig?.manifest({ rigName: 'E2E rig' });
  if (doc) {
    const res = await fetch(`${urlFrom(LAN_VIEW_HOST)}/api/import?format=json`, { method: 'POST', headers: { 'content-type': 'application/json', ...authHeaders }, body: JSON.stringify(doc) });
    if (!res.ok) throw new Error(`import failed: ${res.status} ${await res.text()}`);
  }
  return {
    server,
    rig,
    urlFrom,
    token,
    authHeaders,
    close: async () => {
      await server.close();
      await rig?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Messages a page logged as errors (plus uncaught exceptions). */
export interface WatchedPage {
  page: Page;
  errors: string[];
}

/**
 * Open the dashboard and wait until it has drawn. A failed load of a *node's*
 * resource (a snapshot from a node that just went down, straight or through
 * rigmap's relays) is the network's doing, not the dashboard's, and is not
 * counted; everything else is. `headers` go on
 * every request of the page (fetch, EventSource, images): pass
 * `dash.authHeaders` to open it signed in by the harness's API token.
 */
/** Wait (bounded) until `fn(arg)` is true inside the page. */
export async function until<A>(w: WatchedPage, fn: (arg: A) => boolean, arg: A, timeoutMs = 10_000): Promise<void> {
  await w.page.waitForFunction(fn as (arg: unknown) => boolean, arg as unknown, { timeout: timeoutMs, polling: 50 });
}

export async function openDashboard(browser: Browser, url: string, viewport = { width: 1366, height: 860 }, headers: Record<string, string> = {}): Promise<WatchedPage> {
  // No bypassCSP: the dashboard runs under its real Content Security Policy, so a violation fails the test.
  const context = await browser.newContext({ viewport, extraHTTPHeaders: headers });
  const page = await context.newPage();
  // The context is this page's alone: closing the page ends it.
  page.on('close', () => void context.close().catch(() => undefined));
  const errors: string[] = [];
  const origin = new URL(url).origin;
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url ?? '';
    // A node's picture through rigmap (reach relay, preview relay) fails the same way when the node goes down.
    const relayed = where.startsWith(`${origin}/reach/`) || /^\/api\/devices\/[^/]+\/preview\.(mjpeg|jpg)/.test(where.slice(origin.length));
    if (msg.text().startsWith('Failed to load resource') && where && (!where.startsWith(origin) || relayed)) return;
    errors.push(`${msg.text()} (${where})`);
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body?.dataset.ready === 'true' || document.body?.dataset.ready === 'error', undefined, { timeout: 20_000 });
  const state = await page.evaluate(() => document.body.dataset.ready);
  if (state !== 'true') throw new Error(`dashboard failed to load: ${await page.textContent('main')}`);
  return { page, errors };
}

/** True under `npm run screenshots` (RIGMAP_SCREENSHOTS=1): only then are docs/screenshots/*.png rewritten. */
export const SAVING_SCREENSHOTS = process.env.RIGMAP_SCREENSHOTS === '1';

/**
 * Where the test run saves screenshots: docs/screenshots/ under `npm run
 * screenshots`, otherwise a temp folder removed when the test file's process
 * exits (a plain `npm test` must leave the tracked PNGs alone).
 */
export const SCREENSHOT_DIR: URL = SAVING_SCREENSHOTS ? new URL('../../docs/screenshots/', import.meta.url) : tempScreenshotDir();

function tempScreenshotDir(): URL {
  const dir = mkdtempSync(join(tmpdir(), 'rigmap-shots-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return pathToFileURL(`${dir}/`);
}

/**
 * The pages a test file opens: `view` opens one signed in by the harness's token,
 * `closeAll` (in afterEach) closes them and returns their console errors for the
 * test to assert empty. `browser` and `dash` are read when a page opens (set in beforeAll).
 */
export function pageTracker(browser: () => Browser, dash: () => Dashboard) {
  let open: WatchedPage[] = [];
  return {
    view: async (host: string, hash = '', viewport?: { width: number; height: number }): Promise<WatchedPage> => {
      const w = await openDashboard(browser(), `${dash().urlFrom(host)}/${hash}`, viewport, dash().authHeaders);
      open.push(w);
      return w;
    },
    closeAll: async (): Promise<string[]> => {
      const errors = open.flatMap((w) => w.errors);
      await Promise.all(open.map((w) => w.page.close()));
      open = [];
      return errors;
    },
  };
}
