/** Running the real `rigmap` command as a user would, from tests. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `rigmap` entry point (bin/rigmap.js). */
export const RIGMAP_BIN = fileURLToPath(new URL('../../bin/rigmap.js', import.meta.url));

/** Probe scope and mDNS pinned to loopback, so a CLI run from a test never leaves 127.0.0.0/8. */
export const LOOPBACK_ENV = { RIGMAP_PROBE_CIDRS: '127.0.0.0/8', RIGMAP_MDNS_INTERFACE: '127.0.0.1' };

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `rigmap …args`; never throws, resolves with the exit code and the output. */
export function runRigmap(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [RIGMAP_BIN, ...args], { env: { ...process.env, ...LOOPBACK_ENV, ...env }, timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0, stdout, stderr });
    });
  });
}
