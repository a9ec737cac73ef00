/** What every probe runner (camera-node, http, tcp) is given and reports to. */
import type http from 'node:http';
import type https from 'node:https';
import type { LimitFunction } from 'p-limit';
import type { NodeStatus } from '../health-types.ts';
import type { Clock } from '../clock.ts';
import type { ClockSink } from './clock-offset.ts';
import type { ProbeFailure, ProbeSource } from './path-machine.ts';
import { lazyAgents, type ProbeAgents } from './http-get.ts';
import type { ProbeTarget } from './targets.ts';

/** Where a runner reports outcomes; the engine feeds them to the path machine. */
export interface ProbeSink {
  /** An answer; `source` 'stream' for SSE events (they do not cancel failed polls). */
  ok(latencyMs: number | null, reason: string, source?: ProbeSource): void;
  fail(failure: ProbeFailure): void;
  /** A camera node's /status (from a poll or an SSE `status` event). */
  status(status: NodeStatus): void;
  /** An SSE heartbeat arrived (for heartbeat age). */
  heartbeat(at: number): void;
}

/** Shared resources of every runner. */
export interface RunnerDeps {
  target: ProbeTarget;
  sink: ProbeSink;
  /** Bounds how many polls run at once across the engine. */
  limit: LimitFunction;
  /** Keep-alive agent for polls. */
  pollAgent: http.Agent;
  /** Agent for long-lived SSE streams (no pooling: each holds its socket). */
  streamAgent: http.Agent;
  /** Keep-alive agents for https targets (an http.Agent cannot carry TLS). */
  tlsPollAgent: https.Agent;
  tlsStreamAgent: https.Agent;
  timeoutMs: number;
  /** The ceiling of the silence detector: never wait longer than this × the announced heartbeatMs. */
  heartbeatFactor: number;
  /** Heartbeat interval asked of camera nodes (contract v1.1 `?heartbeatMs=`); 0 or absent: the node's own. */
  heartbeatMs?: number;
  /** Where node clock samples go (camera nodes; shoot clock offset). */
  clock?: ClockSink;
  /** The one Clock (src/topology/clock.ts) the runner's schedule runs on; default the system clock. */
  scheduler?: Clock;
}

/** A runner's poll agents; the pinned https one is made only if the target is https. */
export function pollAgentsOf(deps: RunnerDeps): ProbeAgents {
  return lazyAgents(deps.pollAgent, () => deps.tlsPollAgent);
}

/** A runner's stream agents, the same way. */
export function streamAgentsOf(deps: RunnerDeps): ProbeAgents {
  return lazyAgents(deps.streamAgent, () => deps.tlsStreamAgent);
}

/** One scheduler per target. */
export interface ProbeRunner {
  start(initialDelayMs: number): void;
  stop(): void;
  /** Probe now rather than at the next interval (no-op while one is in flight). */
  probeNow(): void;
}
