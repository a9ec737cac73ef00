/**
 * The macOS Tailscale app's Local API (no unix socket: localhost TCP and a
 * token), found the way tailscale's CLI finds it (App Store app via lsof, the
 * standalone app's /Library/Tailscale files, the bundled CLI's shared folder),
 * through injectable seams so it runs here. Against a fake Local API on
 * 127.0.0.1 that checks the token: status, import, whois, ping and path quality
 * work through it; a wrong token is refused and never shown.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDevices } from '../../src/topology/devices.ts';
import { TailscaleLocalClient } from '../../src/topology/tailscale/local-client.ts';
import { discoverMacLocalApi, type MacSeams, realMacSeams } from '../../src/topology/tailscale/macos-local-api.ts';
import { PathQualitySnapshot } from '../../src/topology/tailscale/path-quality.ts';
import { importFromSource } from '../../src/topology/tailscale/source.ts';
import { WhoisCache } from '../../src/topology/tailscale/whois.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';
import { type FakeLocalApi, startFakeLocalApi } from '../fixtures/tailscale-fakes.ts';

const TOKEN = '2ae2ec9e0aa2005784f1';
let rig: TestRig;
let local: FakeLocalApi;
let library: string;
beforeEach(async () => {
  rig = makeTestRig();
  local = await startFakeLocalApi({ tcp: true, token: TOKEN });
  library = join(rig.dir, 'Library-Tailscale');
  mkdirSync(library);
});
afterEach(async () => {
  await local.close();
  rig.close();
});

/** lsof -F output as the IPNExtension's open files would show it (p, c, f, n field lines). */
const lsofOutput = (port: number, token: string) => [
  'p4242', 'cIPNExtension', 'u501', 'fcwd', 'n/',
  'f12', `n/Users/crew/Library/Group Containers/io.tailscale.ipn.macos/sameuserproof-${port}-${token}`,
  'f13', 'n/private/var/folders/xx/T/other-file', '',
].join('\n');

function seams(over: Partial<MacSeams> = {}): MacSeams {
  return { ...realMacSeams(), env: {}, uid: 501, libraryDir: library, lsof: async () => null, readdir: (d) => readdir(d), readlink: (p) => readlink(p), readFile: (p) => readFile(p, 'utf8'), ...over };
}
const macClient = (s: MacSeams) => new TailscaleLocalClient({ platform: 'darwin', macSeams: s, timeoutMs: 5000 });

describe('finding the macOS app\'s Local API', () => {
  it('App Store app: the sameuserproof path lsof shows for IPNExtension', async () => {
    let askedUid = -1;
    const found = await discoverMacLocalApi(seams({ lsof: async (uid) => ((askedUid = uid), lsofOutput(local.port!, TOKEN)) }));
    expect(found).toEqual({ port: local.port, token: TOKEN, via: 'app-store' });
    expect(askedUid).toBe(501);
  });

  it('standalone app: /Library/Tailscale/ipnport and sameuserproof-PORT, only when the port answers', async () => {
    symlinkSync(String(local.port), join(library, 'ipnport'));
    writeFileSync(join(library, `sameuserproof-${local.port}`), `${TOKEN}\n`);
    expect(await discoverMacLocalApi(seams())).toEqual({ port: local.port, token: TOKEN, via: 'standalone' });
    await local.close();
    // The files outlive the app: a port nobody listens on is not a Local API.
    expect(await discoverMacLocalApi(seams())).toBeNull();
  });

  it('the app\'s bundled CLI: a sameuserproof-PORT-TOKEN file in TS_MACOS_CLI_SHARED_DIR', async () => {
    const shared = join(rig.dir, 'shared');
    mkdirSync(shared);
    writeFileSync(join(shared, 'unrelated.txt'), '');
    writeFileSync(join(shared, `sameuserproof-${local.port}-${TOKEN}`), '');
    expect(await discoverMacLocalApi(seams({ env: { TS_MACOS_CLI_SHARED_DIR: shared } }))).toEqual({ port: local.port, token: TOKEN, via: 'shared-dir' });
  });

  it('nothing found: a clear not_found naming the fix', async () => {
    await expect(macClient(seams()).status()).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('start the Tailscale app') });
  });
});

describe('the Local API through the macOS app\'s TCP port and token', () => {
  it('status, import, path quality, whois and ping all work through it', async () => {
    const client = macClient(seams({ lsof: async () => lsofOutput(local.port!, TOKEN) }));
    expect(client.viaMacApp).toBe(true);
    const vps = Object.values<any>(local.status.Peer).find((p) => p.HostName === 'vps');
    Object.assign(vps, { Active: true, CurAddr: '198.51.100.7:41641' });
    const paths = new PathQualitySnapshot();
    const report = await importFromSource({ ctx: rig.ctx, source: { kind: 'local', client }, paths });
    expect(report.added).toHaveLength(15);
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(15);
    expect(paths.get('vps')).toMatchObject({ quality: 'direct', curAddr: '198.51.100.7:41641' });

    local.whois.set('100.64.5.6', { LoginName: 'crew-a@example.com', DisplayName: 'Crew Member A' });
    expect(await new WhoisCache(client).lookup('100.64.5.6', 50123)).toMatchObject({ login: 'crew-a@example.com', via: 'whois' });

    const vpsIp = vps.TailscaleIPs[0];
    local.pingLatency.set(vpsIp, 0.0234);
    expect(await client.ping(vpsIp)).toMatchObject({ LatencySeconds: 0.0234, Endpoint: '198.51.100.7:41641' });
    const ping = local.requests.find((r) => r.path.startsWith('/localapi/v0/ping'));
    expect(ping).toEqual({ path: `/localapi/v0/ping?ip=${encodeURIComponent(vpsIp)}&type=disco`, host: 'local-tailscaled.sock', method: 'POST' });
  });

  it('a wrong token is refused, named, and never shown', async () => {
    const wrong = 'ffffffffffffffffffff';
    const client = macClient(seams({ lsof: async () => lsofOutput(local.port!, wrong) }));
    const err: any = await client.status().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'forbidden', message: expect.stringContaining('refused rigmap\'s Local API token') });
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(wrong);
    expect(JSON.stringify({ m: err.message, d: err.details })).not.toContain(TOKEN);
    await expect(importFromSource({ ctx: rig.ctx, source: { kind: 'local', client } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(listDevices({ ctx: rig.ctx })).toEqual([]);
  });

  it('on Linux (or with a socket given) the unix socket is used, never the macOS discovery', async () => {
    let asked = false;
    const s = seams({ lsof: async () => ((asked = true), lsofOutput(local.port!, TOKEN)) });
    expect(new TailscaleLocalClient({ platform: 'linux', macSeams: s }).viaMacApp).toBe(false);
    expect(new TailscaleLocalClient({ platform: 'darwin', socketPath: join(rig.dir, 'x.sock'), macSeams: s }).viaMacApp).toBe(false);
    expect(asked).toBe(false);
  });
});
