/**
 * Access on a real server: Tailscale identities mapped to roles (with CSRF),
 * auto mode on a non-loopback host (sign-in for everyone, this machine too),
 * auth off refused off loopback, security headers; and the CLI for users,
 * tokens and group commands.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.ts';
import { type RunningServer, startServer } from '../../src/server/main.ts';
import { startSimRig } from '../../src/sim/rig.ts';
import { makeTempDir } from '../helpers/app.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function serve(extra: Record<string, unknown>): Promise<{ server: RunningServer; db: string }> {
  const { dir, cleanup } = makeTempDir('rigmap-access-srv-');
  const db = join(dir, 'r.db');
  const server = await startServer(loadConfig({ db, port: 0, logLevel: 'silent', probes: 'off', bonjour: 'off', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1', ...extra }, {}));
  cleanups.push(cleanup, () => server.close());
  return { server, db };
}

/** A request with exactly these headers (fetch replaces Host with the URL's). */
function rawRequest(base: string, path: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, base), { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const BIN = fileURLToPath(new URL('../../bin/rigmap.js', import.meta.url));
function rigmap(args: string[], { stdin, env = {} }: { stdin?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, RIGMAP_PROBE_CIDRS: '127.0.0.0/8', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(stdin ?? '');
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

describe('Tailscale identity and modes', () => {
  it('signs Tailscale viewers in by login rule, with a CSRF token for their mutations', async () => {
    const { server } = await serve({ host: '127.0.0.1', auth: 'on', tailscaleRoles: 'alice@example.com=operator', trustTailscaleServe: 'on' });
    const alice = { 'Tailscale-User-Login': 'alice@example.com', 'Tailscale-User-Name': 'Alice' };
    const me = await (await fetch(`${server.url}/api/auth/me`, { headers: alice })).json();
    expect(me).toMatchObject({ auth: 'on', user: { login: 'alice@example.com', role: 'operator', via: 'tailscale' } });
    expect((await fetch(`${server.url}/api/devices`, { headers: alice })).status).toBe(200);
    const cmd = { action: 'identify', role: 'camera' };
    const noCsrf = await fetch(`${server.url}/api/commands`, { method: 'POST', headers: { ...alice, 'content-type': 'application/json' }, body: JSON.stringify(cmd) });
    expect(noCsrf.status).toBe(403);
    const withCsrf = await fetch(`${server.url}/api/commands`, { method: 'POST', headers: { ...alice, 'content-type': 'application/json', 'x-rigmap-csrf': me.csrf }, body: JSON.stringify(cmd) });
    expect(withCsrf.status).toBe(404); // through the policy: no camera in this empty map
    const edit = await fetch(`${server.url}/api/devices`, { method: 'POST', headers: { ...alice, 'content-type': 'application/json', 'x-rigmap-csrf': me.csrf }, body: '{"id":"cam-a","role":"camera"}' });
    expect(edit.status).toBe(403);
    expect((await fetch(`${server.url}/api/devices`, { headers: { 'Tailscale-User-Login': 'bob@example.com' } })).status).toBe(401);
    expect((await fetch(`${server.url}/api/devices`)).status).toBe(401);
  });

  it('auto on a non-loopback host: sign-in for every request, this machine over loopback too', async () => {
    const { server, db } = await serve({ host: '0.0.0.0', auth: 'auto' });
    const local = `http://127.0.0.1:${server.port}`;
    const json = { 'content-type': 'application/json' };
    expect((await (await fetch(`${local}/api/auth/me`)).json())).toMatchObject({ auth: 'on', user: null, csrf: null });
    expect((await fetch(`${local}/api/devices`)).status).toBe(401);
    expect((await fetch(`${local}/api/devices`, { method: 'POST', headers: json, body: '{"id":"cam-a","role":"camera"}' })).status).toBe(401);
    expect((await fetch(`${local}/api/devices`, { headers: { 'Tailscale-User-Login': 'bob@example.com' } })).status).toBe(401);
    expect((await fetch(`${local}/api/audit`)).status).toBe(401);
    // Signed in (an admin token made the way `rigmap token create` makes it), the same requests work.
    const created = JSON.parse((await rigmap(['token', 'create', 'ops', '--role', 'admin', '--json', '--db', db])).stdout);
    const bearer = { authorization: `Bearer ${created.secret}` };
    expect((await (await fetch(`${local}/api/auth/me`, { headers: bearer })).json())).toMatchObject({ auth: 'on', user: { login: 'token:ops', role: 'admin', via: 'token' } });
    expect((await fetch(`${local}/api/devices`, { method: 'POST', headers: { ...json, ...bearer }, body: '{"id":"cam-a","role":"camera"}' })).status).toBe(201);
    expect((await (await fetch(`${local}/api/devices`, { headers: bearer })).json()).devices.map((d: { id: string }) => d.id)).toEqual(['cam-a']);
    const audit = await (await fetch(`${local}/api/audit`, { headers: bearer })).json();
    expect(audit.entries[0]).toMatchObject({ action: 'device.created', target: 'cam-a', actor: 'token:ops', via: 'token', remote: '127.0.0.1' });
  });

  it('auto on a loopback host: open to this machine, but tailscale serve callers sign in by their Tailscale role', async () => {
    const { server } = await serve({ host: '127.0.0.1', auth: 'auto', tailscaleRoles: 'boss@x=admin', trustTailscaleServe: 'on' });
    const json = { 'content-type': 'application/json' };
    expect((await fetch(`${server.url}/api/devices`, { method: 'POST', headers: json, body: '{"id":"cam-a","role":"camera"}' })).status).toBe(201);
    const stranger = { 'Tailscale-User-Login': 'stranger@x' };
    expect((await (await fetch(`${server.url}/api/auth/me`, { headers: stranger })).json())).toMatchObject({ auth: 'on', user: null });
    expect((await fetch(`${server.url}/api/devices/cam-a`, { method: 'DELETE', headers: stranger })).status).toBe(401);
    expect((await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: { ...stranger, ...json }, body: '{"name":"mine","role":"admin"}' })).status).toBe(401);
    const boss = { 'Tailscale-User-Login': 'boss@x' };
    const me = await (await fetch(`${server.url}/api/auth/me`, { headers: boss })).json();
    expect(me).toMatchObject({ auth: 'on', user: { login: 'boss@x', role: 'admin', via: 'tailscale' } });
    const withCsrf = { ...boss, ...json, 'x-rigmap-csrf': me.csrf };
    expect((await fetch(`${server.url}/api/tokens`, { method: 'POST', headers: withCsrf, body: '{"name":"boss-token","role":"admin"}' })).status).toBe(201);
    expect((await fetch(`${server.url}/api/devices/cam-a`, { method: 'DELETE', headers: withCsrf })).status).toBeLessThan(300);
  });

  it('while open, answers only requests addressed to loopback, --host or --allowed-hosts (DNS rebinding)', async () => {
    const { server } = await serve({ host: '127.0.0.1', auth: 'auto', allowedHosts: 'Rig-Mac.local' });
    const as = (host: string, method = 'GET', body?: string) => rawRequest(server.url, '/api/devices', { method, body, headers: { host, origin: `http://${host}`, 'content-type': 'application/json' } });
    const refused = await as(`evil.example:${server.port}`, 'POST', '{"id":"cam-evil","role":"camera"}');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error.message).toMatch(/evil\.example.*--allowed-hosts/);
    expect((await as(`evil.example:${server.port}`)).status).toBe(403);
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `rig-mac.local:${server.port}`]) expect((await as(host)).status, host).toBe(200);
    expect((await as(`localhost:${server.port}`, 'POST', '{"id":"cam-a","role":"camera"}')).status).toBe(201);
    expect(JSON.parse((await as(`127.0.0.1:${server.port}`)).body).devices.map((d: { id: string }) => d.id)).toEqual(['cam-a']);
  });

  it('does not limit the Host of signed-in requests', async () => {
    const { server } = await serve({ host: '127.0.0.1', auth: 'on', tailscaleRoles: 'alice@example.com=viewer', trustTailscaleServe: 'on' });
    const res = await rawRequest(server.url, '/api/devices', { headers: { host: 'rig.example', 'Tailscale-User-Login': 'alice@example.com' } });
    expect(res.status).toBe(200);
  });

  it('refuses --auth off on a non-loopback host', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    await expect(startServer(loadConfig({ db: join(dir, 'r.db'), port: 0, host: '0.0.0.0', auth: 'off', logLevel: 'silent', probes: 'off', bonjour: 'off' }, {}))).rejects.toThrow(/--auth off is only allowed/);
    expect(() => loadConfig({ tailscaleRoles: 'alice=boss' }, {})).toThrow(/--tailscale-roles/);
  });

  it('sends security headers: a CSP with no inline script, no framing', async () => {
    const { server } = await serve({ host: '127.0.0.1' });
    const res = await fetch(`${server.url}/api/devices`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('CLI', () => {
  it('adds users from stdin, creates/revokes tokens, and sends a group command through a signed-in server', async () => {
    const { dir, cleanup } = makeTempDir();
    cleanups.push(cleanup);
    const db = join(dir, 'r.db');
    const add = await rigmap(['user', 'add', 'ada', '--role', 'admin', '--db', db], { stdin: 'correct horse battery\n' });
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('added ada (admin)');
    expect((await rigmap(['user', 'add', 'short', '--role', 'viewer', '--db', db], { stdin: 'short\n' })).stderr).toMatch(/at least 10 characters/);
    const list = JSON.parse((await rigmap(['user', 'list', '--json', '--db', db])).stdout);
    expect(list).toEqual([expect.objectContaining({ login: 'ada', role: 'admin' })]);
    const created = JSON.parse((await rigmap(['token', 'create', 'script', '--role', 'operator', '--json', '--db', db])).stdout);
    expect(created.secret).toMatch(/^rmt_/);
    expect((await rigmap(['token', 'list', '--db', db])).stdout).not.toContain(created.secret);

    const sim = await startSimRig({ nodes: 3, extras: false, port: 0, lanCidr: '127.0.7.0/24', tailnetCidr: '127.107.0.0/16' });
    cleanups.push(() => sim.close());
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'rig.json'), JSON.stringify(sim.manifest()));
    expect((await rigmap(['import', join(dir, 'rig.json'), '--db', db])).code).toBe(0);
    const server = await startServer(loadConfig({ db, port: 0, host: '127.0.0.1', auth: 'on', logLevel: 'silent', probes: 'off', bonjour: 'off', probeCidrs: '127.0.0.0/8', mdnsInterface: '127.0.0.1' }, {}));
    cleanups.push(() => server.close());
    const sent = await rigmap(['command', 'record.start', '--role', 'camera', '--server', server.url, '--json'], { env: { RIGMAP_TOKEN: created.secret } });
    expect(JSON.parse(sent.stdout)).toMatchObject({ total: 3, ok: 3, failed: 0 });
    const direct = await rigmap(['command', 'record.stop', '--devices', 'cam-01,cam-02', '--db', db]);
    expect(direct.code).toBe(0);
    expect(direct.stdout).toMatch(/record\.stop: 2 of 2 ok/);
    expect((await rigmap(['token', 'revoke', 'script', '--db', db])).stdout).toContain('revoked token');
    const refused = await rigmap(['command', 'identify', '--role', 'camera', '--server', server.url], { env: { RIGMAP_TOKEN: created.secret } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/revoked/);
    const audit = await (await fetch(`${server.url}/api/audit?limit=20`, { headers: { authorization: `Bearer ${JSON.parse((await rigmap(['token', 'create', 'audit', '--role', 'admin', '--json', '--db', db])).stdout).secret}` } })).json();
    const lines = audit.entries.map((e: { action: string; actor: string }) => `${e.action} ${e.actor}`);
    expect(lines).toContain('command.sent token:script');
    expect(lines.some((l: string) => /^command\.sent cli:/.test(l))).toBe(true);
    expect(lines.some((l: string) => /^token\.revoked cli:/.test(l))).toBe(true);
  }, 90_000);
});
