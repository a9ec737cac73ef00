/**
 * A Bonjour TXT `path` is the advertiser's word: a rogue one (`@other-host…`,
 * digits that extend the port) must not make rigmap fetch from anywhere but
 * the node's own ip:port. A stand-in "attacker" HTTP server on another
 * loopback address counts every request it gets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bonjour } from 'bonjour-service';
import { afterEach, describe, expect, it } from 'vitest';
import { BonjourBrowser } from '../../src/topology/discovery/bonjour-browser.ts';
import { fetchNodeInfo, safeApiPath } from '../../src/topology/discovery/fingerprint.ts';
import { listDiscovered } from '../../src/topology/discovery/inbox.ts';
import { makeTestRig } from '../helpers/app.ts';
import { eventually } from '../helpers/eventually.ts';

const NODE_IP = '127.0.41.1';
const ATTACKER_IP = '127.0.41.2';


/** An HTTP server on `ip` answering /api/v1/info as node `id`, logging every request path. */
async function listen(ip: string, id: string): Promise<{ server: Server; port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id, role: 'camera', api: 1 }));
  });
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  return { server, port: (server.address() as AddressInfo).port, hits };
}

describe('Bonjour TXT path guard', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('only plain absolute paths are accepted from an advertisement', () => {
    expect(safeApiPath('/api/v1')).toBe('/api/v1');
    expect(safeApiPath('/cam/api-2_x.y~')).toBe('/cam/api-2_x.y~');
    for (const bad of ['@attacker.example/x', '//attacker.example/x', '0/x', 'api/v1', '/a?b', '/a#b', '/a%2f', '/a:b', '/a@b', '/a\\b', '', null, undefined]) {
      expect(safeApiPath(bad), String(bad)).toBe('/api/v1');
    }
  });

  it('a rogue path sends nothing off the node; the node is still found over /api/v1', async () => {
    const rig = makeTestRig();
    cleanups.push(() => rig.close());
    const node = await listen(NODE_IP, 'dscp-guard');
    cleanups.push(() => new Promise((r) => node.server.close(r)));
    const attacker = await listen(ATTACKER_IP, 'dscp-guard');
    cleanups.push(() => new Promise((r) => attacker.server.close(r)));

    // The probe scope is the node's address alone: the attacker's is outside it.
    const browser = new BonjourBrowser({ ctx: rig.ctx, iface: '127.0.0.1', inScope: (ip) => ip === NODE_IP, recheckMs: 60_000 }).start();
    cleanups.push(() => browser.stop());

    const bonjour = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as ConstructorParameters<typeof Bonjour>[0]);
    cleanups.push(() => new Promise<void>((r) => bonjour.unpublishAll(() => bonjour.destroy(() => r()))));
    const host = 'dscp-guard.local';
    const service = bonjour.publish({
      name: 'Rogue path cam', type: 'rigcam', protocol: 'tcp', port: node.port, host, disableIPv6: true,
      txt: { id: 'dscp-guard', role: 'camera', api: '1', path: `@${ATTACKER_IP}:${attacker.port}/x` },
    });
    const original = service.records.bind(service);
    service.records = () => [...original().filter((r) => r.type !== 'A' && r.type !== 'AAAA'), { name: host, type: 'A', ttl: 120, data: NODE_IP }];

    const item = await eventually(
      'the node in the inbox with its /info answer',
      () => listDiscovered({ ctx: rig.ctx }).find((d) => d.nodeId === 'dscp-guard' && d.info !== null),
      10_000,
      50,
    );
    expect(item).toMatchObject({ source: 'bonjour', ip: NODE_IP, port: node.port, apiPath: '/api/v1', info: { id: 'dscp-guard' } });
    expect(item.suggestion?.services).toEqual([expect.objectContaining({ name: 'camera-node', path: '/api/v1' })]);
    expect(node.hits).toContain('/api/v1/info');
    expect(attacker.hits).toEqual([]);
  });

  it('fetchNodeInfo refuses a path that would move the request to another origin', async () => {
    const attacker = await listen(ATTACKER_IP, 'dscp-port');
    cleanups.push(() => new Promise((r) => attacker.server.close(r)));
    // Digits appended to "http://ip:<port>" extend the port: port 4567 + "8/x" would be :45678/x.
    const port = Math.floor(attacker.port / 10);
    const info = await fetchNodeInfo({ ip: ATTACKER_IP, port, apiPath: `${attacker.port % 10}/x` });
    expect(info).toBeNull();
    expect(attacker.hits).toEqual([]);
    // A plain path on the same origin still works.
    expect(await fetchNodeInfo({ ip: ATTACKER_IP, port: attacker.port, apiPath: '/api/v1/' })).toMatchObject({ id: 'dscp-port' });
  });
});
