/**
 * Group control: pick nodes (all cameras, a tag, or a hand-picked list) and send
 * one contract command to all of them at once (POST /api/commands); each node's
 * result (ok and state, the error, or a timeout) is shown in a table.
 */
import { request } from '../api.ts';
import { esc } from '../format.ts';
import type { Store } from '../state.ts';
import type { CommandReport } from '../../topology/commands/types.ts';

const ACTIONS: Array<[string, string]> = [['record.start', 'Start recording'], ['record.stop', 'Stop recording'], ['marker', 'Marker'], ['identify', 'Identify']];

export class CommandsView {
  constructor(private readonly el: HTMLElement, private readonly store: Store) {
    this.el.innerHTML = `
      <h2>Group control</h2>
      <form class="toolbar" data-testid="commands-form">
        <label>Nodes <select name="target">
          <option value="role">All cameras</option><option value="tag">With tag</option><option value="devices">Picked below</option>
        </select></label>
        <label>Tag <input name="tag" size="12" placeholder="stage-left"></label>
        <label>Marker label <input name="label" size="14" placeholder="take 3"></label>
        ${ACTIONS.map(([a, label]) => `<button type="submit" name="action" value="${a}">${label}</button>`).join('')}
      </form>
      <fieldset class="pick"><legend>Pick cameras</legend><div data-slot="pick"></div></fieldset>
      <p data-slot="summary" aria-live="polite" class="muted"></p>
      <table data-testid="commands-results" hidden><thead><tr><th scope="col">Device</th><th scope="col">Result</th><th scope="col">State</th><th scope="col">Path</th><th scope="col">ms</th><th scope="col">Error</th></tr></thead><tbody></tbody></table>`;
    const form = this.el.querySelector('form')!;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const action = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'identify';
      void this.send(action, new FormData(form));
    });
    store.on('topology', () => this.renderPick());
    this.renderPick();
  }

  private renderPick(): void {
    const cams = [...this.store.devices.values()].filter((d) => d.role === 'camera').sort((a, b) => a.id.localeCompare(b.id));
    const slot = this.el.querySelector<HTMLElement>('[data-slot="pick"]')!;
    const checked = new Set([...slot.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
    slot.innerHTML = cams.map((d) => `<label><input type="checkbox" value="${esc(d.id)}"${checked.has(d.id) ? ' checked' : ''}> ${esc(d.id)}</label>`).join(' ') || '<span class="muted">no cameras in the map</span>';
  }

  private async send(action: string, data: FormData): Promise<void> {
    const target = String(data.get('target'));
    const picked = [...this.el.querySelectorAll<HTMLInputElement>('[data-slot="pick"] input:checked')].map((i) => i.value);
    const body: Record<string, unknown> = { action };
    if (target === 'tag') body.tag = String(data.get('tag') ?? '').trim();
    else if (target === 'devices') body.devices = picked;
    else body.role = 'camera';
    const label = String(data.get('label') ?? '').trim();
    if (action === 'marker' && label) body.args = { label };
    const summary = this.el.querySelector<HTMLElement>('[data-slot="summary"]')!;
    summary.textContent = `sending ${action}…`;
    try {
      const r = await request<CommandReport>('POST', '/api/commands', body);
      summary.textContent = `${r.action}: ${r.ok} of ${r.total} ok${r.failed ? `, ${r.failed} failed (${r.timedOut} timed out)` : ''}`;
      const table = this.el.querySelector<HTMLTableElement>('table')!;
      table.hidden = false;
      table.tBodies[0]!.innerHTML = r.results.map((x) => `<tr data-device="${esc(x.deviceId)}" class="${x.ok ? 'ok' : 'failed'}">
        <td class="mono">${esc(x.deviceId)}</td><td>${x.ok ? '✔ ok' : x.timedOut ? '✖ timeout' : '✖ failed'}</td><td>${esc(x.state ?? '')}</td>
        <td class="mono">${x.network ? esc(`${x.network} ${x.address}`) : ''}</td><td>${x.ms}</td><td class="error-text">${esc(x.error ?? '')}</td></tr>`).join('');
    } catch (err) {
      summary.textContent = `${action} failed: ${(err as Error).message}`;
    }
  }
}
