/**
 * The health bench's simulated rig: in its own process (bench/lib/health-sim-child.ts,
 * the default) or in the bench's (HEALTH_BENCH_SIM_PROCESS=0, as before). Either
 * way the bench sets faults and reads the simulator's own lag and CPU the same way.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BeatLag, BeatLagSummary } from '../../src/sim/beat-lag.ts';
import { startSimRig } from '../../src/sim/rig.ts';
import type { SimNode, SimRigOptions } from '../../src/sim/types.ts';
import type { InventoryDocument } from '../../src/topology/model.ts';

/** A line the bench sends the child. */
type SimAsk = { op: 'faults'; ids: string[]; mode: 'down' | 'hang' | 'ok' } | { op: 'stats'; reset: boolean };
export type SimRequest = SimAsk & { seq: number };

/** The simulator's own figures since the last reset: beat lateness, CPU seconds, wall seconds. */
export interface SimStats {
  lag: BeatLagSummary;
  cpuS: number;
  wallS: number;
}

export interface HealthSim {
  nodes: SimNode[];
  manifest: InventoryDocument;
  /** Where the simulator runs: "own process" or "bench process". */
  where: string;
  /** Set `mode` on every node in `ids`; resolves with the wall-clock ms (sub-ms) the first took effect. */
  setFaults(ids: string[], mode: 'down' | 'hang' | 'ok'): Promise<number>;
  /** Lag and CPU since the last reset; `reset` starts a new window. */
  stats(reset: boolean): Promise<SimStats>;
  close(): Promise<void>;
}

const wallNow = () => performance.timeOrigin + performance.now();

/** The simulator's figures over windows: each call returns them since the last reset. */
export function simStatsWindow(lag: BeatLag): (reset: boolean) => SimStats {
  let cpuFrom = process.cpuUsage();
  let wallFrom = performance.now();
  return (reset) => {
    const cpu = process.cpuUsage(cpuFrom);
    const out = { lag: lag.summary(), cpuS: (cpu.user + cpu.system) / 1e6, wallS: (performance.now() - wallFrom) / 1000 };
    if (reset) {
      lag.reset();
      cpuFrom = process.cpuUsage();
      wallFrom = performance.now();
    }
    return out;
  };
}

export async function startHealthSim(opts: SimRigOptions, ownProcess: boolean): Promise<HealthSim> {
  if (!ownProcess) {
    const rig = await startSimRig(opts);
    const stats = simStatsWindow(rig.beatLag);
    return {
      nodes: rig.nodes,
      manifest: rig.manifest(),
      where: 'bench process',
      setFaults: async (ids, mode) => {
        const appliedAt = wallNow();
        for (const id of ids) rig.setFault(id, { mode });
        return appliedAt;
      },
      // The bench's own work shares this process: its CPU is in these figures too.
      stats: async (reset) => stats(reset),
      close: () => rig.close(),
    };
  }
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./health-sim-child.ts', import.meta.url)), JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
  // The child goes when the bench goes, however it ends.
  process.on('exit', () => child.kill('SIGKILL'));
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<number, (v: Record<string, unknown>) => void>();
  let first: ((v: Record<string, unknown>) => void) | null = null;
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    first = resolve;
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code}) before it was ready`)));
  });
  lines.on('line', (line) => {
    const msg = JSON.parse(line) as Record<string, unknown>;
    if (first) {
      const f = first;
      first = null;
      return f(msg);
    }
    waiting.get(msg.seq as number)?.(msg);
    waiting.delete(msg.seq as number);
  });
  let seq = 0;
  const ask = (req: SimAsk) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const s = ++seq;
      waiting.set(s, resolve);
      child.stdin!.write(`${JSON.stringify({ ...req, seq: s })}\n`);
    });
  const hello = (await ready) as { nodes: SimNode[]; manifest: InventoryDocument };
  return {
    nodes: hello.nodes,
    manifest: hello.manifest,
    where: 'own process',
    setFaults: async (ids, mode) => (await ask({ op: 'faults', ids, mode })).appliedAt as number,
    stats: async (reset) => (await ask({ op: 'stats', reset })).stats as SimStats,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
