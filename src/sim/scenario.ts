/**
 * Scripted fault scenarios for `rigmap sim --scenario`: a comma-separated list
 * of steps `AT:NODE:MODE[=MS][@PATH]`, e.g.
 * `5:cam-02:down,15:cam-02:ok,20:hotspot:down,30:hotspot:ok,40:cam-03:slow=1500@tailscale`.
 * AT is seconds after start (a number, optionally with `s` or `ms`).
 */
import { parseOrThrow, RigmapError } from '../topology/errors.ts';
import { type SimFault, simFaultSchema } from './types.ts';

/** One scheduled fault change. */
export interface ScenarioStep {
  atMs: number;
  nodeId: string;
  fault: SimFault;
}

const STEP = /^(\d+(?:\.\d+)?)(ms|s)?:([a-z0-9][a-z0-9-]*):([a-z-]+)(?:=(\d+))?(?:@(lan|tailscale|both))?$/;

/** Parse a scenario; errors name the step and show the expected shape. */
export function parseScenario(text: string): ScenarioStep[] {
  const steps = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((raw, i) => {
      const m = STEP.exec(raw);
      if (!m) {
        throw new RigmapError('validation_failed', `scenario step ${i + 1} "${raw}" is not AT:NODE:MODE[=MS][@PATH] (e.g. 5:cam-02:down or 10s:cam-01:slow=800@lan)`, { step: raw });
      }
      const [, at, unit, nodeId, mode, ms, path] = m;
      const atMs = unit === 'ms' ? Number(at) : Number(at) * 1000;
      const candidate: Record<string, unknown> = { mode };
      if (ms !== undefined) candidate.ms = Number(ms);
      if (path !== undefined) candidate.path = path;
      const fault = parseOrThrow(simFaultSchema, candidate, `scenario step ${i + 1} "${raw}"`) as SimFault;
      return { atMs, nodeId: nodeId!, fault };
    });
  return steps.sort((a, b) => a.atMs - b.atMs);
}

/** Run the steps on their timers; the returned function cancels what has not run yet. */
export function runScenario({ steps, apply, onStep }: { steps: ScenarioStep[]; apply: (nodeId: string, fault: SimFault) => void; onStep?: (step: ScenarioStep, error?: Error) => void }): () => void {
  const timers = steps.map((step) =>
    setTimeout(() => {
      try {
        apply(step.nodeId, step.fault);
        onStep?.(step);
      } catch (err) {
        onStep?.(step, err as Error);
      }
    }, step.atMs),
  );
  return () => timers.forEach(clearTimeout);
}

/** `cam-02 → slow 1500 ms on tailscale` for the CLI log. */
export function describeFault(fault: SimFault): string {
  if (fault.mode === 'slow') return `slow ${fault.ms} ms${fault.path && fault.path !== 'both' ? ` on ${fault.path}` : ''}`;
  if (fault.mode === 'clock-skew') return `clock ${fault.ms >= 0 ? '+' : ''}${fault.ms} ms off`;
  if (fault.mode === 'record-stop') return `stops recording by itself (${fault.state ?? 'error'})`;
  if (fault.mode === 'storage') return `${fault.freeBytes} bytes free`;
  if ('path' in fault && fault.path && fault.path !== 'both') return `${fault.mode} on ${fault.path}`;
  return fault.mode;
}
