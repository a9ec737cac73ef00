/**
 * The dashboard with sign-in on, in headless Chromium: the login page, who is
 * signed in, what each role sees (a viewer gets no group control and no
 * inventory editing), group control sending a command to the simulated
 * cameras with per-node results, sign-out; and no CSP violation anywhere.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { createToken } from '../../src/topology/access/tokens.ts';
import { addUser } from '../../src/topology/access/users.ts';
import { EventBus } from '../../src/topology/events.ts';
import { openDb } from '../../src/topology/store/db.ts';
import { makeTempDir } from '../helpers/app.ts';
import { type Dashboard, LAN_VIEW_HOST, launchBrowser, startDashboard } from './harness.ts';

let dash: Dashboard;
let sim: SimRig;
let browser: Browser;
let tmp: ReturnType<typeof makeTempDir>;
let url: string;

beforeAll(async () => {
  tmp = makeTempDir('rigmap-e2e-access-');
  const db = join(tmp.dir, 'rigmap.db');
  const store = openDb(db);
  const ctx = { db: store.db, bus: new EventBus(), actor: 'test' };
  await addUser({ ctx, input: { login: 'vera', role: 'viewer', password: 'viewer password 1' } });
  await addUser({ ctx, input: { login: 'otto', role: 'operator', password: 'operator password 1' } });
  const admin = createToken({ ctx, input: { name: 'e2e', role: 'admin' } }).secret;
  store.close();
  dash = await startDashboard({ nodes: null, config: { auth: 'on', db, logLevel: 'silent' } });
  sim = await startSimRig({ nodes: 3, extras: false, port: 0, lanCidr: '127.0.8.0/24', tailnetCidr: '127.108.0.0/16', heartbeatMs: 250 });
  url = dash.urlFrom(LAN_VIEW_HOST);
  const res = await fetch(`${url}/api/import`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(sim.manifest({ rigName: 'Access rig' })) });
  if (!res.ok) throw new Error(`import failed: ${res.status}`);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await sim?.close();
  await dash?.close();
  tmp?.cleanup();
});

async function signInAs(login: string, password: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource.*401/.test(m.text())) errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => document.body?.dataset.ready === 'login', undefined, { timeout: 20_000 });
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', password);
  await page.click('form[data-testid="login-form"] button[type="submit"]');
  await page.waitForFunction(() => document.body?.dataset.ready === 'true', undefined, { timeout: 20_000 });
  return { page, errors };
}

describe('dashboard with sign-in', () => {
  it('shows the login page, refuses a wrong password, and serves a CSP with no inline script', async () => {
    const res = await fetch(`${url}/`);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const page = await browser.newPage();
    const csp: string[] = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) csp.push(m.text()); });
    await page.goto(url);
    await page.waitForFunction(() => document.body?.dataset.ready === 'login', undefined, { timeout: 20_000 });
    await page.fill('input[name="login"]', 'vera');
    await page.fill('input[name="password"]', 'not the password');
    await page.click('form[data-testid="login-form"] button[type="submit"]');
    await page.waitForSelector('[data-slot="error"]:not([hidden])');
    expect(await page.textContent('[data-slot="error"]')).toMatch(/wrong login or password/);
    expect(csp).toEqual([]);
    await page.close();
  }, 60_000);

  it('a viewer sees who is signed in and no controls it cannot use', async () => {
    const { page, errors } = await signInAs('vera', 'viewer password 1');
    expect(await page.textContent('[data-testid="signed-in"]')).toBe('vera · viewer');
    expect(await page.isVisible('nav a[data-view="commands"]')).toBe(false);
    await page.goto(`${url}/#/inventory`);
    await page.waitForFunction(() => document.body?.dataset.ready === 'true');
    expect(await page.isVisible('#view-inventory [data-action="add"]')).toBe(false);
    expect(await page.isVisible('#view-inventory [data-act="details"] >> nth=0')).toBe(true);
    expect(await page.isVisible('#view-inventory [data-act="remove"] >> nth=0')).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it('an operator sends a group command and sees each node\'s result, then signs out', async () => {
    const { page, errors } = await signInAs('otto', 'operator password 1');
    expect(await page.textContent('[data-testid="signed-in"]')).toBe('otto · operator');
    await page.click('nav a[data-view="commands"]');
    await page.click('#view-commands button[value="record.start"]');
    await page.waitForSelector('[data-testid="commands-results"] tbody tr >> nth=2');
    expect(await page.textContent('#view-commands [data-slot="summary"]')).toBe('record.start: 3 of 3 ok');
    expect(await page.locator('[data-testid="commands-results"] tbody tr.ok').count()).toBe(3);
    expect(sim.describe().filter((n) => (n.status as { state?: string }).state === 'recording')).toHaveLength(3);
    await page.screenshot({ path: join(tmp.dir, 'group-control.png') });
    await page.click('[data-action="sign-out"]');
    await page.waitForFunction(() => document.body?.dataset.ready === 'login', undefined, { timeout: 20_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
