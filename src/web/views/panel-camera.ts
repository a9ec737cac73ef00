/** The panel's camera lines: which protocol the camera speaks, and what it says it is (Blackmagic: model, version, timecode, record time left). */
import type { DeviceHealth } from '../../topology/health-types.ts';
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
  if (health.runway?.storageMinutes != null) rows.push(`<dt>Record time left</dt><dd data-testid="camera-runway">${esc(Math.floor(health.runway.storageMinutes))} min</dd>`);
  return `<dl class="kv" data-testid="camera-rows">${rows.join('')}</dl>`;
}
