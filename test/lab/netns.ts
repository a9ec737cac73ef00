/**
 * Thin wrappers over `ip` for the rig lab: namespaces named with a per-file tag,
 * commands run inside them, and clean-up of whatever a crashed earlier run with
 * the same tag left behind. Only namespaces whose name starts with the lab's
 * prefix are ever touched.
 */
import { execFileSync, spawnSync } from 'node:child_process';

/** Every lab namespace name starts with this. */
export const LAB_PREFIX = 'rl-';

/** Why the lab cannot run here, or null when it can (root and a working `ip netns`). */
export function labUnavailable(): string | null {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, e.g. in CI)';
  const ip = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (ip.error || ip.status !== 0) return `\`ip netns\` is not available (install iproute2): ${ip.error?.message ?? ip.stderr.trim()}`;
  return null;
}

/** Run `ip …`; throws with its stderr on failure. */
export function ip(...args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`ip ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

/** Run `ip …` and ignore failure (clean-up of things that may already be gone). */
export function ipQuiet(...args: string[]): void {
  spawnSync('ip', args, { stdio: 'ignore', timeout: 15_000 });
}

/** Namespaces that exist now and start with `prefix`. */
export function listNamespaces(prefix: string): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(prefix));
}

/** Kill every process inside the namespace, then delete it. */
export function removeNamespace(name: string): void {
  if (!name.startsWith(LAB_PREFIX)) throw new Error(`refusing to remove namespace ${name}: not a lab namespace`);
  const pids = (spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout ?? '').split('\n').map(Number).filter((n) => n > 1);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  ipQuiet('netns', 'del', name);
}

/** Remove every namespace of this tag (left over by a crashed run, or at the end of this one). */
export function removeTagged(prefix: string): void {
  for (const ns of listNamespaces(prefix)) removeNamespace(ns);
}
