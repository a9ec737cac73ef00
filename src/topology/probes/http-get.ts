/** One bounded HTTP GET for a probe, with failures worded for a crew member. */
import http from 'node:http';
import https from 'node:https';
import type { ProbeFailure } from './path-machine.ts';
import { hostPort, type ProbeTarget } from './targets.ts';

/** The answer of a probe GET. */
export interface ProbeAnswer {
  status: number;
  body: string;
  latencyMs: number;
}

/** A probe failure thrown by `probeGet`. */
export class ProbeError extends Error {
  constructor(readonly failure: ProbeFailure) {
    super(failure.reason);
  }
}

/** Turn a socket error into words and a metrics category. */
export function describeSocketError(err: NodeJS.ErrnoException, target: Pick<ProbeTarget, 'address' | 'port'>, immediate: boolean): ProbeFailure {
  const where = hostPort(target);
  switch (err.code) {
    case 'ECONNREFUSED':
      return { reason: `connect ECONNREFUSED ${where}`, category: 'refused', immediate: true };
    case 'ECONNRESET':
      return { reason: `connection reset by ${where}`, category: 'reset', immediate };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { reason: `no route to ${where}`, category: 'unreachable', immediate: true };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { reason: `cannot resolve ${target.address}`, category: 'dns', immediate };
    default:
      return { reason: err.message || `request to ${where} failed`, category: 'error', immediate };
  }
}

const MAX_BODY = 256 * 1024;

/** The agents a request may use: the https one is read only for an https target (a getter may make it on first use). */
export interface ProbeAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;
}

/** Agents whose https one is made only when an https target asks for it. */
export function lazyAgents(plain: http.Agent, tls: () => https.Agent): ProbeAgents {
  return { http: plain, get https() { return tls(); } };
}

/** The request function and agent for a target: https ones need an https.Agent (an http one fails with ERR_INVALID_PROTOCOL). */
export function transportFor(target: Pick<ProbeTarget, 'https'>, agents: ProbeAgents): { request: typeof http.request; agent: http.Agent } {
  return target.https ? { request: https.request, agent: agents.https } : { request: http.request, agent: agents.http };
}

/** GET `path` from the target within `timeoutMs`; rejects with a ProbeError. */
export function probeGet({ target, path, timeoutMs, agents }: { target: ProbeTarget; path: string; timeoutMs: number; agents: ProbeAgents }): Promise<ProbeAnswer> {
  const started = performance.now();
  return new Promise<ProbeAnswer>((resolve, reject) => {
    const { request, agent } = transportFor(target, agents);
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn();
    };
    const req = request({ host: target.address, port: target.port, path, method: 'GET', agent, headers: { accept: 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.on('end', () =>
        finish(() => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), latencyMs: performance.now() - started })),
      );
      res.on('error', (err) => finish(() => reject(new ProbeError(describeSocketError(err, target, false)))));
    });
    // Judge the timeout after the I/O phase (setImmediate): after an event-loop
    // stall an answer that already arrived is read then, not counted as lost.
    // Real time on purpose: it bounds one real request; what K such failures mean runs on the injected clock.
    const timer = setTimeout(() => setImmediate(() => {
      if (done) return; // answered in the I/O phase: the socket may be back in the keep-alive pool
      finish(() => reject(new ProbeError({ reason: `no answer from ${path} within ${(timeoutMs / 1000).toFixed(1)} s`, category: 'timeout', immediate: false })));
      req.destroy();
    }), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => finish(() => reject(new ProbeError(describeSocketError(err, target, false)))));
    req.end();
  });
}

/**
 * One quick look at a device (alerts ask when paths behind it go quiet): true
 * when any of its targets gives an HTTP answer within `timeoutMs`, false when
 * none does, null when there is nothing to probe. Feeds no state machine.
 */
export async function quickCheck({ targets, timeoutMs, agents }: { targets: ProbeTarget[]; timeoutMs: number; agents: ProbeAgents }): Promise<boolean | null> {
  if (targets.length === 0) return null;
  const tries = targets.map((target) => {
    const path = target.kind === 'camera-node' ? `${target.path}/status` : target.path;
    return probeGet({ target, path, timeoutMs, agents }).then(() => true, () => false);
  });
  return (await Promise.all(tries)).some(Boolean);
}
