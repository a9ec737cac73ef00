/**
 * The camera-node probe of one path: an SSE subscription to /events (heartbeats
 * and status arrive live; a refused, closed or silent stream is a lost path at
 * once) plus a /status poll on an interval (K failed polls in a row is lost).
 */
import type http from 'node:http';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { restartTimeout, systemClock, type Clock, type TimerHandle } from '../clock.ts';
import type { NodeStatus } from '../health-types.ts';
import { describeSocketError, ProbeError, probeGet, transportFor } from './http-get.ts';
import { PollLoop } from './poll-loop.ts';
import { SilenceDetector } from './silence-detector.ts';
import { type ProbeRunner, pollAgentsOf, type RunnerDeps, streamAgentsOf } from './runner.ts';
import { parseLookField } from './look-fields.ts';
import { parseShootFields } from './shoot-fields.ts';
import { hostPort } from './targets.ts';

const DEFAULT_HEARTBEAT_MS = 1000;
const MAX_BACKOFF_MS = 2000;
/** The longest heartbeat interval a node may announce; a longer one is clamped (1e10 overflowed the timer). */
export const MAX_HEARTBEAT_MS = 60_000;
/** The longest SSE line or event (characters) taken from a node; status events are well under 1 KiB. */
export const MAX_SSE_CHARS = 64 * 1024;

/** The reason an SSE event gives the path machine: constants, not a string built per heartbeat. */
const STREAM_REASONS: Record<'hello' | 'status' | 'heartbeat', string> = { hello: 'event stream open', status: 'status received', heartbeat: 'heartbeat received' };

/** Parse a /status answer; null when it is not a camera-node status. */
export function parseNodeStatus(text: string): NodeStatus | null {
  try {
    const v = JSON.parse(text) as NodeStatus & { id?: string };
    if (!v || typeof v !== 'object' || typeof v.state !== 'string' || !v.battery || !v.storage) return null;
    const look = parseLookField(v as unknown as Record<string, unknown>);
    return { state: v.state, battery: v.battery, thermal: v.thermal, storage: v.storage, uptimeSec: v.uptimeSec, time: v.time, ...parseShootFields(v as unknown as Record<string, unknown>), ...(look !== undefined ? { look } : {}) };
  } catch {
    return null;
  }
}

/** The JSON object an SSE event carries; null when it is not one (garbled). */
function parseEventData(text: string): object | null {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' ? v : null;
  } catch {
    return null;
  }
}

/** SSE + poll prober of one camera-node path. */
export class CameraNodeRunner implements ProbeRunner {
  private stopped = false;
  private readonly polls: PollLoop;
  private req: http.ClientRequest | null = null;
  private silenceTimer: TimerHandle | null = null;
  private reconnectTimer: TimerHandle | null = null;
  /** The one clock: stream timers, silence judgement and beat times (the poll loop's too). */
  private readonly clock: Clock;
  private backoffMs = 100;
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private lastBeat = 0;
  private streamStarted = 0;
  private lastEventId: string | undefined;
  /** Learns this stream's heartbeat rhythm: when silence means lost (φ-accrual, capped at factor × announced). */
  private readonly detector: SilenceDetector;
  /** Whether to ask for `heartbeatMs` (v1.1); off once a node refused the parameter. */
  private askRate = true;

  constructor(private readonly deps: RunnerDeps) {
    this.clock = deps.scheduler ?? systemClock;
    this.detector = new SilenceDetector({ expectedMs: DEFAULT_HEARTBEAT_MS, ceilingFactor: deps.heartbeatFactor, clock: this.clock });
    this.polls = new PollLoop({ intervalMs: deps.target.intervalMs, limit: deps.limit, once: () => this.pollOnce(), clock: deps.scheduler });
  }

  start(initialDelayMs: number): void {
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), initialDelayMs);
    this.polls.start(initialDelayMs + Math.random() * this.deps.target.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.polls.stop();
    for (const t of [this.silenceTimer, this.reconnectTimer]) if (t) this.clock.clearTimeout(t);
    this.req?.destroy();
    this.req = null;
  }

  probeNow(): void {
    if (!this.stopped) this.polls.now();
  }

  private async pollOnce(): Promise<void> {
    const { target, sink } = this.deps;
    const path = `${target.path}/status`;
    try {
      const sentAt = this.clock.now();
      const answer = await probeGet({ target, path, timeoutMs: this.deps.timeoutMs, agents: pollAgentsOf(this.deps) });
      if (this.stopped) return;
      if (answer.status !== 200) return sink.fail({ reason: `HTTP ${answer.status} from ${path}`, category: 'http_error', immediate: false });
      const status = parseNodeStatus(answer.body);
      if (!status) return sink.fail({ reason: `unreadable answer from ${path} (not a camera-node status)`, category: 'bad_answer', immediate: false });
      this.deps.clock?.roundTrip(sentAt, this.clock.now(), status.time);
      sink.ok(answer.latencyMs, `HTTP 200 from ${path}`);
      sink.status(status);
    } catch (err) {
      if (this.stopped) return;
      sink.fail(err instanceof ProbeError ? err.failure : describeSocketError(err as NodeJS.ErrnoException, target, false));
    }
  }

  private connect(): void {
    if (this.stopped) return;
    const { target, sink } = this.deps;
    // v1.1: ask for the configured heartbeat rate; a v1 node ignores the parameter.
    const want = target.heartbeatMs ?? this.deps.heartbeatMs ?? 0; // the device's own ask first
    const asked = this.askRate && want > 0;
    const path = `${target.path}/events${asked ? `?heartbeatMs=${Math.round(want)}` : ''}`;
    let ended = false;
    // Report once per connection: whichever of error/close/silence comes first.
    const end = (reason: string, category: string) => {
      if (ended || this.stopped) return;
      ended = true;
      if (this.silenceTimer) this.clock.clearTimeout(this.silenceTimer);
      req.destroy();
      sink.fail({ reason, category, immediate: true, source: 'stream' });
      this.scheduleReconnect();
    };
    this.streamStarted = this.clock.now();
    this.lastBeat = 0;
    this.detector.restart();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    const { request, agent } = transportFor(target, streamAgentsOf(this.deps));
    const req = request({ host: target.address, port: target.port, path, agent, headers }, (res) => {
      const sse = String(res.headers['content-type'] ?? '').includes('text/event-stream');
      if (asked && ((res.statusCode ?? 0) >= 400 && (res.statusCode ?? 0) < 500 || (res.statusCode === 200 && !sse))) {
        // A node that chokes on the v1.1 parameter (a 4xx, or no stream): stop asking, reconnect at once.
        ended = true;
        this.askRate = false;
        res.resume();
        req.destroy();
        if (this.silenceTimer) this.clock.clearTimeout(this.silenceTimer);
        return this.connect();
      }
      if (res.statusCode !== 200) {
        res.resume();
        return end(`HTTP ${res.statusCode} from ${path}`, 'http_error');
      }
      this.backoffMs = 100;
      // A line or event past the cap is a broken or hostile node: garbled, not buffered without end.
      const tooLong = () => end(`garbled event stream from ${hostPort(target)} (a line or event longer than ${MAX_SSE_CHARS / 1024} KiB)`, 'bad_answer');
      const parser = createParser({ onEvent: (msg) => this.onMessage(msg), onError: (e) => e.type === 'max-buffer-size-exceeded' && tooLong(), maxBufferSize: MAX_SSE_CHARS });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (!ended) parser.feed(chunk);
      });
      res.on('end', () => end(`event stream from ${hostPort(target)} closed`, 'stream_closed'));
      res.on('close', () => end(`event stream from ${hostPort(target)} closed`, 'stream_closed'));
      res.on('error', () => end(`event stream from ${hostPort(target)} closed`, 'stream_closed'));
    });
    this.req = req;
    req.on('error', (err: NodeJS.ErrnoException) => {
      const f = describeSocketError(err, target, true);
      end(f.reason, f.category);
    });
    req.end();
    this.armSilence(end);
  }

  /** (Re)arm the silence timer: no hello/heartbeat/status within the detector's limit is lost. */
  private armSilence(end?: (reason: string, category: string) => void): void {
    if (end) this.endCurrent = end;
    const limit = this.detector.limitMs();
    // Every heartbeat of every path lands here: restart the same timer rather than allocate one.
    if (!end && this.silenceTimer && limit === this.silenceLimit) {
      this.silenceTimer = restartTimeout(this.clock, this.silenceTimer, () => this.judgeSilence(limit), limit);
      return;
    }
    if (this.silenceTimer) this.clock.clearTimeout(this.silenceTimer);
    this.silenceLimit = limit;
    this.silenceTimer = this.clock.setTimeout(() => this.judgeSilence(limit), limit);
  }

  private silenceLimit = 0;

  /**
   * The silence timer fired. After an event-loop stall (GC, a big import, a busy
   * CPU) timers run before pending socket reads, so a heartbeat that arrived
   * during the stall is still unread: judge only after the I/O phase has had
   * its turn (setImmediate), and only if no beat arrived meanwhile.
   */
  private judgeSilence(limit: number): void {
    const end = this.endCurrent;
    setImmediate(() => {
      if (this.stopped || end !== this.endCurrent) return;
      const since = this.lastBeat || this.streamStarted;
      const silentMs = this.clock.now() - since;
      if (silentMs < limit) {
        // A beat was read in the I/O phase, or the timer ran a few ms early (it starts from
        // the loop's cached clock, not the beat's clock.now()): judge again when the limit is
        // really up. Returning here without a timer would never notice a node that then hangs.
        this.silenceTimer = this.clock.setTimeout(() => this.judgeSilence(limit), limit - silentMs + 1);
        // Not a full-length timer: the next beat must replace it, not refresh() its short delay.
        this.silenceLimit = -1;
        return;
      }
      end?.(`heartbeat silent for ${(silentMs / 1000).toFixed(1)} s`, 'heartbeat_silent');
    });
  }

  private endCurrent: ((reason: string, category: string) => void) | null = null;

  private onMessage(msg: EventSourceMessage): void {
    if (this.stopped) return;
    if (msg.event !== 'hello' && msg.event !== 'status' && msg.event !== 'heartbeat') return; // markers, future events
    const now = this.clock.now();
    const { sink, target } = this.deps;
    // Contract: hello, status and heartbeat carry JSON. Data that does not parse is a
    // broken node (bad build, captive portal), not a beat: the stream has lost sync, so
    // it is ended and the path marked down with the reason a crew member can act on.
    if (msg.data.length > MAX_SSE_CHARS) {
      return this.endCurrent?.(`garbled ${msg.event} event from ${hostPort(target)} (longer than ${MAX_SSE_CHARS / 1024} KiB)`, 'bad_answer');
    }
    const data = parseEventData(msg.data);
    if (data === null) {
      return this.endCurrent?.(`garbled ${msg.event} event from ${hostPort(target)} (not JSON)`, 'bad_answer');
    }
    if (msg.event === 'status') {
      const status = parseNodeStatus(msg.data);
      if (!status) return this.endCurrent?.(`unreadable status event from ${hostPort(target)} (not a camera-node status)`, 'bad_answer');
      sink.status(status);
    }
    if (msg.event === 'hello') {
      const hb = (data as { heartbeatMs?: unknown }).heartbeatMs;
      if (typeof hb === 'number' && Number.isFinite(hb) && hb > 0) {
        this.heartbeatMs = Math.min(hb, MAX_HEARTBEAT_MS);
        this.detector.expect(this.heartbeatMs);
      }
    }
    if (msg.event === 'heartbeat') this.detector.beat(now);
    if (msg.event !== 'hello') this.deps.clock?.oneWay(now, (data as { time?: unknown }).time);
    if (msg.id) this.lastEventId = msg.id;
    this.lastBeat = now;
    sink.heartbeat(now);
    sink.ok(null, STREAM_REASONS[msg.event], 'stream');
    this.armSilence();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = this.backoffMs * (0.8 + Math.random() * 0.4);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = this.clock.setTimeout(() => this.connect(), delay);
  }
}
