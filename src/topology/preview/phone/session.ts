/**
 * One phone's live preview: rigmap becomes the phone's SRT destination while
 * someone watches, and puts everything back when nobody has for a while.
 *
 * Start: the phone must be Idle (a stream the crew started is never touched),
 * the previously active platform is remembered, rigmap's listener starts, the
 * custom destination is uploaded and selected, `available` is checked and the
 * stream started. Frames go to every attached output (the preview hub holds one
 * per phone, shared by all its viewers). Health (status, bitrate, cache,
 * format) is polled while it runs. The last output gone for `lingerMs` → stop,
 * restore the previous platform, delete ours, kill ffmpeg. A receiver that
 * ends is started again on the same port (the phone calls again), within bounds.
 */
import type { Clock, TimerHandle } from '../../clock.ts';
import { RigmapError } from '../../errors.ts';
import { type ActivePlatform, type LivestreamApi, type LivestreamState } from './livestream-api.ts';
import { PREVIEW_PLATFORM, PREVIEW_PROFILE, PREVIEW_SERVER, previewPlatformXml } from './platform-xml.ts';
import { SrtReceiver } from './srt-receiver.ts';

/** Where a phone's preview is. */
export type PhonePreviewState = 'starting' | 'streaming' | 'lingering' | 'stopping' | 'stopped' | 'failed';

/** Health as the panel shows it. */
export interface PhoneStreamHealth extends LivestreamState {
  /** Words for the tile when the stream is not well (Connecting or cache > 80 % for 10 s), else null. */
  warning: string | null;
}

/** Tunables (tests shrink them). */
export interface SessionTiming {
  lingerMs: number;
  healthEveryMs: number;
  /** How long Connecting or a full cache lasts before the tile says so. */
  warnAfterMs: number;
  /** Receivers that end without a frame, in a row, before the preview is given up. */
  maxBarrenRestarts: number;
}

export const SESSION_TIMING: SessionTiming = { lingerMs: 30_000, healthEveryMs: 2000, warnAfterMs: 10_000, maxBarrenRestarts: 5 };

const CACHE_WARN = 80;
const UPLOAD_FILE = 'rigmap-preview.xml';

/** Crew words for the phone's reasons it cannot stream. */
const REASONS: Record<string, string> = {
  'unsupported-format': "the phone's current video format cannot be livestreamed (unsupported-format): pick another format in Blackmagic Camera",
  'not-supported': 'this phone cannot livestream (not-supported)',
  'in-playback': 'the phone is playing back a clip (in-playback): return to the camera view',
  'pending-format-transition': 'the phone is changing its video format (pending-format-transition): try again in a few seconds',
};

export interface SessionDeps {
  deviceId: string;
  api: LivestreamApi;
  ffmpeg: string;
  /** rigmap's address on the phone's path, where ffmpeg listens. */
  listenAddress: string;
  port: number;
  clock: Clock;
  timing: SessionTiming;
  onFrame: (jpeg: Buffer) => void;
  /** The session ended (stopped or failed): the manager forgets it and ends its outputs. */
  onEnd: (why: string | null) => void;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export class PhoneSession {
  state: PhonePreviewState = 'starting';
  health: PhoneStreamHealth | null = null;
  /** Why it failed or stopped, for the tile. */
  message: string | null = null;
  private previous: ActivePlatform | null = null;
  private receiver: SrtReceiver | null = null;
  private barren = 0;
  private outputs = 0;
  private lingerTimer: TimerHandle | null = null;
  private healthTimer: TimerHandle | null = null;
  private badSince: number | null = null;
  private uploaded = false;
  private selected = false;
  private ended = false;
  private stopping: Promise<void> | null = null;
  /** Requests to the phone in flight (a teardown waits for them: nothing touches the phone, or the pins, after it). */
  private readonly inflight = new Set<Promise<unknown>>();
  readonly ready: Promise<void>;

  constructor(private readonly d: SessionDeps) {
    this.ready = this.start();
  }

  /** Receiver processes started (1 + restarts). */
  receiversStarted = 0;

  /** The process id of the receiver now (tests). */
  get receiverPid(): number | undefined {
    return this.receiver?.running ? this.receiver.pid : undefined;
  }

  /** An output joined (the hub opened the phone's preview). */
  attach(): void {
    this.outputs++;
    if (this.lingerTimer !== null) this.d.clock.clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (this.state === 'lingering') this.state = 'streaming';
  }

  /** An output left; the last one starts the linger. */
  detach(): void {
    this.outputs = Math.max(0, this.outputs - 1);
    if (this.outputs > 0 || this.ended) return;
    if (this.state === 'streaming') this.state = 'lingering';
    this.lingerTimer = this.d.clock.setTimeout(() => {
      this.lingerTimer = null;
      if (this.outputs === 0) void this.stop(null);
    }, this.d.timing.lingerMs);
  }

  private async start(): Promise<void> {
    const { api, deviceId } = this.d;
    let active: ActivePlatform | null;
    try {
      const live = await api.state();
      active = await api.activePlatform();
      if (live.status !== 'Idle') {
        if (active?.platform !== PREVIEW_PLATFORM) {
          this.end('stopped', 'streaming elsewhere');
          throw new RigmapError('conflict', `${deviceId} is streaming elsewhere${active ? ` (to "${active.platform}")` : ''}: rigmap leaves a stream the crew started alone`, { deviceId, streamingElsewhere: true });
        }
        // Ours, left running by an earlier rigmap: stop it and start afresh.
        await api.stop();
      }
    } catch (err) {
      // Nothing changed on the phone yet: end here, so the next viewer asks again.
      this.end('failed', (err as Error).message);
      throw err;
    }
    this.previous = active && active.platform !== PREVIEW_PLATFORM ? active : null;
    try {
      // Listening before the phone is told: an SRT caller that comes early repeats its handshake until ffmpeg answers
      // (measured: waiting for the bind made the first frame later, not sooner).
      this.listen();
      await api.uploadPlatform(UPLOAD_FILE, previewPlatformXml(`srt://${this.d.listenAddress}:${this.d.port}`));
      this.uploaded = true;
      await api.selectPlatform({ platform: PREVIEW_PLATFORM, server: PREVIEW_SERVER, quality: PREVIEW_PROFILE.name });
      this.selected = true;
      const can = await api.available();
      if (!can.available) {
        const why = can.reasons.map((r) => REASONS[r] ?? r).join('; ') || 'it gave no reason';
        throw new RigmapError('unsupported_format', `${deviceId} cannot livestream now: ${why}`, { deviceId, reasons: can.reasons });
      }
      await api.start();
    } catch (err) {
      await this.teardown((err as Error).message, 'failed');
      throw err;
    }
    if (this.ended) throw new RigmapError('upstream_failed', `the live preview of ${deviceId} ended while starting: ${this.message ?? 'stopped'}`);
    this.state = this.outputs > 0 ? 'streaming' : 'lingering';
    this.healthTimer = this.d.clock.setInterval(() => void this.pollHealth(), this.d.timing.healthEveryMs);
    void this.pollHealth();
  }

  private listen(): void {
    if (this.ended || this.state === 'stopping') return;
    this.receiversStarted++;
    this.receiver = new SrtReceiver({
      ffmpeg: this.d.ffmpeg, address: this.d.listenAddress, port: this.d.port,
      onFrame: (jpeg) => {
        this.barren = 0;
        this.d.onFrame(jpeg);
      },
      onExit: (why, frames) => {
        this.receiver = null;
        if (this.ended || this.state === 'stopping') return;
        if (frames === 0) this.barren++;
        this.d.log?.('phone preview receiver ended', { deviceId: this.d.deviceId, why, frames });
        if (this.barren > this.d.timing.maxBarrenRestarts) return void this.teardown(`the phone's stream could not be received (${why})`, 'failed');
        // The phone calls again after a drop: listen again on the same port, at once.
        this.listen();
      },
    });
  }

  private async pollHealth(): Promise<void> {
    if (this.ended || this.state === 'stopping') return;
    let s: LivestreamState;
    const asked = this.d.api.state();
    this.inflight.add(asked);
    try {
      s = await asked;
    } catch {
      return; // a missed poll is not news; the probe engine says when the phone is gone
    } finally {
      this.inflight.delete(asked);
    }
    if (this.ended) return;
    if (s.status === 'Idle' && this.state !== 'starting') return void this.teardown('the phone stopped the stream', 'stopped');
    const bad = s.status === 'Connecting' || s.cache > CACHE_WARN;
    const now = this.d.clock.now();
    if (!bad) this.badSince = null;
    else this.badSince ??= now;
    const long = this.badSince !== null && now - this.badSince >= this.d.timing.warnAfterMs;
    const warning = !long ? null : s.status === 'Connecting' ? 'reconnecting: the phone lost its stream to rigmap' : `stream struggling: the phone's send buffer is ${Math.round(s.cache)} % full`;
    this.health = { ...s, warning };
  }

  /** Stop the phone's stream and undo rigmap's changes (after a start in progress settles); never throws. */
  async stop(why: string | null, final: 'stopped' | 'failed' = why ? 'failed' : 'stopped'): Promise<void> {
    await this.ready.catch(() => {});
    await this.teardown(why, final);
  }

  private teardown(why: string | null, final: 'stopped' | 'failed'): Promise<void> {
    // One teardown; a second caller (server shutdown during a linger stop) waits for the same one.
    this.stopping ??= this.undo(why, final);
    return this.stopping;
  }

  private async undo(why: string | null, final: 'stopped' | 'failed'): Promise<void> {
    if (this.ended) return;
    this.state = 'stopping';
    if (this.lingerTimer !== null) this.d.clock.clearTimeout(this.lingerTimer);
    if (this.healthTimer !== null) this.d.clock.clearInterval(this.healthTimer);
    await Promise.allSettled([...this.inflight]);
    const { api } = this.d;
    const quiet = async (what: string, f: () => Promise<void>) => {
      try {
        await f();
      } catch (err) {
        this.d.log?.(`phone preview: could not ${what}`, { deviceId: this.d.deviceId, error: (err as Error).message });
      }
    };
    if (this.selected) await quiet('stop the stream', () => api.stop());
    if (this.selected && this.previous) await quiet('restore the previous destination', () => api.selectPlatform(this.previous!));
    if (this.uploaded) await quiet('delete its destination', () => api.deletePlatform(PREVIEW_PLATFORM));
    await this.receiver?.stop();
    this.end(final, why);
  }

  private end(final: 'stopped' | 'failed', why: string | null): void {
    if (this.ended) return;
    this.ended = true;
    this.state = final;
    this.message = why;
    this.d.onEnd(why);
  }
}
