/** `rigmap sim`, `rigmap sim-fault` and `rigmap demo` as a user runs them, in child processes. */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Bonjour, type Service } from 'bonjour-service';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir } from '../helpers/app.ts';
import { fetchFailure, poll } from './sim-sse-client.ts';

const bin = fileURLToPath(new URL('../../bin/rigmap.js', import.meta.url));
const exec = promisify(execFile);
const children: ChildProcess[] = [];
const temps: Array<{ cleanup(): void }> = [];

/** Start `rigmap …` and collect its output as it comes. */
function start(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  children.push(child);
  const out = { text: '' };
  child.stdout!.on('data', (c: Buffer) => (out.text += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out.text += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

async function rigmap(args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const t of temps.splice(0)) t.cleanup();
});

describe('rigmap sim', () => {
  it('prints every address, writes an importable manifest, advertises, takes faults and stops on Ctrl-C', async () => {
    const tmp = makeTempDir();
    temps.push(tmp);
    const manifest = join(tmp.dir, 'rig.json');
    const sim = start(['sim', '--nodes', '2', '--port', '0', '--control-port', '0', '--lan', '127.33.14.0/24', '--tailnet', '127.133.14.0/24', '--manifest', manifest, '--advertise', '--rig-name', 'CLI rig']);
    const control = await poll(() => /control API: (http:\/\/127\.0\.0\.1:\d+)/.exec(sim.out.text)?.[1], 20_000, () => sim.out.text);
    expect(sim.out.text).toMatch(/cam-01\s+camera\s+127\.33\.14\.1:(\d+)\s+127\.133\.14\.1:\1/);
    expect(sim.out.text).toMatch(/hotspot\s+hotspot\s+127\.33\.14\.3:\d+\s+-/);

    const doc = JSON.parse(readFileSync(manifest, 'utf8'));
    expect(doc.rig).toEqual({ name: 'CLI rig' });
    const imported = await rigmap(['import', manifest, '--db', join(tmp.dir, 'rigmap.db')]);
    expect(imported.stdout).toContain('5 device(s) added');
    const port = doc.devices[0].services[0].port as number;

    const bonjour = new Bonjour({ interface: '127.0.0.1', bind: '0.0.0.0' } as ConstructorParameters<typeof Bonjour>[0]);
    try {
      const found: Service[] = [];
      const browser = bonjour.find({ type: 'rigcam' }, (s) => found.push(s));
      const cam = await poll(() => found.find((s) => s.txt?.id === 'cam-02'), 10_000, () => `found ${found.map((s) => s.name)}`);
      browser.stop();
      expect(cam).toMatchObject({ name: 'Cam 02', port, txt: { id: 'cam-02', role: 'camera', api: '1', path: '/api/v1' } });
      expect(cam.addresses).toContain('127.33.14.2');
    } finally {
      bonjour.destroy();
    }

    const fault = await rigmap(['sim-fault', 'cam-02', 'down', '--path', 'lan', '--control', control]);
    expect(fault.stdout).toContain('cam-02: down on lan (lan down, tailscale ok)');
    expect(await fetchFailure(`http://127.33.14.2:${port}/api/v1/info`)).toBe('ECONNREFUSED');
    expect(await fetchFailure(`http://127.133.14.2:${port}/api/v1/info`)).toBe('answered 200');
    const bad = await rigmap(['sim-fault', 'cam-02', 'melt', '--control', control]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/mode must be one of/);
    expect((await rigmap(['sim-fault', 'all', 'ok', '--control', control])).stdout).toContain('every simulated node is ok');
    await poll(async () => (await fetchFailure(`http://127.33.14.2:${port}/api/v1/info`)) === 'answered 200');

    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
  });

  it('refuses a bad scenario with a message naming the step', async () => {
    const res = await rigmap(['sim', '--port', '0', '--scenario', '5:cam-02']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('scenario step 1 "5:cam-02" is not AT:NODE:MODE');
  });
});

describe('rigmap demo', () => {
  it('starts the rig and the server with the rig imported, and stops on Ctrl-C', async () => {
    const tmp = makeTempDir();
    temps.push(tmp);
    const demo = start(['demo', '--port', '0', '--db', join(tmp.dir, 'demo.db'), '--sim-port', '0', '--control-port', '0', '--log-level', 'silent']);
    const url = await poll(() => /Open (http:\/\/127\.0\.0\.1:\d+)/.exec(demo.out.text)?.[1], 30_000, () => demo.out.text);
    expect(demo.out.text).toContain('13 added');
    expect(demo.out.text).toMatch(/rigmap sim-fault cam-02 down --control http:\/\/127\.0\.0\.1:\d+/);
    const body = (await (await fetch(`${url}/api/devices`)).json()) as { devices: Array<{ id: string }> };
    expect(body.devices.map((d) => d.id).sort()).toEqual(['cam-01', 'cam-02', 'cam-03', 'cam-04', 'cam-05', 'cam-06', 'cam-07', 'cam-08', 'console', 'hotspot', 'phone-01', 'phone-02', 'relay']);
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
  });
});
