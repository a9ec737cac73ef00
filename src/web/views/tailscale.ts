/**
 * Tailscale in the header: the tailnet sync badge (last sync, next one, last
 * error; click to import), the viewer's Tailscale login next to "you: …", and
 * path quality kept fresh for the graph and the device panel.
 */
import type { SyncStatus } from '../../topology/tailscale/sync.ts';
import type { LastTailnetImport } from '../../topology/tailscale/import.ts';
import { ApiError, request } from '../api.ts';
import { ago } from '../format.ts';
import type { Store } from '../state.ts';
import { refreshTailscalePaths } from '../tailscale-paths.ts';
import { openTailscaleImport, type TailscaleSetup } from './tailscale-import.ts';

/** How often the sync status and path quality are read again (the server refreshes paths every 30 s). */
const REFRESH_MS = 30_000;

interface StatusDoc extends TailscaleSetup {
  sync: SyncStatus | { enabled: false; source: null };
  lastImport: LastTailnetImport | null;
}

interface WhoAmI { viewer: { login: string; name?: string | null; node?: string | null; via?: string } | null }

const until = (iso: string | null) => {
  if (!iso) return '—';
  const s = Math.round((Date.parse(iso) - Date.now()) / 1000);
  return s <= 0 ? 'now' : s < 90 ? `in ${s} s` : `in ${Math.round(s / 60)} min`;
};

/** The badge's words and tone for a status. */
export function describeSync(doc: StatusDoc): { text: string; tone: 'ok' | 'error' | 'idle'; title: string } {
  const last = doc.lastImport;
  const lastText = last ? `last import ${ago(last.at)} (${last.source}: ${last.added} added, ${last.changed} changed, ${last.gone} gone)` : 'never imported';
  if (!doc.sync.enabled) return { text: last ? `Tailscale: imported ${ago(last.at)}` : 'Tailscale: import', tone: 'idle', title: `No periodic sync; ${lastText}. Click to import.` };
  const s = doc.sync;
  if (s.lastError && (s.state === 'error' || s.state === 'backoff')) {
    return { text: 'Tailscale: sync failing', tone: 'error', title: `${s.lastError.message}; retry ${until(s.nextRunAt)}; ${lastText}` };
  }
  return {
    text: s.lastOkAt ? `Tailscale: synced ${ago(s.lastOkAt)}` : `Tailscale: ${s.state}`,
    tone: s.lastOkAt ? 'ok' : 'idle',
    title: `Sync from ${s.source} every ${Math.round(s.intervalSec / 60)} min; next ${until(s.nextRunAt)}; ${lastText}. Click to import now.`,
  };
}

/** Wire the badge, the login and path quality; returns a stop function. */
export function startTailscale({ store, badge, viewerBadge }: { store: Store; badge: HTMLButtonElement; viewerBadge: HTMLElement }): () => void {
  let setup: StatusDoc | null = null;
  const loadStatus = async () => {
    try {
      setup = await request<StatusDoc>('GET', '/api/tailscale/status');
      const d = describeSync(setup);
      badge.hidden = false;
      badge.textContent = d.text;
      badge.title = d.title;
      badge.dataset.tone = d.tone;
      badge.setAttribute('aria-label', `${d.text}. ${d.title}`);
    } catch (err) {
      // A server without the Tailscale routes: no badge, nothing else breaks.
      if (err instanceof ApiError && err.status === 404) badge.hidden = true;
    }
  };
  const loadPaths = () => refreshTailscalePaths({ store }).catch(() => undefined);
  const refresh = () => {
    void loadStatus();
    void loadPaths();
  };
  badge.addEventListener('click', () => openTailscaleImport({ setup, onImported: refresh }));
  void request<WhoAmI>('GET', '/api/whoami').then((w) => {
    if (!w?.viewer?.login) return;
    viewerBadge.dataset.login = w.viewer.login;
    viewerBadge.textContent = `${viewerBadge.textContent ?? ''} · ${w.viewer.login}`;
    viewerBadge.title = `${viewerBadge.title}. Signed in to the tailnet as ${w.viewer.name ? `${w.viewer.name} (${w.viewer.login})` : w.viewer.login}${w.viewer.node ? ` from ${w.viewer.node}` : ''}`;
  }, () => undefined);
  refresh();
  store.on('topology', () => void loadPaths());
  const timer = window.setInterval(refresh, REFRESH_MS);
  return () => window.clearInterval(timer);
}

