/**
 * The panel's part for a phone running Blackmagic Camera: its picture is its
 * livestream to rigmap, so the panel says what a preview costs (battery, about
 * 2 Mbit/s on the hotspot), starts it on request (an operator; joining a
 * running one needs no button), and shows the stream's health while it runs:
 * status, bitrate, send buffer (cache) and the format the phone really sends.
 */
import { esc } from '../format.ts';
import { stopLive } from '../node-links.ts';

/** `GET /api/devices/:id/phone-preview`, as the panel reads it. */
interface PhonePreviewView {
  mode: 'off' | 'on-request';
  state: string;
  message: string | null;
  health: { status: string; bitrate: number; cache: number; format: string; duration: number; warning: string | null } | null;
  cost: string;
}

const HEALTH_EVERY_MS = 2000;
const RUNNING = new Set(['starting', 'streaming', 'lingering']);

async function fetchView(id: string): Promise<PhonePreviewView | null> {
  try {
    const res = await fetch(`/api/devices/${encodeURIComponent(id)}/phone-preview`, { cache: 'no-store' });
    return res.ok ? ((await res.json()) as PhonePreviewView) : null;
  } catch {
    return null;
  }
}

const mbit = (bps: number) => `${(bps / 1e6).toFixed(1)} Mbit/s`;

function healthHtml(v: PhonePreviewView): string {
  const h = v.health;
  if (!h) return `<p class="muted" data-slot="phone-state">${RUNNING.has(v.state) ? 'Starting the stream…' : 'Not streaming to rigmap.'}</p>`;
  return `<dl class="kv" data-testid="stream-health">
    <dt>Stream</dt><dd data-field="status">${esc(h.status)}</dd>
    <dt>Bitrate</dt><dd data-field="bitrate">${esc(mbit(h.bitrate))}</dd>
    <dt>Send buffer</dt><dd data-field="cache">${Math.round(h.cache)} %</dd>
    <dt>Format</dt><dd data-field="format">${esc(h.format || '—')}</dd></dl>`;
}

/** Show the phone part in `slot` (kept across panel re-renders: it updates itself until the slot leaves the page). */
export function mountPhonePreview(slot: HTMLElement, id: string, fps: number): void {
  if (slot.dataset.phone === id) return;
  slot.dataset.phone = id;
  slot.innerHTML = `<section class="phone-preview" data-testid="phone-preview">
    <img class="snapshot preview" data-testid="preview" alt="Live preview of ${esc(id)}" hidden>
    <p class="note" data-testid="phone-note" hidden></p>
    <p class="muted small" data-slot="cost"></p>
    <button type="button" data-action="phone-live" hidden>Start live preview</button>
    <div data-slot="phone-health"></div></section>`;
  const img = slot.querySelector<HTMLImageElement>('img')!;
  const note = slot.querySelector<HTMLElement>('[data-testid="phone-note"]')!;
  const button = slot.querySelector<HTMLButtonElement>('[data-action="phone-live"]')!;
  const mine = () => slot.isConnected && slot.dataset.phone === id;
  const say = (text: string | null) => {
    note.textContent = text ?? '';
    note.hidden = !text;
  };
  const watch = () => {
    const url = `/api/devices/${encodeURIComponent(id)}/preview.mjpeg?fps=${fps}`;
    if (img.dataset.live === url) return;
    img.dataset.live = url;
    img.hidden = false;
    button.hidden = true;
    img.onerror = () => {
      stopLive(img);
      img.hidden = true;
      void fetchView(id).then((v) => mine() && say(v?.message ? `No live picture: ${v.message}` : 'No live picture.'));
    };
    img.src = url;
  };
  button.addEventListener('click', () => {
    say(null);
    watch();
  });
  const tick = async () => {
    if (!mine()) return stopLive(img);
    const v = await fetchView(id);
    if (!mine()) return stopLive(img);
    if (v) {
      slot.querySelector('[data-slot="cost"]')!.textContent = v.mode === 'off' ? 'Phone previews are off on this rigmap (--phone-preview off).' : v.cost;
      slot.querySelector('[data-slot="phone-health"]')!.innerHTML = healthHtml(v);
      if (v.health?.warning) say(v.health.warning);
      else if (v.message && !RUNNING.has(v.state) && !img.dataset.live) say(v.message);
      else if (RUNNING.has(v.state)) say(null);
      // Someone is already watching: join it (no cost added); else offer the button.
      if (RUNNING.has(v.state)) watch();
      else if (!img.dataset.live && v.mode !== 'off') button.hidden = false;
    }
    window.setTimeout(() => void tick(), HEALTH_EVERY_MS);
  };
  void tick();
}
