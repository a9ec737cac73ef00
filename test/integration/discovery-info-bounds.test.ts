/**
 * Discovery's `/api/v1/info` fetch (subnet scan, Bonjour, mDNS hostnames all
 * use it) against hostile answers: a redirect out of the node's address is
 * never followed, a huge body is cut off at the cap, and a body that drips
 * forever ends at the time limit. Real HTTP servers on 127.33.2.0/24.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchNodeInfo, MAX_INFO_BYTES } from '../../src/topology/discovery/fingerprint.ts';
import type { ScanState } from '../../src/topology/discovery/scans.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

const INFO = { id: 'lure', name: 'Lure', role: 'camera', model: 'x', os: 'x', appVersion: '1', api: 1 };
const servers: http.Server[] = [];
let rig: TestRig;

async function serve(host: string, handler: http.RequestListener): Promise<number> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}

let targetHits = 0;
let targetPort = 0;
let redirectPort = 0;
let hugePort = 0;
let hugeSent = 0;
let dripPort = 0;

beforeAll(async () => {
  rig = makeTestRig();
  // A real camera node elsewhere: the place the redirect points to.
  targetPort = await serve('127.33.2.2', (_req, res) => {
    targetHits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(INFO));
  });
  redirectPort = await serve('127.33.2.1', (_req, res) => {
    res.writeHead(302, { location: `http://127.33.2.2:${targetPort}/api/v1/info` }).end();
  });
  // A valid info document padded to 32 MB, sent without content-length (chunked).
  hugePort = await serve('127.33.2.3', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`${JSON.stringify(INFO).slice(0, -1)},"pad":"`);
    const piece = 'p'.repeat(64 * 1024);
    const pump = () => {
      while (!res.destroyed && hugeSent < 32 * 1024 * 1024) {
        hugeSent += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end('"}');
    };
    pump();
  });
  // A valid document, one byte every 50 ms.
  dripPort = await serve('127.33.2.4', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const body = JSON.stringify(INFO);
    let i = 0;
    const timer = setInterval(() => (i < body.length && !res.destroyed ? res.write(body[i++]!) : (clearInterval(timer), res.end())), 50);
    res.on('close', () => clearInterval(timer));
  });
});
afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
  rig?.close();
});

describe('discovery /info fetch bounds', () => {
  it('does not follow a redirect, neither directly nor in a scan', async () => {
    expect(await fetchNodeInfo({ ip: '127.33.2.1', port: redirectPort })).toBeNull();
    const started = (await (await rig.app.request('/api/discovery/scan', jsonInit('POST', { cidr: '127.33.2.1/32', port: redirectPort }))).json()) as ScanState;
    let state = started;
    for (let i = 0; i < 100 && state.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await (await rig.app.request(`/api/discovery/scans/${started.id}`)).json()) as ScanState;
    }
    expect(state).toMatchObject({ state: 'done', found: 0 });
    expect(targetHits).toBe(0);
    // The lure itself is a good node: it is the redirect, not the target, that is refused.
    expect(await fetchNodeInfo({ ip: '127.33.2.2', port: targetPort })).toMatchObject({ id: 'lure' });
  });

  it('cuts a huge body off at the cap', async () => {
    expect(await fetchNodeInfo({ ip: '127.33.2.3', port: hugePort, timeoutMs: 15_000 })).toBeNull();
    // Hung up soon after the cap: far from the 32 MB the node wanted to send.
    expect(hugeSent).toBeLessThan(MAX_INFO_BYTES + 8 * 1024 * 1024);
  });

  it('gives up on a body that drips past the time limit', async () => {
    const t0 = performance.now();
    expect(await fetchNodeInfo({ ip: '127.33.2.4', port: dripPort, timeoutMs: 500 })).toBeNull();
    // Functional bound: the whole document would take 5 s to arrive.
    expect(performance.now() - t0).toBeLessThan(4_000);
  });
});
