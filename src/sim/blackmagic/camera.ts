/**
 * The state of one simulated Blackmagic camera, shaped like the answers of the
 * Camera Control REST API (test/fixtures/blackmagic/*.yaml): product, transport,
 * media working set, power, timecode, tally. Time moves on in `step`: recording
 * fills the card, the battery drains unless on AC, the timecode runs.
 */

import { SimLook, type SimLookEndpoint } from '../look.ts';

/** Frames per second of the simulated timecode. */
const FPS = 25;
/** Blackmagic RAW 8:1 at 6K is about 60 MB/s. */
const BYTES_PER_SEC = 60_000_000;
const CARD_BYTES = 512_000_000_000;

/** Settings of one simulated camera. */
export interface BlackmagicCameraSpec {
  id: string;
  deviceName: string;
  index: number;
  /** A phone running Blackmagic Camera names itself differently ("iPhone 17 Pro", app "3.5.100017"). */
  productName?: string;
  softwareVersion?: string;
}

/** A property change, named as the event WebSocket names it. */
export type PropertyListener = (property: string, value: unknown) => void;

/** One simulated camera. */
export class BlackmagicCamera {
  readonly productName: string;
  readonly softwareVersion: string;
  recording = false;
  clipName: string | null = null;
  /** The slate the last clip was recorded with (null: none). */
  lastSlate: { scene: string; take: number; reel: number } | null = null;
  clipCount: number;
  remainingSpace: number;
  readonly totalSpace = CARD_BYTES;
  /** Charge 0-100; drains 10 %/hour on battery. Cameras bmd-02, bmd-04 … are on AC. */
  batteryPercent: number;
  powerSource: 'Battery' | 'AC' = 'Battery';
  tally: 'None' | 'Preview' | 'Program' = 'None';
  /** Format, ISO, shutter, white balance, auto exposure, focus, slate (src/sim/look.ts). */
  readonly look: SimLook;
  private tallyUntil = 0;
  private last: number;
  private readonly startedAt: number;
  readonly listeners = new Set<PropertyListener>();

  constructor(readonly spec: BlackmagicCameraSpec, now: number) {
    this.look = new SimLook(spec.productName ? 'phone' : 'studio');
    this.look.onChange = (what) => this.emitLook(what);
    this.productName = spec.productName ?? 'Blackmagic PYXIS 6K';
    this.softwareVersion = spec.softwareVersion ?? '9.2';
    this.last = now;
    this.startedAt = now - spec.index * 7_000;
    this.clipCount = 3 + (spec.index % 5);
    this.remainingSpace = CARD_BYTES - this.clipCount * 4_000_000_000;
    this.batteryPercent = 90 - (spec.index * 7) % 40;
    // Every second camera runs on mains (a studio camera on its AC adapter), so a rig shows both.
    this.powerSource = spec.index % 2 === 1 ? 'AC' : 'Battery';
  }

  /** Advance time: card fills while recording, battery drains on battery power, tally reverts. */
  step(now: number): void {
    const dt = Math.max(0, now - this.last) / 1000;
    this.last = now;
    if (this.recording) {
      const before = this.remainingSpace;
      this.remainingSpace = Math.max(0, this.remainingSpace - dt * BYTES_PER_SEC);
      if (Math.floor(before / 1e9) !== Math.floor(this.remainingSpace / 1e9)) this.emit('/media/workingset', this.workingset());
      if (this.remainingSpace === 0) this.stop(); // card full
    }
    if (this.powerSource === 'Battery' && this.batteryPercent > 0) {
      const before = Math.floor(this.batteryPercent);
      this.batteryPercent = Math.max(0, this.batteryPercent - (dt * 10) / 3600);
      if (Math.floor(this.batteryPercent) !== before) this.emit('/camera/power', this.power());
    }
    if (this.tally !== 'None' && this.tallyUntil && now >= this.tallyUntil) this.tally = 'None';
  }

  /** POST /transports/0/record; false when it cannot record (card full). */
  record(clipName: string | null): boolean {
    if (this.remainingSpace < BYTES_PER_SEC) return false;
    if (!this.recording) {
      this.recording = true;
      this.clipName = clipName ?? `${this.spec.deviceName.replace(/\s+/g, '_')}_${String(this.clipCount + 1).padStart(3, '0')}.braw`;
      // The slate goes with the clip (its metadata); what was slated is kept for the control API.
      this.lastSlate = this.look.has('slate') ? { ...this.look.slate } : null;
      this.clipCount++;
      this.emitTransport();
    }
    return true;
  }

  /** POST /transports/0/stop. */
  stop(): void {
    if (!this.recording) return;
    this.recording = false;
    this.emitTransport();
    this.emit('/media/workingset', this.workingset());
  }

  /** GET /system/videoFormat's name (phones change it with the format-change fault). */
  get videoFormat(): string {
    return this.look.formatName;
  }

  /** A new video format, pushed as /system/videoFormat. */
  setVideoFormat(name: string): void {
    this.look.setFormat(name);
  }

  /** The answers of the look endpoints (GET bodies, WebSocket values), or undefined where this camera lacks it. */
  lookProperty(name: string): unknown {
    const l = this.look;
    const phone = l.kind === 'phone';
    switch (name) {
      case '/system/videoFormat':
        if (!l.has('videoFormat')) return undefined;
        // The phone answers the name alone (obs-bmagicam camera-api.md); studio cameras give the parts too.
        return phone ? { name: l.formatName } : { name: l.formatName, frameRate: l.frameRate, width: l.width, height: l.height, interlaced: l.interlaced };
      case '/system/format':
        return l.has('format') ? { codec: l.codec, frameRate: l.frameRate, recordResolution: { width: l.width, height: l.height }, offSpeedEnabled: false } : undefined;
      case '/system/dynamicRange':
        // Only the phone app has it (not in the studio cameras' SystemControl definitions).
        return phone && l.has('dynamicRange') ? { dynamicRange: l.dynamicRange } : undefined;
      case '/video/iso': return l.has('iso') ? { iso: l.iso } : undefined;
      case '/video/shutter': return l.has('shutter') ? { shutterSpeed: l.shutterSpeed, continuousShutterAutoExposure: l.autoExposure === 'Continuous' } : undefined;
      case '/video/whiteBalance': return l.has('whiteBalance') ? { whiteBalance: l.whiteBalance } : undefined;
      case '/video/whiteBalanceTint': return l.has('whiteBalanceTint') ? { whiteBalanceTint: l.whiteBalanceTint } : undefined;
      case '/video/autoExposure': return l.has('autoExposure') ? { mode: l.autoExposure } : undefined;
      case '/lens/focus/autoFocus':
        // Phones: {"enabled","mode","state"}; a studio camera's manual lens has no such endpoint.
        return phone && l.has('focus') ? { enabled: l.focusMode !== 'Manual', mode: l.focusMode === 'Manual' ? 'OneShot' : l.focusMode, state: 'Idle' } : undefined;
      default: return undefined;
    }
  }

  /** The slate of the next clip (SlateControl SlateData), undefined where there is none. */
  nextSlate(): unknown {
    if (!this.look.has('slate')) return undefined;
    const s = this.look.slate;
    return { clip: { reel: s.reel, scene: s.scene, take: s.take }, project: { camera: `${this.spec.deviceName} Cam` } };
  }

  private emitLook(what: SimLookEndpoint): void {
    const props: Partial<Record<SimLookEndpoint, string[]>> = {
      videoFormat: ['/system/videoFormat', '/system/format'], format: ['/system/format'], dynamicRange: ['/system/dynamicRange'], iso: ['/video/iso'],
      shutter: ['/video/shutter'], whiteBalance: ['/video/whiteBalance'], whiteBalanceTint: ['/video/whiteBalanceTint'],
      autoExposure: ['/video/autoExposure', '/video/shutter'], focus: ['/lens/focus/autoFocus'],
    };
    for (const p of props[what] ?? []) {
      const v = this.lookProperty(p);
      if (v !== undefined) this.emit(p, v);
    }
  }

  /** PUT /camera/tallyStatus. */
  setTally(status: 'None' | 'Preview' | 'Program', timeoutMs: number | undefined, now: number): void {
    this.tally = status;
    this.tallyUntil = timeoutMs ? now + timeoutMs : 0;
  }

  product() {
    return { deviceName: this.spec.deviceName, productName: this.productName, softwareVersion: this.softwareVersion };
  }

  transport() {
    return { mode: this.recording ? 'InputRecord' : 'InputPreview' };
  }

  record_() {
    return { recording: this.recording };
  }

  workingset() {
    return {
      size: 2,
      workingset: [
        {
          index: 0, activeDisk: true, volume: 'A001', deviceName: 'sd1',
          remainingRecordTime: Math.floor(this.remainingSpace / BYTES_PER_SEC),
          totalSpace: this.totalSpace, remainingSpace: Math.floor(this.remainingSpace), clipCount: this.clipCount,
        },
        null,
      ],
    };
  }

  power() {
    const percent = Math.round(this.batteryPercent);
    const flags = ['Battery Is Present', 'Battery Is Connected', ...(this.powerSource === 'AC' && percent < 100 ? ['Battery Is Charging'] : []), ...(percent < 15 ? ['Battery Percentage Is Low'] : [])];
    return { source: this.powerSource, milliVolt: this.powerSource === 'AC' ? 12000 : 14400, batteries: [{ milliVolt: 14400, chargeRemainingPercent: percent, statusFlags: flags }] };
  }

  timecode(now: number) {
    const frames = Math.floor(((now - this.startedAt) / 1000) * FPS) + 3600 * FPS;
    const f = frames % FPS;
    const s = Math.floor(frames / FPS);
    const tc = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60, f].map((n) => String(n).padStart(2, '0')).join(':');
    return { display: tc, timeline: tc };
  }

  /** The value of a subscribable property, or undefined for one this camera does not have. */
  property(name: string, now: number): unknown {
    switch (name) {
      case '/system/product': return this.product();
      case '/transports/0': return this.transport();
      case '/transports/0/record': return this.record_();
      case '/media/workingset': return this.workingset();
      case '/transports/0/timecode': return this.timecode(now);
      case '/camera/power': return this.power();
      default: return this.lookProperty(name);
    }
  }

  private emitTransport(): void {
    this.emit('/transports/0', this.transport());
    this.emit('/transports/0/record', this.record_());
  }

  private emit(property: string, value: unknown): void {
    for (const l of this.listeners) l(property, value);
  }
}

/** The properties the simulated event WebSocket offers (GET /event/list). */
export const SIM_PROPERTIES = ['/system/product', '/transports/0', '/transports/0/record', '/media/workingset', '/transports/0/timecode', '/camera/power', '/system/videoFormat',
  '/system/format', '/system/dynamicRange', '/video/iso', '/video/shutter', '/video/whiteBalance', '/video/whiteBalanceTint', '/video/autoExposure', '/lens/focus/autoFocus'];
