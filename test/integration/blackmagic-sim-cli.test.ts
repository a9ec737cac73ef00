/** `rigmap sim --blackmagic N` as a user runs it: the cameras listed, in the manifest with the blackmagic service, and faulted through `rigmap sim-fault`. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { makeTempDir } from '../helpers/app.ts';
import { RIGMAP_BIN } from '../helpers/cli.ts';
import { eventually } from '../helpers/eventually.ts';

const exec = promisify(execFile);
const children: ChildProcess[] = [];
const temps: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const t of temps.splice(0)) t.cleanup();
});

describe('rigmap sim --blackmagic', () => {
  it('adds simulated Blackmagic cameras (here without the event WebSocket) that take faults', async () => {
    const tmp = makeTempDir();
    temps.push(tmp);
    const manifest = join(tmp.dir, 'rig.json');
    const child = spawn(process.execPath, [RIGMAP_BIN, 'sim', '--nodes', '1', '--blackmagic', '2', '--no-blackmagic-websocket', '--no-extras', '--port', '0', '--control-port', '0',
      '--lan', '127.37.6.0/24', '--tailnet', '127.137.6.0/24', '--manifest', manifest], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    const control = await eventually('the control URL', () => /control API: (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 20_000);
    expect(out).toMatch(/bmd-01\s+camera\s+127\.37\.6\.2:(\d+)\s+127\.137\.6\.2:\1/);
    expect(out).toContain('2 of them Blackmagic camera(s): REST API under /control/api/v1, no event WebSocket');

    const doc = JSON.parse(readFileSync(manifest, 'utf8')) as { devices: Array<{ id: string; model: string; services: Array<{ name: string; port: number; path: string }> }> };
    const bmd = doc.devices.find((d) => d.id === 'bmd-02')!;
    expect(bmd.model).toBe('Blackmagic PYXIS 6K');
    expect(bmd.services).toEqual([{ name: 'blackmagic', protocol: 'http', port: expect.any(Number), path: '/control/api/v1' }]);
    const url = `http://127.37.6.3:${bmd.services[0]!.port}/control/api/v1/system/product`;
    expect(await (await fetch(url)).json()).toEqual({ deviceName: 'Blackmagic 02', productName: 'Blackmagic PYXIS 6K', softwareVersion: '9.2' });

    // No event WebSocket on this "firmware": the upgrade is answered 404.
    const upgrade = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(url.replace('http:', 'ws:').replace('/system/product', '/event/websocket'));
      ws.on('unexpected-response', (_req, res) => {
        res.resume();
        ws.terminate();
        resolve(res.statusCode);
      });
      ws.on('open', () => {
        ws.terminate();
        resolve(101);
      });
      ws.on('error', () => resolve(undefined));
    });
    expect(upgrade).toBe(404);

    const fault = await exec(process.execPath, [RIGMAP_BIN, 'sim-fault', 'bmd-02', 'lan-down', '--control', control]);
    expect(fault.stdout).toContain('bmd-02: ');
    await expect(fetch(url)).rejects.toThrow();
    await exec(process.execPath, [RIGMAP_BIN, 'sim-fault', 'bmd-02', 'ok', '--control', control]);
    expect((await fetch(url)).status).toBe(200);
    child.kill('SIGINT');
    await eventually('the simulator stopped', () => child.exitCode !== null, 10_000);
  }, 90_000);
});
