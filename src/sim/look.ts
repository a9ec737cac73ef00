/**
 * The picture settings of one simulated camera (format, ISO, shutter, white
 * balance and tint, auto exposure, focus), shared by the camera-node simulator
 * (contract v1.2 /settings) and the simulated Blackmagic cameras and phones
 * (VideoControl, SystemControl, LensControl). Writes answer as the real things
 * do: 403 while auto exposure holds ISO and shutter, 404 for what the camera
 * lacks, 400 for a value outside its supported list.
 */
import { z } from 'zod';
import { parseOrThrow, RigmapError } from '../topology/errors.ts';
import { frameRateValue, parseFormatName, sameFormat } from '../topology/look/format.ts';

/** What a simulated camera may lack (answered 404): the settings' endpoints. */
export const SIM_LOOK_ENDPOINTS = ['videoFormat', 'format', 'dynamicRange', 'iso', 'shutter', 'whiteBalance', 'whiteBalanceTint', 'autoExposure', 'focus', 'slate'] as const;
export type SimLookEndpoint = (typeof SIM_LOOK_ENDPOINTS)[number];

/** The kind of camera decides its defaults and supported lists. */
export type SimLookKind = 'camera-node' | 'studio' | 'phone';

const PHONE_ISOS = [20, 25, 32, 40, 50, 64, 80, 100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 1920];
const STUDIO_ISOS = [100, 125, 160, 200, 250, 320, 400, 500, 640, 800, 1000, 1250, 1600, 2000, 2500, 3200, 4000, 5000, 6400, 8000, 12800, 25600];
const SHUTTERS = [24, 25, 30, 48, 50, 60, 96, 100, 120, 125, 180, 200, 250, 500, 1000, 2000, 4000, 8000];
const FORMATS = ['1920x1080p23.98', '1920x1080p24', '1920x1080p25', '1920x1080p29.97', '1920x1080p30', '1920x1080p50', '1920x1080p59.94', '1920x1080p60',
  '3840x2160p23.98', '3840x2160p24', '3840x2160p25', '3840x2160p29.97', '3840x2160p30', '3840x2160p50', '3840x2160p60', '1280x720p60'];
const CODEC: Record<SimLookKind, string> = { 'camera-node': 'HEVC', studio: 'BRaw:8_1', phone: 'HEVC (H.265):High' };

/** The answer to one write. */
export interface LookWrite {
  status: 204 | 400 | 403 | 404;
  message?: string;
}

/** What the next clip is slated as (Blackmagic /slates/nextClip, contract record.start args.clip). */
export interface SimSlate {
  scene: string;
  take: number;
  reel: number;
}

/** A crew member changing the camera by hand (`POST /nodes/:id/look` of the control API). */
export const simLookPatchSchema = z.strictObject({
  format: z.string().max(32).optional(),
  iso: z.number().int().min(0).max(1_000_000).optional(),
  shutterSpeed: z.number().int().min(1).max(50_000).optional(),
  whiteBalance: z.number().int().min(1000).max(20_000).optional(),
  whiteBalanceTint: z.number().int().min(-100).max(100).optional(),
  autoExposure: z.enum(['Off', 'Continuous', 'OneShot']).optional(),
  focusMode: z.enum(['Manual', 'OneShot', 'Continuous']).optional(),
  codec: z.string().min(1).max(64).optional(),
  /** Endpoints this camera does not have (404), replacing the list. */
  lacks: z.array(z.enum(SIM_LOOK_ENDPOINTS)).max(16).optional(),
  /** The camera app restarts: every setting back to its defaults (lacks stays). */
  restart: z.literal(true).optional(),
});
export type SimLookPatch = z.infer<typeof simLookPatchSchema>;

/** One camera's settings. */
export class SimLook {
  width = 1920;
  height = 1080;
  frameRate = '60';
  interlaced = false;
  codec: string;
  dynamicRange = 'Video';
  iso = 800;
  shutterSpeed = 50;
  whiteBalance = 5600;
  whiteBalanceTint = 0;
  autoExposure: 'Off' | 'Continuous' | 'OneShot' = 'Off';
  focusMode: 'Manual' | 'OneShot' | 'Continuous';
  lacks = new Set<SimLookEndpoint>();
  slate: SimSlate = { scene: '1', take: 1, reel: 1 };
  readonly isos: number[];
  readonly shutters = SHUTTERS;
  readonly formats = FORMATS;
  /** Told of every change, with the endpoint that changed. */
  onChange: (what: SimLookEndpoint) => void = () => {};

  constructor(readonly kind: SimLookKind) {
    this.codec = CODEC[kind];
    this.isos = kind === 'phone' ? PHONE_ISOS : STUDIO_ISOS;
    // Studio cameras have manual lenses; phones focus by themselves.
    this.focusMode = kind === 'studio' ? 'Manual' : 'Continuous';
  }

  get formatName(): string {
    return `${this.width}x${this.height}${this.interlaced ? 'i' : 'p'}${this.frameRate}`;
  }

  has(e: SimLookEndpoint): boolean {
    return !this.lacks.has(e);
  }

  private range(list: number[]): string {
    return `out of range: supported ${Math.min(...list)}–${Math.max(...list)}`;
  }

  setFormat(name: unknown): LookWrite {
    if (!this.has('videoFormat')) return { status: 404 };
    const supported = typeof name === 'string' ? this.formats.find((f) => sameFormat(f, name)) : undefined;
    if (!supported) return { status: 400, message: `unsupported video format ${JSON.stringify(name)}` };
    const f = parseFormatName(supported)!;
    Object.assign(this, { width: f.width, height: f.height, interlaced: f.interlaced, frameRate: f.frameRate });
    this.onChange('videoFormat');
    return { status: 204 };
  }

  setIso(v: unknown): LookWrite {
    if (!this.has('iso')) return { status: 404 };
    if (this.autoExposure !== 'Off') return { status: 403, message: 'ISO is locked while auto exposure is on' };
    if (typeof v !== 'number' || !this.isos.includes(v)) return { status: 400, message: this.range(this.isos) };
    this.iso = v;
    this.onChange('iso');
    return { status: 204 };
  }

  setShutter(v: unknown): LookWrite {
    if (!this.has('shutter')) return { status: 404 };
    if (this.autoExposure === 'Continuous') return { status: 403, message: 'shutter is locked while auto exposure is on' };
    if (typeof v !== 'number' || !this.shutters.includes(v)) return { status: 400, message: this.range(this.shutters) };
    this.shutterSpeed = v;
    this.onChange('shutter');
    return { status: 204 };
  }

  setWhiteBalance(v: unknown): LookWrite {
    if (!this.has('whiteBalance')) return { status: 404 };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 2500 || v > 10000) return { status: 400, message: 'out of range: supported 2500–10000' };
    this.whiteBalance = v;
    this.onChange('whiteBalance');
    return { status: 204 };
  }

  setTint(v: unknown): LookWrite {
    if (!this.has('whiteBalanceTint')) return { status: 404 };
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -50 || v > 50) return { status: 400, message: 'out of range: supported -50–50' };
    this.whiteBalanceTint = v;
    this.onChange('whiteBalanceTint');
    return { status: 204 };
  }

  setAutoExposure(v: unknown): LookWrite {
    if (!this.has('autoExposure')) return { status: 404 };
    if (v !== 'Off' && v !== 'Continuous' && v !== 'OneShot') return { status: 400, message: 'mode must be Off, Continuous or OneShot' };
    this.autoExposure = v;
    this.onChange('autoExposure');
    return { status: 204 };
  }

  /** Partial slate update; 404 when the camera has no slate. */
  setSlate(v: { scene?: unknown; take?: unknown; reel?: unknown }): LookWrite {
    if (!this.has('slate')) return { status: 404 };
    if (v.scene !== undefined && (typeof v.scene !== 'string' || v.scene.length > 32)) return { status: 400 };
    if (v.take !== undefined && (typeof v.take !== 'number' || !Number.isInteger(v.take) || v.take < 1 || v.take > 9999)) return { status: 400 };
    if (v.reel !== undefined && (typeof v.reel !== 'number' || !Number.isInteger(v.reel) || v.reel < 1 || v.reel > 999)) return { status: 400 };
    this.slate = { scene: (v.scene as string | undefined) ?? this.slate.scene, take: (v.take as number | undefined) ?? this.slate.take, reel: (v.reel as number | undefined) ?? this.slate.reel };
    this.onChange('slate');
    return { status: 204 };
  }

  /** A change made on the camera itself (control API); restart resets everything first. */
  apply(input: unknown): void {
    const p = parseOrThrow(simLookPatchSchema, input, 'look') as SimLookPatch;
    if (p.restart) {
      const fresh = new SimLook(this.kind);
      for (const k of ['width', 'height', 'frameRate', 'interlaced', 'codec', 'dynamicRange', 'iso', 'shutterSpeed', 'whiteBalance', 'whiteBalanceTint', 'autoExposure', 'focusMode'] as const) {
        (this as Record<string, unknown>)[k] = fresh[k];
      }
    }
    if (p.lacks) this.lacks = new Set(p.lacks);
    if (p.format !== undefined) {
      const f = parseFormatName(p.format);
      if (!f || frameRateValue(f.frameRate) === null) throw new RigmapError('validation_failed', `"${p.format}" is not a video format like 1920x1080p30`);
      Object.assign(this, { width: f.width, height: f.height, interlaced: f.interlaced, frameRate: f.frameRate });
    }
    for (const k of ['iso', 'shutterSpeed', 'whiteBalance', 'whiteBalanceTint', 'autoExposure', 'focusMode', 'codec'] as const) {
      if (p[k] !== undefined) (this as Record<string, unknown>)[k] = p[k];
    }
    for (const e of SIM_LOOK_ENDPOINTS) this.onChange(e);
  }
}
