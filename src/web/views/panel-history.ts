/**
 * The history part of the device panel, drawn from `GET /api/devices/:id/health`:
 * a per-minute latency sparkline per network, 24 h availability and recent
 * transitions. The document is read defensively (field names are matched
 * loosely) so a small change on the server side degrades to "no data", not a crash.
 */
import { ago, esc } from '../format.ts';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function pick(doc: Rec, ...keys: string[]): unknown {
  for (const k of keys) if (doc[k] !== undefined) return doc[k];
  return undefined;
}

interface Point { t: number; v: number | null; network: string }

function latencyPoints(doc: Rec): Point[] {
  const raw = pick(doc, 'latency', 'latencySeries', 'series', 'latencyByMinute');
  const out: Point[] = [];
  const push = (item: unknown, network: string) => {
    if (!isRec(item)) return;
    const t = Date.parse(str(pick(item, 'minute', 't', 'time', 'at', 'start')) ?? '') || num(pick(item, 't', 'time'));
    const v = num(pick(item, 'avgMs', 'latencyMs', 'avg', 'ms', 'p50Ms', 'value', 'meanMs'));
    if (t) out.push({ t, v, network: str(item.network) ?? network });
  };
  if (Array.isArray(raw)) for (const item of raw) push(item, 'all');
  else if (isRec(raw)) for (const [network, list] of Object.entries(raw)) if (Array.isArray(list)) for (const item of list) push(item, network);
  return out;
}

/** An SVG sparkline: one polyline per network, gaps where there was no sample. */
export function sparkline(points: Point[]): string {
  if (points.every((p) => p.v === null)) return '<p class="muted">No latency samples yet.</p>';
  const t0 = Math.min(...points.map((p) => p.t));
  const t1 = Math.max(...points.map((p) => p.t));
  const vmax = Math.max(1, ...points.map((p) => p.v ?? 0));
  const W = 300, H = 40;
  const colours: Record<string, string> = { lan: '#5cb8ff', tailscale: '#b27ae6', all: '#5cb8ff' };
  const byNet = new Map<string, Point[]>();
  for (const p of points) byNet.set(p.network, [...(byNet.get(p.network) ?? []), p]);
  const lines = [...byNet.entries()].map(([net, pts]) => {
    const xy = pts.sort((a, b) => a.t - b.t).filter((p) => p.v !== null)
      .map((p) => `${(((p.t - t0) / Math.max(1, t1 - t0)) * W).toFixed(1)},${(H - 2 - ((p.v ?? 0) / vmax) * (H - 4)).toFixed(1)}`).join(' ');
    const colour = colours[net] ?? '#eef1f5';
    if (!xy.includes(' ')) {
      const [x, y] = xy.split(',');
      return xy ? `<circle cx="${x}" cy="${y}" r="2.5" fill="${colour}"><title>${esc(net)}</title></circle>` : '';
    }
    return `<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${xy}"><title>${esc(net)}</title></polyline>`;
  });
  return `<svg class="spark" viewBox="0 0 ${W} ${H}" preserveAspectRatio="none" role="img" aria-label="Latency per minute, peak ${Math.round(vmax)} ms">${lines.join('')}</svg>
    <p class="muted">Latency per minute (peak ${Math.round(vmax)} ms)${byNet.size > 1 ? ': LAN blue, Tailscale purple' : ''}</p>`;
}

const pct = (v: unknown): string => {
  const n = num(isRec(v) ? pick(v, 'ratio', 'value', 'availability') : v);
  if (n === null) return 'no data';
  const p = n <= 1 ? n * 100 : n;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
};

/** `{overall, byNetwork: {lan, tailscale}}`, or a bare ratio. */
function availability(doc: Rec): string {
  const raw = pick(doc, 'availability24h', 'availability', 'uptime24h');
  if (raw === undefined) return '';
  if (!isRec(raw)) return `<p>24 h availability: ${pct(raw)}</p>`;
  const by = isRec(raw.byNetwork) ? raw.byNetwork : {};
  const parts = Object.entries(by).map(([net, v]) => `${net === 'lan' ? 'LAN' : net === 'tailscale' ? 'Tailscale' : esc(net)} ${pct(v)}`);
  return `<p data-testid="availability">24 h availability: <strong>${pct(raw.overall ?? raw)}</strong>${parts.length ? ` (${parts.join(' · ')})` : ''}</p>`;
}

function transitions(doc: Rec): string {
  const raw = pick(doc, 'transitions', 'recentTransitions', 'history');
  if (!Array.isArray(raw) || raw.length === 0) return '<p class="muted">No transitions recorded.</p>';
  const rows = raw.slice(0, 12).map((item) => {
    if (!isRec(item)) return '';
    const at = str(pick(item, 'at', 'time', 'since', 'changedAt'));
    const what = [str(item.network), str(item.from) && str(item.to) ? `${item.from} → ${item.to}` : str(pick(item, 'state', 'to'))].filter(Boolean).join(' ');
    const why = str(pick(item, 'reason', 'error', 'lastError'));
    const bad = str(item.to) === 'down';
    return `<li><span class="muted">${esc(ago(at))}</span> ${esc(what)}${why ? ` <span class="${bad ? 'error-text' : 'muted'}">${esc(why)}</span>` : ''}</li>`;
  });
  return `<ul data-testid="transitions">${rows.join('')}</ul>`;
}

/** The history block for a health document. */
export function renderHistory(doc: unknown): string {
  if (!isRec(doc)) return '<p class="muted">No history.</p>';
  return sparkline(latencyPoints(doc)) + availability(doc) + transitions(doc);
}
