/**
 * The dashboard's entry: load the map, draw the graph, route between views by
 * URL hash, and apply live events from /api/events to the store.
 */
import { api, ApiError } from './api.ts';
import { esc, toast } from './format.ts';
import { GraphView } from './graph.ts';
import { connectLive, type LiveStatus } from './live.ts';
import { Store } from './state.ts';
import { AlertsView } from './views/alerts.ts';
import { BoardView } from './views/board.ts';
import { ContactSheetView } from './views/contacts.ts';
import { InventoryView } from './views/inventory.ts';
import { DevicePanel } from './views/panel.ts';
import { loadMe, showIdentity } from './auth.ts';
import { CommandsView } from './views/commands.ts';
import { showLogin } from './views/login.ts';
import { DiscoveredView } from './views/discovered.ts';
import { startTailscale } from './views/tailscale.ts';
import { applyTailnetPath } from './tailscale-paths.ts';
import { mountExportMenu } from './export.ts';
import { applyShootEvent, mountRigSummary } from './views/rig-summary.ts';
import type { RigEventMap } from '../topology/events.ts';

type ViewName = 'board' | 'graph' | 'inventory' | 'alerts' | 'contacts' | 'discovered' | 'commands';
const VIEWS: ViewName[] = ['board', 'graph', 'inventory', 'alerts', 'contacts', 'discovered', 'commands'];

/** What tests and the benchmark read: the store, the graph and render timings. */
export interface DebugHandle {
  store: Store;
  graph: GraphView;
  ready: boolean;
  firstRenderMs: number | null;
  bootMs?: number;
  /** Every live state change applied to the graph, with the wall-clock time it was painted. */
  applied: { deviceId: string; state: string; paintedAt: number }[];
}

declare global {
  interface Window { rigmap?: DebugHandle }
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

async function loadAlerts(store: Store): Promise<void> {
  try {
    store.setAlerts(await api.alerts());
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      store.alertsAvailable = false;
      store.emit('alerts');
    } else throw err;
  }
}

async function reload(store: Store): Promise<void> {
  const [topology, reach] = await Promise.all([api.topology(), api.reach()]);
  store.setTopology(topology);
  store.setReach(reach);
}

async function boot(): Promise<void> {
  const t0 = performance.now();
  // Sign-in first: with auth on and nobody signed in, the login page is all there is.
  const me = await loadMe();
  if (!me.user) return showLogin($('#main'));
  showIdentity(me, $('#identity'));
  const store = new Store();
  // The live stream opens BEFORE the map is read: a change between the two is queued and applied
  // once the views exist, instead of being lost (a tile then waited for the path's next change).
  const liveBadge = $('#live-badge');
  const labels: Record<LiveStatus, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline: retrying' };
  const early: [string, unknown][] = [];
  let earlyOverflow = false;
  const live = { apply: null as ((type: string, data: unknown) => void) | null, resync: null as (() => void) | null };
  connectLive({
    onStatus: (s) => {
      liveBadge.textContent = labels[s];
      liveBadge.className = `badge ${s === 'live' ? 'live' : s === 'offline' ? 'offline' : ''}`;
    },
    onResync: () => (live.resync ? live.resync() : (earlyOverflow = true)),
    onEvent: (type, data) => {
      if (live.apply) return live.apply(type, data);
      if (early.length < 10_000) early.push([type, data]);
      else earlyOverflow = true;
    },
  });
  const [topology, reach] = await Promise.all([api.topology(), api.reach()]);
  performance.mark('rigmap:data');
  store.setReach(reach);
  store.topology = topology;
  store.devices = new Map(topology.devices.map((d) => [d.id, d]));
  for (const d of topology.devices) if (d.health) store.health.set(d.id, d.health);

  $('#rig-name').textContent = topology.rig.name;
  document.title = `rigmap · ${topology.rig.name}`;
  const viewerBadge = $('#viewer-badge');
  viewerBadge.textContent = `you: ${reach.viewer.network === 'tailscale' ? 'Tailscale' : 'LAN'}`;
  viewerBadge.dataset.network = reach.viewer.network;

  let panel: DevicePanel;
  const graph = new GraphView($('#cy'), store, (id) => (id ? panel.open(id) : panel.close()));
  panel = new DevicePanel($('#panel'), store, () => graph.select(null));
  const openDetails = (id: string) => {
    graph.select(id);
    panel.open(id);
  };
  const inventory = new InventoryView($('#view-inventory'), store, openDetails);
  new AlertsView($('#view-alerts'), store, openDetails);
  const contacts = new ContactSheetView($('#view-contacts'), store, openDetails);
  const board = new BoardView($('#view-board'), store, openDetails);
  new CommandsView($('#view-commands'), store);
  mountRigSummary($('header.top'), store);
  const discovered = new DiscoveredView($('#view-discovered'), document.querySelector<HTMLElement>('#discovered-count'));

  const debug: DebugHandle = { store, graph, ready: false, firstRenderMs: null, applied: [] };
  window.rigmap = debug;

  let graphFitted = false;
  const route = () => {
    const name = (location.hash.replace(/^#\/?/, '') || 'board') as ViewName;
    const view = VIEWS.includes(name) ? name : 'board';
    for (const v of VIEWS) $(`#view-${v}`).hidden = v !== view;
    for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    if (view === 'graph') {
      graph.resize();
      if (!graphFitted && debug.ready) graph.fit();
      graphFitted ||= debug.ready;
    }
    if (view === 'inventory') inventory.render();
    if (view === 'discovered') void discovered.load();
    if (view === 'contacts') contacts.show();
    else contacts.hide();
    if (view === 'board') board.show();
    else board.hide();
  };
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => graph.resize());
  route();

  // The graph lays out even when another view is open, so switching is instant.
  if ($('#view-graph').hidden) $('#view-graph').hidden = false;
  performance.mark('rigmap:views');
  await graph.render();
  performance.mark('rigmap:layout');
  route();
  graphFitted = !$('#view-graph').hidden;
  inventory.render();
  // Links from notices (Alertmanager generatorURL): #graph?device=<id> opens that device's panel.
  const openLinkedDevice = () => {
    const id = new URLSearchParams(location.hash.split('?')[1] ?? '').get('device');
    if (id && store.topology?.devices.some((d) => d.id === id)) openDetails(id);
  };
  window.addEventListener('hashchange', openLinkedDevice);
  openLinkedDevice();
  store.on('alerts', () => {
    const el = $('#alert-count');
    el.hidden = store.alerts.open.length === 0;
    el.textContent = String(store.alerts.open.length);
    el.setAttribute('aria-label', `${store.alerts.open.length} open alerts`);
  });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  // Since navigation start: HTML, bundle, both API calls, layout and the first paint.
  debug.firstRenderMs = performance.now();
  debug.bootMs = performance.now() - t0;
  debug.ready = true;
  document.body.dataset.ready = 'true';
  void loadAlerts(store).catch((err: Error) => toast(`alerts: ${err.message}`));
  void discovered.load();
  startTailscale({ store, badge: $<HTMLButtonElement>('#tailscale-badge'), viewerBadge });
  mountExportMenu({ el: $<HTMLDetailsElement>('#export-menu'), cy: () => graph.cy, rigName: () => store.topology?.rig.name ?? 'rigmap' });

  // Live: state changes patch the store; map changes refetch it (debounced).
  let refetch = 0;
  const scheduleReload = () => {
    window.clearTimeout(refetch);
    refetch = window.setTimeout(() => void reload(store).catch((err: Error) => toast(`reload failed: ${err.message}`)), 150);
  };
  const painted = (deviceId: string) => {
    const state = store.stateOf(deviceId);
    requestAnimationFrame(() => requestAnimationFrame(() => {
      debug.applied.push({ deviceId, state, paintedAt: Date.now() });
      if (debug.applied.length > 5000) debug.applied.splice(0, 1000);
    }));
  };
  live.resync = () => {
    scheduleReload();
    void loadAlerts(store).catch(() => undefined);
  };
  live.apply = (type, data) => {
      switch (type) {
        case 'device.state': {
          const d = data as { deviceId: string; health: Parameters<Store['setHealth']>[0] };
          store.setHealth({ ...d.health, deviceId: d.deviceId });
          painted(d.deviceId);
          break;
        }
        case 'path.state': {
          const d = data as { deviceId: string; path: Parameters<Store['setPath']>[1] };
          store.setPath(d.deviceId, d.path);
          painted(d.deviceId);
          break;
        }
        case 'node.status': {
          const d = data as { deviceId: string; status: Parameters<Store['setStatus']>[1] };
          store.setStatus(d.deviceId, d.status);
          break;
        }
        case 'device.shoot':
          applyShootEvent(store, data as RigEventMap['device.shoot']);
          break;
        case 'tailnet.path':
          applyTailnetPath(store, data as RigEventMap['tailnet.path']);
          break;
        case 'device.discovered':
          discovered.apply(data as Parameters<DiscoveredView['apply']>[0]);
          break;
        case 'alert.raised':
        case 'alert.changed':
        case 'alert.resolved':
          store.upsertAlert((data as { alert: Parameters<Store['upsertAlert']>[0] }).alert);
          break;
        default:
          scheduleReload();
      }
  };
  // What arrived while the map was loading, in order; too much of it (or a resync) means read the map again.
  for (const [type, data] of early.splice(0)) live.apply(type, data);
  if (earlyOverflow) live.resync();
}

boot().catch((err: Error) => {
  $('#main').innerHTML = `<section class="view"><h2>rigmap could not load the map</h2><p class="error-text">${esc(err.message)}</p><p>Is the server running? Reload to try again.</p></section>`;
  document.body.dataset.ready = 'error';
});
