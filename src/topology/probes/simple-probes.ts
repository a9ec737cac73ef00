/** Probes of services that do not speak the camera-node contract: TCP connect, HTTP GET. */
import net from 'node:net';
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';
import { describeSocketError, ProbeError, probeGet } from './http-get.ts';
import { type ProbeRunner, pollAgentsOf, type RunnerDeps } from './runner.ts';
import { hostPort } from './targets.ts';

/** A TCP-connect or HTTP-GET prober on an interval, one attempt in flight at a time. */
export class SimpleProbeRunner implements ProbeRunner {
  private timer: TimerHandle | null = null;
  private stopped = false;
  private inFlight = false;
  private readonly clock: Clock;

  constructor(private readonly deps: RunnerDeps) {
    this.clock = deps.scheduler ?? systemClock;
  }

  start(initialDelayMs: number): void {
    this.timer = this.clock.setTimeout(() => this.tick(), initialDelayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
  }

  probeNow(): void {
    if (this.stopped || this.inFlight) return;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.tick();
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => this.tick(), this.deps.target.intervalMs);
    if (this.inFlight) return;
    this.inFlight = true;
    void this.deps.limit(() => this.once()).finally(() => {
      this.inFlight = false;
    });
  }

  private async once(): Promise<void> {
    const { target, sink } = this.deps;
    const timeoutMs = this.deps.timeoutMs;
    try {
      if (target.kind === 'tcp') {
        const latency = await tcpConnect(target.address, target.port, timeoutMs);
        if (!this.stopped) sink.ok(latency, `TCP connect to ${hostPort(target)}`);
        return;
      }
      const answer = await probeGet({ target, path: target.path, timeoutMs, agents: pollAgentsOf(this.deps) });
      if (this.stopped) return;
      if (answer.status >= 400) sink.fail({ reason: `HTTP ${answer.status} from ${target.path}`, category: 'http_error', immediate: false });
      else sink.ok(answer.latencyMs, `HTTP ${answer.status} from ${target.path}`);
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof ProbeError) sink.fail(err.failure);
      else sink.fail(describeSocketError(err as NodeJS.ErrnoException, target, false));
    }
  }
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    // Real time on purpose (Node's socket idle timeout): it bounds one real connect, not a rule.
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new ProbeError({ reason: `no TCP answer from ${host}:${port} within ${(timeoutMs / 1000).toFixed(1)} s`, category: 'timeout', immediate: false }));
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(performance.now() - started);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => reject(new ProbeError(describeSocketError(err, { address: host, port }, false))));
  });
}

