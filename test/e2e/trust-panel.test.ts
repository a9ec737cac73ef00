/**
 * The device panel in Chromium for an https camera (a Blackmagic-shaped phone
 * with a self-signed certificate): the pinned SHA-256 is shown; once the
 * camera shows another certificate, both fingerprints and the re-trust button
 * are; re-trusting pins the new one and the warning goes; a panel opened before
 * a phone first answered shows its pin once it does. Needs /usr/bin/openssl.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { LAN_VIEW_HOST, launchBrowser, openDashboard, startDashboard, type Dashboard } from './harness.ts';

const OPENSSL = '/usr/bin/openssl';
const hasOpenssl = existsSync(OPENSSL);
const tmp = makeTempDir('rigmap-e2e-trust-');
const API = '/control/api/v1';
let dash: Dashboard;
let browser: Browser;
let server: Server;
/** A second phone that is not listening yet when its panel opens (127.153.2.3, this file's range). */
let late: Server;
let latePort: number;

function selfSigned(name: string): { key: Buffer; cert: Buffer; fingerprint: string } {
  const key = `${tmp.dir}/${name}.key`;
  const cert = `${tmp.dir}/${name}.pem`;
  execFileSync(OPENSSL, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', `/O=Blackmagic Design/CN=${name}`], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert), fingerprint: new X509Certificate(readFileSync(cert)).fingerprint256 };
}

const READS: Record<string, unknown> = {
  '/system/product': { deviceName: 'iPhone 17 Pro', productName: 'Blackmagic Camera', softwareVersion: '3.5' },
  '/transports/0/record': { recording: false },
};
let first: ReturnType<typeof selfSigned>;
let second: ReturnType<typeof selfSigned>;

beforeAll(async () => {
  if (!hasOpenssl) return;
  first = selfSigned('first');
  second = selfSigned('second');
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    const v = req.url?.startsWith(API) ? READS[req.url.slice(API.length)] : undefined;
    if (req.method === 'GET' && v !== undefined) return void res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(v));
    res.writeHead(404, { connection: 'close' }).end();
  };
  server = createServer({ key: first.key, cert: first.cert }, answer);
  late = createServer({ key: second.key, cert: second.cert }, answer);
  // Its port, found by a first listen and closed again: nothing else uses this address.
  await new Promise<void>((r) => late.listen(0, '127.153.2.3', r));
  latePort = (late.address() as AddressInfo).port;
  await new Promise((r) => late.close(r));
  // Test address: 127.153.2.2 (the phones block, this file's range).
  await new Promise<void>((r) => server.listen(0, '127.153.2.2', r));
  const port = (server.address() as AddressInfo).port;
  const inventory = {
    version: 1, rig: { name: 'Trust rig' },
    devices: [
      { id: 'phone-t', name: 'Cam T', role: 'camera', expected: true, addresses: [{ network: 'lan', ip: '127.153.2.2' }], services: [{ name: 'blackmagic', protocol: 'https', port, path: API }] },
      { id: 'phone-late', name: 'Cam L', role: 'camera', expected: true, addresses: [{ network: 'lan', ip: '127.153.2.3' }], services: [{ name: 'blackmagic', protocol: 'https', port: latePort, path: API }] },
    ],
    links: [],
  };
  [dash, browser] = await Promise.all([startDashboard({ nodes: null, inventory }), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await dash?.close();
  for (const s of [server, late]) {
    s?.closeAllConnections();
    await new Promise((r) => (s?.listening ? s.close(r) : r(null)));
  }
  tmp.cleanup();
});

describe.skipIf(!hasOpenssl)('panel of an https camera', () => {
  it('shows the pinned fingerprint; after a certificate change both and the re-trust button; re-trust pins the new one', async () => {
    const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/#/inventory`, undefined, dash.authHeaders);
    const text = (sel: string) => w.page.textContent(`#panel ${sel}`).then((t) => t?.trim());
    try {
      await w.page.waitForFunction(() => document.querySelector('[data-device-id="phone-t"], button[aria-label="Details of phone-t"]'), undefined, { timeout: 20_000 });
      await w.page.click('button[aria-label="Details of phone-t"]');
      await w.page.waitForSelector('#panel [data-testid="pinned-fingerprint"]', { timeout: 20_000 });
      expect(await text('[data-testid="pinned-fingerprint"]')).toBe(first.fingerprint);
      expect(await w.page.$('#panel [data-testid="seen-fingerprint"]')).toBeNull();

      server.setSecureContext({ key: second.key, cert: second.cert });
      await w.page.waitForSelector('#panel [data-testid="seen-fingerprint"]', { timeout: 20_000 });
      expect(await text('[data-testid="pinned-fingerprint"]')).toBe(first.fingerprint);
      expect(await text('[data-testid="seen-fingerprint"]')).toBe(second.fingerprint);
      expect(await text('[data-testid="untrusted"]')).toMatch(/possible impersonation/);

      await w.page.click('#panel button.trust');
      await w.page.waitForFunction((fp) => document.querySelector('#panel [data-testid="pinned-fingerprint"]')?.textContent?.trim() === fp, second.fingerprint, { timeout: 20_000 });
      await w.page.waitForFunction(() => !document.querySelector('#panel [data-testid="seen-fingerprint"]') && !document.querySelector('#panel [data-testid="untrusted"]'), undefined, { timeout: 20_000 });
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }
  }, 90_000);
  it('a panel opened before the phone first answered shows the pin once it does', async () => {
    const w = await openDashboard(browser, `${dash.urlFrom(LAN_VIEW_HOST)}/#/inventory`, undefined, dash.authHeaders);
    try {
      await w.page.waitForSelector('button[aria-label="Details of phone-late"]', { timeout: 20_000 });
      await w.page.click('button[aria-label="Details of phone-late"]');
      await w.page.waitForSelector('#panel h2', { timeout: 20_000 });
      expect(await w.page.$('#panel [data-testid="pinned-fingerprint"]')).toBeNull();
      await new Promise<void>((r) => late.listen(latePort, '127.153.2.3', r));
      await w.page.waitForSelector('#panel [data-testid="pinned-fingerprint"]', { timeout: 20_000 });
      expect((await w.page.textContent('#panel [data-testid="pinned-fingerprint"]'))?.trim()).toBe(second.fingerprint);
      expect(w.errors).toEqual([]);
    } finally {
      await w.page.close();
    }
  }, 90_000);
});
