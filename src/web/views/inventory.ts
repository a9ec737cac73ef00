/**
 * Inventory: every device in a sortable table, filtered by role, state and tag,
 * with add / edit / remove and import / export of the inventory document.
 */
import { ROLES } from '../constants.ts';
import { api, type LiveDevice } from '../api.ts';
import { esc, toast } from '../format.ts';
import { pathStateOf } from '../node-links.ts';
import { networkState, type Store } from '../state.ts';
import { openDeviceForm } from './inventory-form.ts';

type SortKey = 'id' | 'name' | 'role' | 'state' | 'lan' | 'tailscale' | 'tags';
const STATES = ['up', 'degraded', 'down', 'unknown', 'flapping'];
const COLUMNS: [SortKey, string][] = [['id', 'ID'], ['name', 'Name'], ['role', 'Role'], ['state', 'State'], ['lan', 'LAN'], ['tailscale', 'Tailscale'], ['tags', 'Tags']];

const addr = (d: LiveDevice, n: 'lan' | 'tailscale') => d.addresses.filter((a) => a.network === n).map((a) => a.ip ?? a.hostname).join(', ');
const PATH_WORD: Record<string, string> = { up: 'up', down: 'down', unknown: 'unknown', out_of_scope: 'out of scope', untrusted: 'untrusted', none: '' };

/** The inventory view; redraws its table body when the store changes. */
export class InventoryView {
  private sort: { key: SortKey; dir: 1 | -1 } = { key: 'id', dir: 1 };
  private filter = { role: '', state: '', tag: '' };

  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onDetails: (id: string) => void) {
    this.el.innerHTML = `
      <div class="toolbar">
        <label>Role <select data-filter="role"><option value="">all</option>${ROLES.map((r) => `<option>${r}</option>`).join('')}</select></label>
        <label>State <select data-filter="state"><option value="">all</option>${STATES.map((s) => `<option>${s}</option>`).join('')}</select></label>
        <label>Tag <input data-filter="tag" type="search" placeholder="stage-left" size="12"></label>
        <button type="button" data-action="add">Add device</button>
        <label>Import <input type="file" data-action="import" accept=".json,.csv,application/json,text/csv"></label>
        <a href="/api/export?format=json&download" download>Export JSON</a>
        <a href="/api/export?format=csv&download" download>Export CSV</a>
        <span class="muted" data-slot="count" aria-live="polite"></span>
      </div>
      <table data-testid="inventory-table">
        <thead><tr>${COLUMNS.map(([k, label]) => `<th scope="col" data-key="${k}" class="${k === 'tags' || k === 'tailscale' ? 'hide-narrow' : ''}"><button type="button" data-sort="${k}">${label}</button></th>`).join('')}<th scope="col">Actions</th></tr></thead>
        <tbody></tbody>
      </table>`;
    for (const input of this.el.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-filter]')) {
      input.addEventListener('input', () => {
        this.filter[input.dataset.filter as 'role'] = input.value.trim();
        this.render();
      });
    }
    for (const b of this.el.querySelectorAll<HTMLButtonElement>('[data-sort]')) {
      b.addEventListener('click', () => {
        const key = b.dataset.sort as SortKey;
        this.sort = { key, dir: this.sort.key === key ? (-this.sort.dir as 1 | -1) : 1 };
        this.render();
      });
    }
    this.el.querySelector('[data-action="add"]')!.addEventListener('click', () => openDeviceForm({ device: null }));
    this.el.querySelector<HTMLInputElement>('[data-action="import"]')!.addEventListener('change', (e) => void this.importFile(e.target as HTMLInputElement));
    this.el.querySelector('tbody')!.addEventListener('click', (e) => void this.onRowAction(e));
    store.on('topology', () => this.render());
    store.on('health', () => this.scheduleRender());
  }

  private pending = 0;
  private scheduleRender(): void {
    // Health changes can come in bursts; one redraw per frame is plenty.
    if (this.pending || this.el.hidden) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      this.render();
    });
  }

  private value(d: LiveDevice, key: SortKey): string {
    if (key === 'state') return this.store.stateOf(d.id);
    if (key === 'lan' || key === 'tailscale') return addr(d, key);
    if (key === 'tags') return d.tags.join(',');
    return String(d[key] ?? '');
  }

  render(): void {
    const { role, state, tag } = this.filter;
    const rows = [...this.store.devices.values()]
      .filter((d) => (!role || d.role === role) && (!state || this.store.stateOf(d.id) === state) && (!tag || d.tags.some((t) => t.includes(tag))))
      .sort((a, b) => this.value(a, this.sort.key).localeCompare(this.value(b, this.sort.key), undefined, { numeric: true }) * this.sort.dir);
    for (const th of this.el.querySelectorAll<HTMLElement>('th[data-key]')) {
      th.setAttribute('aria-sort', th.dataset.key === this.sort.key ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none');
    }
    this.el.querySelector('[data-slot="count"]')!.textContent = `${rows.length} of ${this.store.devices.size} devices`;
    this.el.querySelector('tbody')!.innerHTML = rows.map((d) => {
      const s = this.store.stateOf(d.id);
      const health = this.store.health.get(d.id);
      // Which path is down, not only "degraded": each network column carries its path's state.
      const path = (n: 'lan' | 'tailscale') => {
        const ns = { ...networkState(health, n), state: pathStateOf(d, health, n) };
        return ns.state === 'none' ? '' : ` <span class="pathind ${esc(ns.state)}" data-testid="path-${n}" title="${esc(ns.error ?? (ns.latencyMs !== null ? `${Math.round(ns.latencyMs)} ms` : ''))}">${esc(PATH_WORD[ns.state] ?? ns.state)}</span>`;
      };
      return `<tr data-device="${esc(d.id)}" data-state="${esc(s)}" data-lan="${esc(pathStateOf(d, health, 'lan'))}" data-tailscale="${esc(pathStateOf(d, health, 'tailscale'))}">
        <td class="mono">${esc(d.id)}</td><td>${esc(d.name)}</td><td>${esc(d.role)}</td>
        <td><span class="state ${esc(s)}">${esc(s)}</span></td>
        <td class="mono">${esc(addr(d, 'lan'))}${path('lan')}</td><td class="mono hide-narrow">${esc(addr(d, 'tailscale'))}${path('tailscale')}</td>
        <td class="hide-narrow">${esc(d.tags.join(', '))}</td>
        <td><button type="button" data-act="details" aria-label="Details of ${esc(d.id)}">Details</button>
          <button type="button" data-act="edit" aria-label="Edit ${esc(d.id)}">Edit</button>
          <button type="button" data-act="remove" class="danger" aria-label="Remove ${esc(d.id)}">Remove</button></td></tr>`;
    }).join('') || '<tr><td colspan="8" class="muted">No devices match.</td></tr>';
  }

  private async onRowAction(e: Event): Promise<void> {
    const btn = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-act]');
    const id = btn?.closest<HTMLElement>('tr')?.dataset.device;
    if (!btn || !id) return;
    if (btn.dataset.act === 'details') this.onDetails(id);
    if (btn.dataset.act === 'edit') openDeviceForm({ device: this.store.devices.get(id) ?? null });
    if (btn.dataset.act === 'remove' && window.confirm(`Remove ${id} and its links?`)) {
      try {
        await api.removeDevice(id);
        toast(`${id} removed`);
      } catch (err) {
        toast((err as Error).message);
      }
    }
  }

  private async importFile(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    if (!file) return;
    const format = file.name.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
    try {
      const report = await api.importInventory(await file.text(), format);
      toast(`imported ${file.name}: ${report.devices.created.length} added, ${report.devices.updated.length} changed, ${report.devices.unchanged.length} unchanged`);
    } catch (err) {
      toast(`import failed: ${(err as Error).message}`);
    } finally {
      input.value = '';
    }
  }
}
