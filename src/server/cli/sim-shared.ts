/** What `rigmap sim` and `rigmap demo` share (its own file, so demo.ts and sim.ts do not import each other). */
import type { SimRig } from '../../sim/rig.ts';
import { formatTable } from './shared.ts';

/** The node table `rigmap sim` and `rigmap demo` print at start. */
export function describeRig(rig: SimRig): string {
  const rows = rig.nodes.map((n) => [n.id, n.role, `${n.lanIp}:${n.port}`, n.tailscaleIp ? `${n.tailscaleIp}:${n.port}` : '-']);
  return formatTable(['id', 'role', 'lan', 'tailscale'], rows);
}

/** Stop `close` on the first Ctrl-C or SIGTERM, then exit. */
export function stopOnSignal(close: () => Promise<void>): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Real time on purpose: a one-shot deadline for a stuck shutdown (exit anyway), not a rule.
    setTimeout(() => process.exit(1), 5000).unref();
    close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

