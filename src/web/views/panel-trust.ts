/**
 * The panel's certificate section: the SHA-256 pinned for each https service
 * of the device (trust on first use, or at accept), and, once the device showed
 * another certificate, that one too, so the crew can compare both with what
 * the phone's own screen or the camera's settings say before re-trusting.
 */
import type { CertPin } from '../../topology/trust/pins.ts';
import { ago, esc } from '../format.ts';

/** The section's HTML; empty for a device with no pinned certificate (nothing over https yet). */
export function renderTrust(pins: readonly CertPin[]): string {
  if (pins.length === 0) return '';
  const rows = pins.map((p) => `<dt>${esc(p.service)}</dt><dd data-service="${esc(p.service)}">
      <div>Pinned SHA-256 <span class="mono small" data-testid="pinned-fingerprint">${esc(p.fingerprint)}</span> <span class="muted">${esc(ago(p.pinnedAt))}</span></div>
      ${p.seenFingerprint ? `<div class="untrusted">Now shows <span class="mono small" data-testid="seen-fingerprint">${esc(p.seenFingerprint)}</span>${p.seenAt ? ` <span class="muted">${esc(ago(p.seenAt))}</span>` : ''}: possible impersonation</div>` : ''}
    </dd>`).join('');
  return `<h3>Certificate</h3><dl class="kv" data-testid="certificates">${rows}</dl>`;
}
