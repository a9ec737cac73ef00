/**
 * The state of one simulated Blackmagic camera, shaped like the answers of the
 * Camera Control REST API (test/fixtures/blackmagic/*.yaml): product, transport,
 * media working set, power, timecode, tally. Time moves on in `step`: recording
 * fills the card, the battery drains unless on AC, the timecode runs.
 */

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
  clipCount: number;
  remainingSpace: number;
  readonly totalSpace = CARD_BYTES;
  /** Charge 0-100; drains 10 %/hour on battery. Cameras bmd-02, bmd-04 … are on AC. */
  batteryPercent: number;
  powerSource: 'Battery' | 'AC' = 'Battery';
  tally: 'None' | 'Preview' | 'Program' = 'None';
  /** GET /system/videoFormat (phones change it with the format-change fault). */
  videoFormat = '1920x1080p60';
  private tallyUntil = 0;
  private last: number;
  private readonly startedAt: number;
  readonly listeners = new Set<PropertyListener>();

  constructor(readonly spec: BlackmagicCameraSpec, now: number) {
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

  /** A new video format, pushed as /system/videoFormat. */
  setVideoFormat(name: string): void {
    this.videoFormat = name;
    this.emit('/system/videoFormat', { name });
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
      case '/system/videoFormat': return { name: this.videoFormat };
      default: return undefined;
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
export const SIM_PROPERTIES = ['/system/product', '/transports/0', '/transports/0/record', '/media/workingset', '/transports/0/timecode', '/camera/power', '/system/videoFormat'];
