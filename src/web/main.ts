/**
 * The dashboard's entry: open the live stream, load the map, mount the views
 * (each subscribes to the typed live events it needs, live-bus.ts), route
 * between them by URL hash, and patch the store from /api/events.
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
import { LiveBus } from './live-bus.ts';

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

/** The live stream, opened before the map is read (live-bus.ts queues what comes early); the badge shows how it stands. */
function openLiveStream(): LiveBus {
  const bus = new LiveBus();
  const liveBadge = $('#live-badge');
  const labels: Record<LiveStatus, string> = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline: retrying' };
  connectLive({
    onStatus: (s) => {
      liveBadge.textContent = labels[s];
      liveBadge.className = `badge ${s === 'live' ? 'live' : s === 'offline' ? 'offline' : ''}`;
    },
    onResync: () => bus.resync(),
    onEvent: (type, data) => bus.deliver(type, data),
  });
  return bus;
}

/** The first read of the map and of where the viewer stands, into the store and the header. */
async function loadMap(store: Store): Promise<{ viewerBadge: HTMLElement }> {
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
  return { viewerBadge };
}

interface Views {
  graph: GraphView;
  inventory: InventoryView;
  contacts: ContactSheetView;
  board: BoardView;
  discovered: DiscoveredView;
  openDetails(id: string): void;
}

/** Every view, each subscribed to the live events it draws (the store's own events reach the rest). */
function mountViews(store: Store, bus: LiveBus): Views {
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
  bus.on('device.shoot', (e) => applyShootEvent(store, e));
  bus.on('tailnet.path', (e) => applyTailnetPath(store, e));
  const discovered = new DiscoveredView($('#view-discovered'), document.querySelector<HTMLElement>('#discovered-count'));
  bus.on('device.discovered', (e) => discovered.apply(e));
  store.on('alerts', () => {
    const el = $('#alert-count');
    el.hidden = store.alerts.open.length === 0;
    el.textContent = String(store.alerts.open.length);
    el.setAttribute('aria-label', `${store.alerts.open.length} open alerts`);
  });
  return { graph, inventory, contacts, board, discovered, openDetails };
}

/** Show the view the URL hash names; returns the routing function (run again after the first layout). */
function startRouter(views: Views, debug: DebugHandle): () => void {
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
      views.graph.resize();
      if (!graphFitted && debug.ready) views.graph.fit();
      graphFitted ||= debug.ready;
    }
    if (view === 'inventory') views.inventory.render();
    if (view === 'discovered') void views.discovered.load();
    if (view === 'contacts') views.contacts.show();
    else views.contacts.hide();
    if (view === 'board') views.board.show();
    else views.board.hide();
  };
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => views.graph.resize());
  route();
  return () => {
    route();
    graphFitted = !$('#view-graph').hidden;
  };
}

/** Links from notices (Alertmanager generatorURL): #graph?device=<id> opens that device's panel. */
function followDeviceLinks(store: Store, views: Views): void {
  const openLinkedDevice = () => {
    const id = new URLSearchParams(location.hash.split('?')[1] ?? '').get('device');
    if (id && store.topology?.devices.some((d) => d.id === id)) views.openDetails(id);
  };
  window.addEventListener('hashchange', openLinkedDevice);
  openLinkedDevice();
}

/** Live changes into the store: state changes patch it, map changes re-read it (debounced), a resync re-reads everything. */
function subscribeStore(bus: LiveBus, store: Store, debug: DebugHandle): void {
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
  bus.on('device.state', (d) => {
    store.setHealth({ ...d.health, deviceId: d.deviceId });
    painted(d.deviceId);
  });
  bus.on('path.state', (d) => {
    store.setPath(d.deviceId, d.path);
    painted(d.deviceId);
  });
  bus.on('node.status', (d) => store.setStatus(d.deviceId, d.status));
  bus.on('alert.raised', (d) => store.upsertAlert(d.alert));
  bus.on('alert.changed', (d) => store.upsertAlert(d.alert));
  bus.on('alert.resolved', (d) => store.upsertAlert(d.alert));
  bus.on('device.changed', scheduleReload);
  bus.on('link.changed', scheduleReload);
  bus.on('inventory.imported', scheduleReload);
  bus.onResync(() => {
    scheduleReload();
    void loadAlerts(store).catch(() => undefined);
  });
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
  const bus = openLiveStream();
  const { viewerBadge } = await loadMap(store);
  const views = mountViews(store, bus);
  const debug: DebugHandle = { store, graph: views.graph, ready: false, firstRenderMs: null, applied: [] };
  window.rigmap = debug;
  const routeAfterLayout = startRouter(views, debug);

  // The graph lays out even when another view is open, so switching is instant.
  if ($('#view-graph').hidden) $('#view-graph').hidden = false;
  performance.mark('rigmap:views');
  await views.graph.render();
  performance.mark('rigmap:layout');
  routeAfterLayout();
  views.inventory.render();
  followDeviceLinks(store, views);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  // Since navigation start: HTML, bundle, both API calls, layout and the first paint.
  debug.firstRenderMs = performance.now();
  debug.bootMs = performance.now() - t0;
  debug.ready = true;
  document.body.dataset.ready = 'true';
  void loadAlerts(store).catch((err: Error) => toast(`alerts: ${err.message}`));
  void views.discovered.load();
  startTailscale({ store, badge: $<HTMLButtonElement>('#tailscale-badge'), viewerBadge });
  mountExportMenu({ el: $<HTMLDetailsElement>('#export-menu'), cy: () => views.graph.cy, rigName: () => store.topology?.rig.name ?? 'rigmap' });
  subscribeStore(bus, store, debug);
  // What arrived while the map was loading, in order; too much of it (or a resync) means read the map again.
  bus.start();
}

boot().catch((err: Error) => {
  $('#main').innerHTML = `<section class="view"><h2>rigmap could not load the map</h2><p class="error-text">${esc(err.message)}</p><p>Is the server running? Reload to try again.</p></section>`;
  document.body.dataset.ready = 'error';
});
