/**
 * Pin on accept: the certificate discovery's own HTTPS check saw on a phone
 * becomes the device's pin when the crew accepts it (audited), so a phone that
 * shows another certificate at its first probe is caught, not pinned. A camera
 * node's /info answer cannot name a certificate for itself; a malformed
 * fingerprint pins nothing.
 */
import { createServer, type Server } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phoneTxt } from '../../src/sim/phone/advertise.ts';
import { phoneUuid } from '../../src/sim/phone/hook.ts';
import { startSimRig, type SimRig } from '../../src/sim/rig.ts';
import { listAudit } from '../../src/topology/access/audit.ts';
import { createDevice } from '../../src/topology/devices.ts';
import { AlertWriter } from '../../src/topology/alerts/alert-writer.ts';
import { fetchNodeInfo } from '../../src/topology/discovery/fingerprint.ts';
import { acceptDiscovered, recordDiscovery } from '../../src/topology/discovery/inbox.ts';
import { fetchPhoneProduct, phoneInfoFromTxt } from '../../src/topology/discovery/phone.ts';
import { trustOf } from '../../src/topology/trust/pins.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

// Test addresses: 127.153.1.0/24 (LAN-like), 127.153.201.0/24 (tailnet-like), 127.153.1.200 (a contract node).
let rig: TestRig;
let sim: SimRig;
let node: Server;
beforeAll(async () => {
  rig = makeTestRig();
  sim = await startSimRig({ nodes: 0, extras: false, phones: 2, lanCidr: '127.153.1.0/24', tailnetCidr: '127.153.201.0/24', port: 0, idPrefix: 'tap' });
  // A contract node whose /info claims a certificate fingerprint of its own choosing.
  node = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'liar', name: 'Liar', api: 1, kind: 'blackmagic', certSha256: FAKE })));
  await new Promise<void>((r) => node.listen(0, '127.153.1.200', r));
}, 60_000);
afterAll(async () => {
  await sim?.close();
  await new Promise((r) => (node ? node.close(r) : r(null)));
  rig?.close();
});

const FAKE = Array.from({ length: 32 }, () => 'AB').join(':');

/** What the Bonjour browser records for a phone: its TXT, and the certificate its product answer showed. */
async function sight(i: number, certSha256?: string) {
  const phone = sim.nodes[i]!;
  const product = await fetchPhoneProduct({ ip: phone.lanIp, port: phone.port });
  if (!product?.certSha256) throw new Error(`${phone.id} gave no product answer`);
  const txt = phoneTxt({ node: phone, uuid: phoneUuid(phone.id), cameraName: String.fromCharCode(65 + i), model: 'iPhone 17 Pro', version: '3.5.100017' });
  const info = { ...phoneInfoFromTxt(txt, null)!, certSha256: certSha256 ?? product.certSha256 };
  const item = recordDiscovery({ ctx: rig.ctx, finding: { source: 'bonjour', ip: phone.lanIp, hostname: null, port: phone.port, apiPath: '/control/api/v1', info } });
  return { item, seen: product.certSha256, phone };
}

/** One GET to the phone through the trust rule (as probes, commands and the relay connect). */
function getThroughPin(deviceId: string, ip: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const agent = trustOf(rig.ctx).agent({ deviceId, service: 'blackmagic' });
    https.get({ host: ip, port, path: '/control/api/v1/system/product', agent }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject).on('close', () => agent.destroy());
  });
}

describe('pin on accept', () => {
  it('accepting a discovered phone pins the certificate discovery saw, audited; the phone is then reached', async () => {
    const { item, seen, phone } = await sight(0);
    const { device } = acceptDiscovered({ ctx: rig.ctx, id: item.id, overrides: { id: 'cam-a' } });
    expect(trustOf(rig.ctx).list('cam-a')).toEqual([expect.objectContaining({ deviceId: 'cam-a', service: 'blackmagic', fingerprint: seen, seenFingerprint: null })]);
    expect(listAudit({ ctx: rig.ctx, action: 'device.pinned' })).toEqual([expect.objectContaining({ target: device.id, details: { service: 'blackmagic', fingerprint: seen, at: 'accept' } })]);
    expect(await getThroughPin('cam-a', phone.lanIp, phone.port)).toBe(200);
    expect(trustOf(rig.ctx).isUntrusted('cam-a', 'blackmagic')).toBe(false);
  });

  it('a phone that shows another certificate at first contact than at accept is refused and alerted, not pinned', async () => {
    const { item, seen, phone } = await sight(1, FAKE);
    acceptDiscovered({ ctx: rig.ctx, id: item.id, overrides: { id: 'cam-b' } });
    await expect(getThroughPin('cam-b', phone.lanIp, phone.port)).rejects.toMatchObject({ code: 'CERTIFICATE_CHANGED' });
    expect(trustOf(rig.ctx).list('cam-b')).toEqual([expect.objectContaining({ fingerprint: FAKE, seenFingerprint: seen })]);
    expect(trustOf(rig.ctx).isUntrusted('cam-b', 'blackmagic')).toBe(true);
    const alert = new AlertWriter(rig.ctx).find('certificate_changed', 'cam-b');
    expect(alert?.message).toContain(FAKE);
    expect(alert?.message).toContain(seen);
  });

  it("a camera node's /info answer cannot name its certificate", async () => {
    const info = await fetchNodeInfo({ ip: '127.153.1.200', port: (node.address() as AddressInfo).port, apiPath: '/api/v1' });
    expect(info).toMatchObject({ id: 'liar', api: 1 });
    expect(info).not.toHaveProperty('certSha256');
  });

  it('a malformed fingerprint pins nothing', () => {
    createDevice({ ctx: rig.ctx, input: { id: 'cam-z', name: 'Cam Z', role: 'camera', services: [{ name: 'blackmagic', protocol: 'https', port: 4444 }] } });
    expect(trustOf(rig.ctx).pinSeen('cam-z', 'blackmagic', 'AB:CD')).toBeNull();
    expect(trustOf(rig.ctx).list('cam-z')).toEqual([]);
  });
});
