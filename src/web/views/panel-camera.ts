/** The panel's camera lines: which protocol the camera speaks, and what it says it is (Blackmagic: model, version, timecode, record time left). */
import type { DeviceHealth } from '../../topology/health-types.ts';
import { formatKey, shutterText } from '../../topology/look/format.ts';
import { esc } from '../format.ts';

const LABEL: Record<string, string> = { 'camera-node': 'camera-node contract', blackmagic: 'Blackmagic REST API' };

/** Key/value rows for the panel, '' for a device that is not a camera. */
export function cameraRows(health: DeviceHealth | undefined): string {
  if (!health?.protocol) return '';
  const rows = [`<dt>Protocol</dt><dd data-testid="camera-protocol">${esc(LABEL[health.protocol] ?? health.protocol)}</dd>`];
  const p = health.status?.product;
  const model = [p?.productName, p?.softwareVersion ? `software ${p.softwareVersion}` : null].filter(Boolean).join(' · ');
  if (model) rows.push(`<dt>Model</dt><dd data-testid="camera-model">${esc(model)}</dd>`);
  if (health.status?.timecode) rows.push(`<dt>Timecode</dt><dd class="mono">${esc(health.status.timecode)}</dd>`);
  if (health.status?.battery.source) rows.push(`<dt>Power</dt><dd>${esc(health.status.battery.source)}${health.status.battery.percent != null ? ` · ${esc(health.status.battery.percent)} %` : ''}</dd>`);
  const look = health.status?.look;
  if (look) {
    const na = (f: string) => (look.notOffered.includes(f as never) ? 'not on this camera' : '?');
    const f = look.format;
    rows.push(`<dt>Format</dt><dd data-testid="camera-format">${esc([formatKey(f) ?? na('format'), f?.codec, f?.dynamicRange].filter(Boolean).join(' · '))}</dd>`);
    rows.push(`<dt>ISO</dt><dd>${esc(look.iso ?? na('iso'))}${look.autoExposure ? ` · auto exposure ${esc(look.autoExposure)}` : ''}</dd>`);
    rows.push(`<dt>Shutter</dt><dd>${esc(shutterText(look) ?? na('shutter'))}</dd>`);
    rows.push(`<dt>White balance</dt><dd>${esc(look.whiteBalance !== null ? `${look.whiteBalance} K` : na('whiteBalance'))}${look.whiteBalanceTint !== null ? ` · tint ${esc(look.whiteBalanceTint)}` : ''}</dd>`);
    rows.push(`<dt>Focus</dt><dd>${esc(look.focusMode ?? na('focusMode'))}</dd>`);
  }
  if (health.runway?.storageMinutes != null) rows.push(`<dt>Record time left</dt><dd data-testid="camera-runway">${esc(Math.floor(health.runway.storageMinutes))} min</dd>`);
  return `<dl class="kv" data-testid="camera-rows">${rows.join('')}</dl>`;
}
