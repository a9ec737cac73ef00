/**
 * The livestream half of a simulated phone running Blackmagic Camera, from the
 * public description (solid174/obs-bmagicam docs/camera-api.md, "Livestream to
 * OBS"): custom destinations uploaded as Blackmagic Streaming XML and stored as
 * `<service name> SRT`, the active platform, `available` with its reasons,
 * start/stop answering `200 true`, and `/livestreams/0` going Idle →
 * Connecting → Streaming with bitrate, duration, cache and the effective video
 * format. Streaming runs a real ffmpeg SRT caller (./srt-caller.ts). Faults:
 * refuse (unsupported-format), drop (the connection breaks, the phone calls
 * again), stall (nothing leaves, the send buffer climbs).
 */
import { parsePlatformXml, type CustomPlatform } from './platform-xml.ts';
import { callableSrtUrl, formatName, type SimStreamFormat, SIM_STREAM_SMALL, SrtCaller } from './srt-caller.ts';

/** A livestream fault of a simulated phone. */
export type StreamFault = 'none' | 'refuse' | 'drop' | 'stall';

/** The built-in destinations of the test phone; they have no profiles. */
const BUILT_IN = ['Blackmagic Cloud BMC', 'YouTube RTMP', 'Twitch RTMP', 'Vimeo RTMP', 'Vimeo SRT'];
const MAX_CUSTOM = 20;
/** How often a dropped phone calls again, and how many times before it gives up (Idle). */
const RETRY_MS = 1000;
const MAX_RETRIES = 120;

type Answer = { status: number; body?: unknown };
type Active = { platform: string; server: string; quality: string };

/** One phone's livestream. */
export class PhoneLivestream {
  status: 'Idle' | 'Connecting' | 'Streaming' = 'Idle';
  fault: StreamFault = 'none';
  readonly custom = new Map<string, CustomPlatform>();
  active: Active = { platform: 'YouTube RTMP', server: 'Primary', quality: 'Streaming High' };
  private caller: SrtCaller | null = null;
  private startedAt = 0;
  private cache = 0;
  private retries = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private stallTimer: NodeJS.Timeout | null = null;
  /** Callers started since creation (tests: one phone stream for all viewers). */
  callersStarted = 0;

  constructor(private readonly format: SimStreamFormat = SIM_STREAM_SMALL, private readonly now: () => number = Date.now) {}

  /** The answer to a /livestreams request (`path` after the API base), or null when it is not one. */
  answer(method: string, path: string, body: string): Answer | null {
    if (!path.startsWith('/livestreams')) return null;
    const get = method === 'GET' || method === 'HEAD';
    const custom = /^\/livestreams\/customPlatforms\/([^/]+)$/.exec(path);
    if (custom) return this.customPlatform(method, decodeURIComponent(custom[1]!), body);
    switch (`${get ? 'GET' : method} ${path}`) {
      case 'GET /livestreams/0': return { status: 200, body: this.state() };
      case 'GET /livestreams/0/activePlatform': return { status: 200, body: { ...this.active, url: this.urlOf(this.active) ?? '' } };
      case 'PUT /livestreams/0/activePlatform': return this.select(body);
      case 'GET /livestreams/0/available': return { status: 200, body: this.available() };
      case 'PUT /livestreams/0/start': return this.start();
      case 'PUT /livestreams/0/stop': return void this.stop(), { status: 200, body: true };
      case 'GET /livestreams/customPlatforms': return { status: 200, body: { platforms: [...this.custom.keys()] } };
      case 'GET /livestreams/platforms': return { status: 200, body: { platforms: [...BUILT_IN, ...this.custom.keys()] } };
      default: return { status: 404 };
    }
  }

  /** `GET /livestreams/0`. */
  state() {
    const streaming = this.status === 'Streaming';
    return {
      status: this.status,
      bitrate: streaming && this.fault !== 'stall' ? this.caller?.progress.bitrate ?? 0 : 0,
      duration: this.status === 'Idle' ? 0 : Math.floor((this.now() - this.startedAt) / 1000),
      cache: Math.round(this.cache),
      effectiveVideoFormat: this.status === 'Idle' ? '' : formatName(this.format),
      codec: 'H.264',
    };
  }

  /** Set a fault; 'none' clears it (a stalled stream flows again, a dropped one calls again). */
  setFault(fault: StreamFault): void {
    const was = this.fault;
    this.fault = fault;
    if (fault === 'stall' && this.caller) {
      this.caller.pause();
      this.stallTimer ??= setInterval(() => {
        // The send buffer fills while nothing leaves: about 20 % a second.
        this.cache = Math.min(100, this.cache + 20);
      }, 1000);
      this.stallTimer.unref?.();
    }
    if (was === 'stall' && fault !== 'stall') {
      if (this.stallTimer) clearInterval(this.stallTimer);
      this.stallTimer = null;
      this.cache = 0;
      this.caller?.resume();
    }
    if (fault === 'drop' && this.status !== 'Idle') {
      // The connection breaks (a Wi-Fi hiccup): the caller ends; the phone calls again once the fault is cleared.
      this.status = 'Connecting';
      void this.caller?.stop();
    }
    if (was === 'drop' && fault === 'none' && this.status === 'Connecting' && !this.caller) this.call();
  }

  /** Stop everything (the phone's listener closing, the simulator ending). */
  async close(): Promise<void> {
    await this.stop();
    if (this.stallTimer) clearInterval(this.stallTimer);
    this.stallTimer = null;
  }

  private available(): { available: boolean; reasons: string[] } {
    if (this.fault === 'refuse') return { available: false, reasons: ['unsupported-format'] };
    if (!this.urlOf(this.active)) return { available: false, reasons: ['unexpected-reason'] };
    return { available: true, reasons: [] };
  }

  private customPlatform(method: string, name: string, body: string): Answer {
    if (method === 'PUT') {
      // The file name is not used afterwards: the phone stores the service name (+ " SRT").
      const p = parsePlatformXml(body);
      if (!p) return { status: 400 };
      if (!this.custom.has(p.name) && this.custom.size >= MAX_CUSTOM) return { status: 409 };
      this.custom.set(p.name, p);
      return { status: 204 };
    }
    const p = this.custom.get(name);
    if (!p) return { status: 404 };
    if (method === 'GET' || method === 'HEAD') return { status: 200, body: { name: p.name, servers: p.servers, profiles: p.profiles } };
    if (method === 'DELETE') {
      if (this.active.platform === p.name && this.status !== 'Idle') return { status: 409 };
      this.custom.delete(name);
      return { status: 204 };
    }
    return { status: 404 };
  }

  private select(body: string): Answer {
    let v: Partial<Active>;
    try {
      v = JSON.parse(body) as Partial<Active>;
    } catch {
      return { status: 400 };
    }
    if (!v || typeof v.platform !== 'string') return { status: 400 };
    if (this.status !== 'Idle') return { status: 409 };
    // The bare service name is accepted too.
    const platform = this.custom.has(v.platform) ? v.platform : this.custom.has(`${v.platform} SRT`) ? `${v.platform} SRT` : BUILT_IN.includes(v.platform) ? v.platform : null;
    if (!platform) return { status: 400 };
    const p = this.custom.get(platform);
    const server = typeof v.server === 'string' ? v.server : p?.servers[0]?.name ?? '';
    if (p && !p.servers.some((s) => s.name === server)) return { status: 400 };
    this.active = { platform, server, quality: typeof v.quality === 'string' ? v.quality.slice(0, 100) : p?.profiles[0] ?? '' };
    return { status: 204 };
  }

  private urlOf(a: Active): string | null {
    return this.custom.get(a.platform)?.servers.find((s) => s.name === a.server)?.url ?? null;
  }

  private start(): Answer {
    if (this.status !== 'Idle') return { status: 200, body: true };
    if (!this.available().available) return { status: 409, body: false };
    this.status = 'Connecting';
    this.startedAt = this.now();
    this.retries = 0;
    this.cache = 0;
    this.call();
    return { status: 200, body: true };
  }

  private call(): void {
    // A dropped phone does not get through until the fault is cleared.
    if (this.status === 'Idle' || this.caller || this.fault === 'drop') return;
    const target = callableSrtUrl(this.urlOf(this.active) ?? '');
    if (!target) {
      // The simulator only calls loopback SRT listeners: a destination elsewhere never connects.
      this.status = 'Connecting';
      return;
    }
    this.callersStarted++;
    const caller: SrtCaller = new SrtCaller(target, this.format, {
      onProgress: (p) => {
        if (this.caller === caller && p.frames > 0 && this.status === 'Connecting') this.status = 'Streaming';
        if (this.caller === caller && this.fault !== 'stall') this.cache = (p.frames % 5) * 0.6; // a healthy link keeps the buffer near empty
      },
      onExit: () => {
        if (this.caller !== caller) return;
        this.caller = null;
        if (this.status === 'Idle') return;
        this.status = 'Connecting';
        if (this.fault === 'drop') return; // calls again when the fault is cleared
        if (++this.retries > MAX_RETRIES) return void this.stop();
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.call();
        }, RETRY_MS);
        this.retryTimer.unref?.();
      },
    });
    this.caller = caller;
    if (this.fault === 'stall') caller.pause();
  }

  private async stop(): Promise<void> {
    this.status = 'Idle';
    this.cache = 0;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const c = this.caller;
    this.caller = null;
    await c?.stop();
  }
}
