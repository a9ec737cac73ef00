/** Runs `node bin/rigmap.js serve` as a child process for the crash and shutdown tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A serving rigmap process. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stdout and stderr so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start `rigmap serve` on port 0 with probing scoped to loopback; resolves once it prints its URL. */
export async function spawnServe({ db, env = {}, logLevel = 'warn' }: { db: string; env?: Record<string, string>; logLevel?: string }): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(root, 'bin/rigmap.js'), 'serve', '--port', '0', '--db', db, '--log-level', logLevel], {
    cwd: root,
    env: {
      ...process.env,
      RIGMAP_PROBE_CIDRS: '127.0.0.0/8',
      RIGMAP_TAILSCALE_SYNC: 'off',
      RIGMAP_BONJOUR: 'off',
      RIGMAP_MDNS_INTERFACE: '127.0.0.1',
      RIGMAP_NEVER_SEEN_AFTER_SEC: '0',
      RIGMAP_PROBE_INTERVAL_MS: '300',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`rigmap serve printed no URL within 30 s:\n${out}`)), 30_000);
    const look = () => {
      const m = /rigmap is serving (http:\/\/\S+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve(m[1]!);
    };
    child.stdout!.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`rigmap serve exited (${code ?? signal}) before serving:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** /healthz probe counts of a running server. */
export async function probeCounts(url: string): Promise<{ paths: number; up: number; down: number }> {
  const body = (await (await fetch(`${url}/healthz`)).json()) as { probes: { paths: number; up: number; down: number } | null };
  if (!body.probes) throw new Error('probing is off');
  return body.probes;
}
