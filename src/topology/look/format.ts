/**
 * Words and comparisons for a camera's look: video format names
 * ("1920x1080p29.97"), frame rates compared as numbers ("25" = "25.00"), and
 * the one-line summary the board tile, the panel and the roll call show.
 */
import type { CameraLook, LookFormat } from '../health-types.ts';

const FORMAT_NAME = /^(\d{2,5})x(\d{2,5})([pi])(\d{1,3}(?:\.\d{1,3})?)$/;

/** A format name split into its parts; null when it is not one ("1920x1080p60"). */
export function parseFormatName(name: string): { width: number; height: number; interlaced: boolean; frameRate: string } | null {
  const m = FORMAT_NAME.exec(name.trim());
  if (!m) return null;
  return { width: Number(m[1]), height: Number(m[2]), interlaced: m[3] === 'i', frameRate: m[4]! };
}

/** Frame rates as numbers rounded to 0.01, so "25" and "25.00" agree and "29.97" stays itself. */
export function frameRateValue(rate: string | null): number | null {
  if (rate === null) return null;
  const n = Number(rate);
  return Number.isFinite(n) && n > 0 && n <= 1000 ? Math.round(n * 100) / 100 : null;
}

/** "60", "29.97", "25": a rate as a crew member writes it. */
export function frameRateText(rate: string | null): string {
  const n = frameRateValue(rate);
  return n === null ? '?' : String(n);
}

/** "1920x1080p60" (resolution and frame rate only): what must match across a group. */
export function formatKey(f: LookFormat | null | undefined): string | null {
  if (!f || f.width === null || f.height === null || frameRateValue(f.frameRate) === null) return null;
  return `${f.width}x${f.height}${f.interlaced ? 'i' : 'p'}${frameRateText(f.frameRate)}`;
}

/** The format name a camera is sent ("1920x1080p25"), from what the crew typed. */
export function formatName(f: { width: number; height: number; interlaced: boolean; frameRate: string }): string {
  return `${f.width}x${f.height}${f.interlaced ? 'i' : 'p'}${f.frameRate}`;
}

/** Whether two format names mean the same format (frame rates compared as numbers). */
export function sameFormat(a: string, b: string): boolean {
  const x = parseFormatName(a);
  const y = parseFormatName(b);
  return !!x && !!y && x.width === y.width && x.height === y.height && x.interlaced === y.interlaced && frameRateValue(x.frameRate) === frameRateValue(y.frameRate);
}

/** "1/50" for a shutter speed, "180°" for an angle. */
export function shutterText(look: Pick<CameraLook, 'shutterSpeed' | 'shutterAngle'>): string | null {
  if (look.shutterSpeed !== null) return `1/${look.shutterSpeed}`;
  if (look.shutterAngle !== null) return `${look.shutterAngle}°`;
  return null;
}

/** "1920x1080p60 · ISO 800 · 5600 K · 1/50" (what is known, in that order); '' when nothing is. */
export function lookSummary(look: CameraLook | null | undefined): string {
  if (!look) return '';
  const parts: string[] = [];
  const key = formatKey(look.format);
  if (key) parts.push(key);
  if (look.iso !== null) parts.push(`ISO ${look.iso}${look.autoExposure && look.autoExposure !== 'Off' ? ' (auto)' : ''}`);
  if (look.whiteBalance !== null) parts.push(`${look.whiteBalance} K${look.whiteBalanceTint ? ` ${look.whiteBalanceTint > 0 ? '+' : ''}${look.whiteBalanceTint}` : ''}`);
  const shutter = shutterText(look);
  if (shutter) parts.push(shutter);
  return parts.join(' · ');
}

/** An empty look (nothing read yet). */
export function emptyLook(): CameraLook {
  return { format: null, iso: null, shutterSpeed: null, shutterAngle: null, whiteBalance: null, whiteBalanceTint: null, autoExposure: null, focusMode: null, notOffered: [] };
}
