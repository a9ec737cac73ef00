/**
 * Finding the Local API of the macOS Tailscale app, which has no unix socket:
 * its tailscaled listens on a localhost TCP port guarded by a token, and the
 * app leaves a "sameuserproof" file whose name or content carries them. Same
 * discovery as tailscale's own CLI (safesocket_darwin.go), in the same order:
 *
 * 1. TS_MACOS_CLI_SHARED_DIR set (the app's bundled CLI): a file named
 *    `sameuserproof-PORT-TOKEN` in that folder.
 * 2. The App Store app: `lsof -n -a -u<uid> -c IPNExtension -F` lists the
 *    files the IPNExtension keeps open; one path contains
 *    `.tailscale.ipn.macos/sameuserproof-PORT-TOKEN` (its group container).
 * 3. The standalone app: `/Library/Tailscale/ipnport` is a symlink whose target
 *    is the port, `/Library/Tailscale/sameuserproof-PORT` holds the token, and
 *    something must be listening on 127.0.0.1:PORT (the files outlive the app).
 *
 * Every outside effect goes through `MacSeams`, so tests run it on Linux.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';

/** Where the macOS app's Local API listens, and its token (a secret: never logged). */
export interface MacLocalApi {
  port: number;
  token: string;
  via: 'shared-dir' | 'app-store' | 'standalone';
}

/** The outside world discovery touches; replaced in tests. */
export interface MacSeams {
  env: NodeJS.ProcessEnv;
  uid: number;
  /** The standalone app's folder (`/Library/Tailscale`). */
  libraryDir: string;
  readdir(dir: string): Promise<string[]>;
  readlink(path: string): Promise<string>;
  readFile(path: string): Promise<string>;
  /** Output of `lsof -n -a -u<uid> -c IPNExtension -F`, or null when lsof fails. */
  lsof(uid: number): Promise<string | null>;
  /** Whether something accepts TCP connections on 127.0.0.1:port (within about a second). */
  canConnect(port: number): Promise<boolean>;
}

/** The real macOS seams. */
export function realMacSeams(): MacSeams {
  return {
    env: process.env,
    uid: process.getuid?.() ?? 501,
    libraryDir: '/Library/Tailscale',
    readdir: (dir) => readdir(dir),
    readlink: (p) => readlink(p),
    readFile: (p) => readFile(p, 'utf8'),
    lsof: (uid) => new Promise((ok) => {
      execFile('lsof', ['-n', '-a', `-u${uid}`, '-c', 'IPNExtension', '-F'], { timeout: 5000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout) => ok(err ? null : stdout));
    }),
    canConnect: (port) => new Promise((ok) => {
      const sock = connect({ host: '127.0.0.1', port, timeout: 1000 });
      const done = (yes: boolean) => {
        sock.destroy();
        ok(yes);
      };
      sock.once('connect', () => done(true));
      sock.once('error', () => done(false));
      sock.once('timeout', () => done(false));
    }),
  };
}

const validPort = (n: number) => Number.isInteger(n) && n > 0 && n < 65536;
/** `sameuserproof-PORT-TOKEN` → port and token (tokens are hex, checked loosely). */
function fromName(name: string): { port: number; token: string } | null {
  const m = /^sameuserproof-(\d{1,5})-([A-Za-z0-9]+)$/.exec(name);
  if (!m) return null;
  const port = Number(m[1]);
  return validPort(port) ? { port, token: m[2]! } : null;
}

async function standalone(seams: MacSeams): Promise<MacLocalApi | null> {
  try {
    const portStr = (await seams.readlink(join(seams.libraryDir, 'ipnport'))).trim();
    const port = Number(portStr);
    if (!/^\d{1,5}$/.test(portStr) || !validPort(port)) return null;
    const token = (await seams.readFile(join(seams.libraryDir, `sameuserproof-${portStr}`))).trim();
    if (!token || token.length > 512) return null;
    // The files stay after the app quits: only a port something listens on counts.
    if (!(await seams.canConnect(port))) return null;
    return { port, token, via: 'standalone' };
  } catch {
    return null;
  }
}

/** The macOS app's Local API port and token, or null when none is found. */
export async function discoverMacLocalApi(seams: MacSeams = realMacSeams()): Promise<MacLocalApi | null> {
  const shared = seams.env.TS_MACOS_CLI_SHARED_DIR;
  if (shared) {
    const names = await seams.readdir(shared).catch(() => [] as string[]);
    for (const name of names.slice(0, 1000)) {
      const found = fromName(name);
      if (found) return { ...found, via: 'shared-dir' };
    }
    return standalone(seams);
  }
  const out = await seams.lsof(seams.uid);
  if (out) {
    const marker = '.tailscale.ipn.macos/sameuserproof-';
    for (const line of out.split('\n').slice(0, 100_000)) {
      const i = line.indexOf(marker);
      if (i === -1) continue;
      const found = fromName(`sameuserproof-${line.slice(i + marker.length).trim()}`);
      if (found) return { ...found, via: 'app-store' };
    }
  }
  return standalone(seams);
}
