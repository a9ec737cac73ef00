/**
 * A node at the runner boundary, for tests of the road runner → engine → bus on a
 * FakeClock: it beats and answers polls on the injected clock (RunnerDeps.scheduler).
 * `cut` holds the devices the scripted network no longer carries (a device behind a
 * cut "hotspot" is cut too); the real φ-accrual detector judges the silence.
 */
import type { Clock, TimerHandle } from '../../src/topology/clock.ts';
import type { ProbeRunner, RunnerDeps } from '../../src/topology/probes/runner.ts';
import { SilenceDetector } from '../../src/topology/probes/silence-detector.ts';

export const BEAT_MS = 500;

/** Which devices the (scripted) network still carries. */
export const cut = new Set<string>();

/**
 * A camera node (or the hotspot's admin page) as a runner sees it: a stream that
 * beats every BEAT_MS and a poll every interval, both on the injected clock. When
 * the network is cut the stream just goes quiet and polls get no answer (a time-out):
 * a silent outage, judged by the real silence detector.
 */
export class ScriptedNode implements ProbeRunner {
  private readonly clock: Clock;
  private readonly timers: TimerHandle[] = [];
  private readonly detector: SilenceDetector;
  private lastBeat = 0;
  private streaming = false;

  constructor(private readonly deps: RunnerDeps, private readonly stream: boolean) {
    this.clock = deps.scheduler!;
    this.detector = new SilenceDetector({ expectedMs: BEAT_MS, ceilingFactor: deps.heartbeatFactor, clock: this.clock });
  }

  private get reachable(): boolean {
    return !cut.has(this.deps.target.deviceId) && !(this.deps.target.deviceId !== 'hotspot' && cut.has('hotspot'));
  }

  start(delayMs: number): void {
    this.timers.push(this.clock.setTimeout(() => {
      this.poll();
      this.timers.push(this.clock.setInterval(() => this.poll(), this.deps.target.intervalMs));
      if (!this.stream) return;
      this.open();
      this.timers.push(this.clock.setInterval(() => this.beat(), BEAT_MS));
      this.timers.push(this.clock.setInterval(() => this.judge(), 50));
    }, delayMs));
  }

  stop(): void {
    for (const t of this.timers.splice(0)) this.clock.clearTimeout(t);
  }

  probeNow(): void {
    this.poll();
  }

  private open(): void {
    if (!this.reachable) return;
    this.streaming = true;
    this.lastBeat = this.clock.now();
    this.detector.restart();
    this.deps.sink.ok(null, 'event stream open', 'stream');
  }

  private beat(): void {
    if (!this.streaming) return this.open();
    if (!this.reachable) return;
    const now = this.clock.now();
    this.lastBeat = now;
    this.detector.beat(now);
    this.deps.sink.heartbeat(now);
    this.deps.sink.ok(null, 'heartbeat received', 'stream');
  }

  private judge(): void {
    if (!this.streaming || !this.detector.isSilent(this.lastBeat, this.clock.now())) return;
    this.streaming = false;
    this.deps.sink.fail({ reason: `heartbeat silent for ${((this.clock.now() - this.lastBeat) / 1000).toFixed(1)} s`, category: 'heartbeat_silent', immediate: true, source: 'stream' });
  }

  private poll(): void {
    if (this.reachable) return this.deps.sink.ok(3, 'HTTP 200 from /api/v1/status');
    const timeoutMs = this.deps.timeoutMs;
    this.timers.push(this.clock.setTimeout(() => this.deps.sink.fail({ reason: `no answer within ${(timeoutMs / 1000).toFixed(1)} s`, category: 'timeout', immediate: false }), timeoutMs));
  }
}

