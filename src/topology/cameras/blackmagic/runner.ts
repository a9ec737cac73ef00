/**
 * The Blackmagic probe of one path: polls the REST API at the probe interval
 * (GET /system/product is the liveness and latency probe) and, when the camera
 * offers it, holds its event WebSocket for live recording, media and timecode
 * changes. There is no heartbeat to miss: a path is down after K failed polls,
 * or at once when an open WebSocket drops or stops answering pings.
 */
import WebSocket from 'ws';
import { type Clock, systemClock, type TimerHandle } from '../../clock.ts';
import { describeSocketError, ProbeError, probeGet } from '../../probes/http-get.ts';
import { PollLoop } from '../../probes/poll-loop.ts';
import type { ProbeFailure } from '../../probes/path-machine.ts';
import { type ProbeRunner, pollAgentsOf, type RunnerDeps } from '../../probes/runner.ts';
import { hostPort } from '../../probes/targets.ts';
import { buildLook, LOOK_BY_PROPERTY, LOOK_KEYS, LOOK_READS, type LookAnswers, type LookKey } from './look.ts';
import { applyReading, BLACKMAGIC_READS, type BlackmagicReadings, emptyReadings, type ReadingKey, toNodeStatus } from './read.ts';

/** Largest WebSocket message accepted; a bigger one closes the socket (1009) and the path goes down. */
export const MAX_WS_MESSAGE = 64 * 1024;
const MAX_BACKOFF_MS = 2000;
/**
 * A socket open this long was healthy: only then is the back-off reset. One
 * that breaks sooner (a camera that accepts and drops at once) is a flap: the
 * first is reported, later ones are not (the polls judge the path), and the
 * back-off keeps growing to MAX_FLAP_BACKOFF_MS, so a flapping camera costs a
 * few reconnects and one transition, not hundreds.
 */
export const WS_HEALTHY_MS = 10_000;
const MAX_FLAP_BACKOFF_MS = 30_000;
/** A camera whose firmware has no event WebSocket is asked again this often (a firmware update may add it). */
const NO_WEBSOCKET_RETRY_MS = 30_000;
/**
 * After a phone's video format changes it may not answer for a few seconds
 * (Blackmagic Camera, docs/camera-api.md "Availability"): failures inside this
 * grace are not reported, so a format change raises nothing.
 */
export const FORMAT_CHANGE_GRACE_MS = 10_000;
const VIDEO_FORMAT = '/system/videoFormat';
/** Look readings are polled at most this often when no WebSocket pushes them (every request to a phone is a TLS handshake). */
export const LOOK_POLL_MS = 10_000;
/** An endpoint the camera answered 404/501 to is asked again this rarely (a firmware or app update may add it). */
export const NOT_OFFERED_RETRY_MS = 300_000;

/**
 * A refusal or reset from an https Blackmagic service (an iPhone running
 * Blackmagic Camera) proves the phone is there: the app is off screen, so its
 * server is closed. Said as its own category, `app_closed`, not a lost path.
 */
export function classifyPhoneFailure(f: ProbeFailure, https: boolean): ProbeFailure {
  if (!https || (f.category !== 'refused' && f.category !== 'reset')) return f;
  return { ...f, reason: `${f.reason}: Blackmagic Camera is not on screen`, category: 'app_closed', immediate: true };
}

const BY_PROPERTY = new Map(Object.entries(BLACKMAGIC_READS).map(([k, p]) => [p as string, k as ReadingKey]));
const POLL_ALL: ReadingKey[] = ['product', 'recording', 'media', 'power', 'timecode'];
// /camera/power is not among the WebSocket's listed properties: polled even while the socket pushes the rest.
const POLL_WITH_SOCKET: ReadingKey[] = ['product', 'power'];

/** Poll + event WebSocket prober of one Blackmagic camera path. */
export class BlackmagicRunner implements ProbeRunner {
  private stopped = false;
  private readonly polls: PollLoop;
  private wsTimer: TimerHandle | null = null;
  private pingTimer: TimerHandle | null = null;
  private ws: WebSocket | null = null;
  /** True while a WebSocket is open and subscribed: polls then read only what it does not push. */
  private live = false;
  private backoffMs = 100;
  /** The last socket broke before it was healthy. */
  private flapping = false;
  private readonly clock: Clock;
  private readonly healthyMs: number;
  private readonly readings: BlackmagicReadings = emptyReadings();
  /** The video format last heard of, and until when failures are forgiven after it changed. */
  private videoFormat: string | null = null;
  private graceUntil = 0;
  /** Look answers as last heard, the endpoints this camera lacks (and when they were asked), the last look poll. */
  private readonly look: LookAnswers = {};
  private readonly lookMissing = new Map<LookKey, number>();
  private lookPolledAt = -Infinity;

  /** `timing`: the clock of the WebSocket's reconnects and pings, and how long a socket must live to count as healthy (tests). */
  constructor(private readonly deps: RunnerDeps, timing: { clock?: Clock; healthyMs?: number } = {}) {
    this.clock = timing.clock ?? deps.scheduler ?? systemClock;
    this.healthyMs = timing.healthyMs ?? WS_HEALTHY_MS;
    this.polls = new PollLoop({ intervalMs: deps.target.intervalMs, limit: deps.limit, once: () => this.pollOnce(), clock: deps.scheduler });
  }

  start(initialDelayMs: number): void {
    this.wsTimer = this.clock.setTimeout(() => this.connect(), initialDelayMs);
    this.polls.start(initialDelayMs + Math.random() * Math.min(this.deps.target.intervalMs, 1000));
  }

  stop(): void {
    this.stopped = true;
    this.polls.stop();
    for (const t of [this.wsTimer, this.pingTimer]) if (t) this.clock.clearTimeout(t);
    this.ws?.terminate();
    this.ws = null;
  }

  probeNow(): void {
    if (!this.stopped) this.polls.now();
  }

  private get(endpoint: string) {
    const { target, timeoutMs } = this.deps;
    return probeGet({ target, path: `${target.path}${endpoint}`, timeoutMs, agents: pollAgentsOf(this.deps) });
  }

  private async pollOnce(): Promise<void> {
    const { target, sink } = this.deps;
    try {
      let latencyMs = 0;
      // With the socket live, what it pushes is not polled again, unless it never gave a value.
      const keys = this.live ? POLL_ALL.filter((k) => POLL_WITH_SOCKET.includes(k) || this.readings[k] === null) : POLL_ALL;
      for (const key of keys) {
        const endpoint = BLACKMAGIC_READS[key];
        const answer = await this.get(endpoint);
        if (this.stopped) return;
        if (key === 'product') latencyMs = answer.latencyMs;
        // Power and timecode are optional features (404/501 on cameras without them); the product and the record state are not.
        const required = key === 'product' || key === 'recording';
        if (answer.status !== 200) {
          if (required) return sink.fail({ reason: `HTTP ${answer.status} from ${target.path}${endpoint}`, category: 'http_error', immediate: false });
          continue;
        }
        let value: unknown;
        try {
          value = JSON.parse(answer.body);
        } catch {
          value = undefined;
        }
        if (!applyReading(this.readings, key, value) && required) {
          return sink.fail({ reason: `unreadable answer from ${target.path}${endpoint} (not a Blackmagic camera answer)`, category: 'bad_answer', immediate: false });
        }
      }
      await this.pollLook();
      if (this.stopped) return;
      sink.ok(latencyMs, `HTTP 200 from ${target.path}${BLACKMAGIC_READS.product}`);
      this.publish();
    } catch (err) {
      if (this.stopped || this.clock.now() < this.graceUntil) return;
      sink.fail(classifyPhoneFailure(err instanceof ProbeError ? err.failure : describeSocketError(err as NodeJS.ErrnoException, target, false), target.https));
    }
  }

  /** The look endpoints that are due: all of them without a live socket (at most every LOOK_POLL_MS), else only what it never gave. */
  private async pollLook(): Promise<void> {
    const now = this.clock.now();
    const due = LOOK_KEYS.filter((k) => {
      const missingSince = this.lookMissing.get(k);
      if (missingSince !== undefined) return now - missingSince >= NOT_OFFERED_RETRY_MS;
      if (this.live) return this.look[k] === undefined && now - this.lookPolledAt >= LOOK_POLL_MS;
      return now - this.lookPolledAt >= LOOK_POLL_MS;
    });
    if (!due.length) return;
    this.lookPolledAt = now;
    for (const key of due) {
      const answer = await this.get(LOOK_READS[key]);
      if (this.stopped) return;
      // 404 (phones) or 501 (studio cameras): not on this camera. Anything else unreadable keeps the last value.
      if (answer.status === 404 || answer.status === 501) {
        this.lookMissing.set(key, now);
        delete this.look[key];
        continue;
      }
      if (answer.status !== 200) continue;
      this.lookMissing.delete(key);
      try {
        this.look[key] = JSON.parse(answer.body);
      } catch {
        // A garbled look answer is ignored; the liveness verdict belongs to the product poll.
      }
      if (key === 'videoFormat') this.noteVideoFormat(this.look[key]);
    }
  }

  /** A look property heard on the event WebSocket. */
  private noteLook(property: string, value: unknown): boolean {
    const key = LOOK_BY_PROPERTY.get(property);
    if (!key || value === undefined) return false;
    this.look[key] = value;
    this.lookMissing.delete(key);
    return true;
  }

  /** A video format reading: a change starts the grace. */
  private noteVideoFormat(value: unknown): void {
    const name = value && typeof value === 'object' ? (value as { name?: unknown }).name : undefined;
    if (typeof name !== 'string') return;
    if (this.videoFormat !== null && name.slice(0, 64) !== this.videoFormat) this.graceUntil = this.clock.now() + FORMAT_CHANGE_GRACE_MS;
    this.videoFormat = name.slice(0, 64);
  }

  private publish(): void {
    const status = toNodeStatus(this.readings);
    if (!status) return;
    const heard = Object.keys(this.look).length > 0 || this.lookMissing.size > 0;
    this.deps.sink.status(heard ? { ...status, look: buildLook(this.look, this.lookMissing.keys()) } : status);
  }

  private connect(): void {
    if (this.stopped) return;
    const { target, sink, timeoutMs, heartbeatFactor } = this.deps;
    const url = `${target.https ? 'wss' : 'ws'}://${hostPort(target)}${target.path}/event/websocket`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, {
        handshakeTimeout: timeoutMs, maxPayload: MAX_WS_MESSAGE, followRedirects: false, perMessageDeflate: false,
        // wss goes through the path's pinned-certificate agent (src/topology/trust/), like every https connection.
        ...(target.https ? { agent: this.deps.tlsStreamAgent } : {}),
      });
    } catch {
      // An address no WebSocket URL can carry: polls alone judge this path.
      return;
    }
    this.ws = ws;
    const now = () => this.clock.now();
    let opened = false;
    let openedAt = 0;
    let ended = false;
    let lastHeard = now();
    let lastReported = 0;
    let retryMs: number | null = null;
    const end = (reason: string, category: string, cause?: ProbeFailure) => {
      if (ended) return;
      ended = true;
      this.live = false;
      if (this.pingTimer) this.clock.clearTimeout(this.pingTimer);
      ws.terminate();
      if (this.stopped) return;
      const healthy = opened && now() - openedAt >= this.healthyMs;
      const young = opened && !healthy;
      const wasFlapping = this.flapping;
      if (healthy) {
        this.backoffMs = 100;
        this.flapping = false;
      } else if (young) this.flapping = true;
      const phoneAnswered = cause && target.https ? classifyPhoneFailure(cause, true) : null;
      if (this.clock.now() < this.graceUntil) {
        // a format change: the phone may be quiet for a few seconds, nothing to report
      } else if (phoneAnswered?.category === 'app_closed') {
        // The phone refused or reset the socket (even one that never opened): the app is off screen, said at once.
        sink.fail(phoneAnswered);
      } else if (opened && target.https && category === 'stream_closed') {
        // A phone's socket closed: a close came back, so the phone is there. A poll now says whether the app is (up) or not (refused: app_closed), rather than calling it lost.
        this.polls.now();
      } else if (healthy || (young && !wasFlapping)) {
        // Only a socket that was open is evidence (one that never opened leaves the verdict to the polls),
        // and of a flapping camera only the first break: the polls judge the rest.
        sink.fail({ reason, category, immediate: true, source: 'stream' });
      }
      const delay = retryMs ?? this.backoffMs * (0.8 + Math.random() * 0.4);
      if (retryMs === null) this.backoffMs = Math.min(this.backoffMs * 2, this.flapping ? MAX_FLAP_BACKOFF_MS : MAX_BACKOFF_MS);
      this.wsTimer = this.clock.setTimeout(() => this.connect(), delay);
    };
    ws.on('unexpected-response', (req, res) => {
      // The camera answered the upgrade with plain HTTP: no event WebSocket on this firmware. Polls carry it.
      res.resume();
      req.destroy();
      retryMs = NO_WEBSOCKET_RETRY_MS;
      end(`HTTP ${res.statusCode} to the event WebSocket upgrade`, 'http_error');
    });
    ws.on('open', () => {
      opened = true;
      openedAt = now();
      lastHeard = openedAt;
      // The back-off is reset only when this socket proves healthy (see WS_HEALTHY_MS), not on open.
      ws.send(JSON.stringify({ type: 'request', data: { action: 'subscribe', properties: [...new Set([...Object.values(BLACKMAGIC_READS), ...Object.values(LOOK_READS), VIDEO_FORMAT])] } }));
      // Liveness of an open socket: pings at the heartbeat rate asked of camera nodes (a ping rides the open socket:
      // no handshake), else the probe interval; silence past the heartbeat factor ends it. A phone that walks away is silent.
      const every = Math.max(250, this.deps.heartbeatMs ? Math.min(this.deps.heartbeatMs, target.intervalMs) : target.intervalMs);
      const limit = heartbeatFactor * every;
      const tick = () => {
        // Judged after the I/O phase, so a pong read late after an event-loop stall still counts.
        setImmediate(() => {
          if (ended) return;
          const silent = now() - lastHeard;
          if (silent > limit) return end(`event WebSocket silent for ${(silent / 1000).toFixed(1)} s`, 'heartbeat_silent');
          ws.ping();
          this.pingTimer = this.clock.setTimeout(tick, every);
        });
      };
      this.pingTimer = this.clock.setTimeout(tick, every);
    });
    ws.on('pong', () => {
      lastHeard = now();
      sink.heartbeat(lastHeard);
    });
    ws.on('message', (data, isBinary) => {
      if (ended || this.stopped) return;
      lastHeard = now();
      if (isBinary || !this.onMessage(data.toString())) return end(`garbled message on the event WebSocket of ${hostPort(target)} (not JSON)`, 'bad_answer');
      // A camera may push its timecode every frame: the path hears of it at most once a second.
      if (lastHeard - lastReported < 1000) return;
      lastReported = lastHeard;
      sink.heartbeat(lastHeard);
      sink.ok(null, 'event WebSocket message', 'stream');
    });
    ws.on('error', (err: NodeJS.ErrnoException) => {
      const tooBig = err.message.includes('Max payload size exceeded');
      const cause = tooBig ? undefined : describeSocketError(err, target, true);
      end(tooBig ? `event WebSocket message larger than ${MAX_WS_MESSAGE / 1024} KB from ${hostPort(target)}` : cause!.reason, tooBig ? 'bad_answer' : 'stream_closed', cause);
    });
    ws.on('close', (code) => end(`event WebSocket of ${hostPort(target)} closed${code === 1009 ? ' (message too large)' : ''}`, 'stream_closed'));
  }

  /** One message of the event WebSocket; false when it is not JSON. */
  private onMessage(text: string): boolean {
    let msg: { type?: unknown; data?: { action?: unknown; property?: unknown; value?: unknown; values?: unknown } };
    try {
      msg = JSON.parse(text);
    } catch {
      return false;
    }
    if (!msg || typeof msg !== 'object') return false;
    const data = msg.data && typeof msg.data === 'object' ? msg.data : {};
    if (msg.type === 'response' && data.action === 'subscribe') {
      this.live = true;
      const values = data.values && typeof data.values === 'object' ? (data.values as Record<string, unknown>) : {};
      // The answer lists the properties the camera has: a look property it left out is not on this camera.
      const accepted = Array.isArray((data as { properties?: unknown }).properties) ? new Set(((data as { properties: unknown[] }).properties).slice(0, 256)) : null;
      if (accepted) {
        for (const key of LOOK_KEYS) {
          if (accepted.has(LOOK_READS[key])) continue;
          this.lookMissing.set(key, this.clock.now());
          delete this.look[key];
        }
      }
      for (const [property, value] of Object.entries(values).slice(0, 32)) {
        if (property === VIDEO_FORMAT) this.noteVideoFormat(value);
        this.noteLook(property, value);
        const key = BY_PROPERTY.get(property);
        if (key) applyReading(this.readings, key, value);
      }
      this.publish();
    } else if (msg.type === 'event' && data.action === 'propertyValueChanged' && typeof data.property === 'string') {
      if (data.property === VIDEO_FORMAT) this.noteVideoFormat(data.value);
      const looked = this.noteLook(data.property, data.value);
      const key = BY_PROPERTY.get(data.property);
      if ((key && applyReading(this.readings, key, data.value)) || looked) this.publish();
    }
    return true;
  }
}
