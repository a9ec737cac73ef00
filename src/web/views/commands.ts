/**
 * Group control: pick nodes (all cameras, a tag, or a hand-picked list) and send
 * one contract command to all of them at once (POST /api/commands); each node's
 * result (ok and state, the error, or a timeout) is shown in a table.
 */
import { request } from '../api.ts';
import { esc } from '../format.ts';
import type { Store } from '../state.ts';
import type { CommandReport } from '../../topology/commands/types.ts';
import type { SettingsReport } from '../../topology/look/settings-types.ts';

const ACTIONS: Array<[string, string]> = [['record.start', 'Start recording'], ['record.stop', 'Stop recording'], ['marker', 'Marker'], ['identify', 'Identify']];

const RESULT_HEAD = '<tr><th scope="col">Device</th><th scope="col">Result</th><th scope="col">State</th><th scope="col">Path</th><th scope="col">ms</th><th scope="col">Error</th></tr>';

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
        <label title="Start recording: every camera starts at this instant, each in its own clock (+3s, +500ms or an ISO time); empty starts at once">Start at <input name="at" size="8" placeholder="+3s" data-testid="commands-at"></label>
        <label title="Start recording: slate the take; each camera's clip is named S&lt;scene&gt;_T&lt;take&gt;_&lt;letter&gt;">Scene <input name="scene" size="5" placeholder="12A" data-testid="commands-scene"></label>
        <label>Take <input name="take" size="3" inputmode="numeric" placeholder="next"></label>
        ${ACTIONS.map(([a, label]) => `<button type="submit" name="action" value="${a}">${label}</button>`).join('')}
      </form>
      <form class="toolbar" data-testid="settings-form">
        <label title="format=1920x1080p25 iso=800 shutter=1/50 wb=5600 tint=0 ae=off: checked against each camera, written, read back">Settings <input name="settings" size="44" placeholder="format=1920x1080p25 iso=800 shutter=1/50 wb=5600" data-testid="settings-input"></label>
        <button type="submit">Apply settings</button>
      </form>
      <fieldset class="pick"><legend>Pick cameras</legend><div data-slot="pick"></div></fieldset>
      <p data-slot="summary" aria-live="polite" class="muted"></p>
      <table data-testid="commands-results" hidden><thead>${RESULT_HEAD}</thead><tbody></tbody></table>`;
    const form = this.el.querySelector('form')!;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const action = ((e as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'identify';
      void this.send(action, new FormData(form));
    });
    const settingsForm = this.el.querySelector<HTMLFormElement>('[data-testid="settings-form"]')!;
    settingsForm.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.applySettings(String(new FormData(settingsForm).get('settings') ?? ''), new FormData(form));
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
    const at = String(data.get('at') ?? '').trim();
    if (action === 'record.start' && at) body.at = at;
    const scene = String(data.get('scene') ?? '').trim();
    const take = Number(String(data.get('take') ?? '').trim());
    if (action === 'record.start' && scene) body.slate = { scene, ...(Number.isInteger(take) && take > 0 ? { take } : {}) };
    const summary = this.el.querySelector<HTMLElement>('[data-slot="summary"]')!;
    summary.textContent = `sending ${action}…`;
    try {
      const r = await request<CommandReport>('POST', '/api/commands', body);
      summary.textContent = `${r.action}: ${r.ok} of ${r.total} ok${r.failed ? `, ${r.failed} failed (${r.timedOut} timed out)` : ''}`;
      if (r.sync) return this.renderSync(r);
      const table = this.el.querySelector<HTMLTableElement>('table')!;
      table.hidden = false;
      table.tHead!.innerHTML = RESULT_HEAD;
      table.tBodies[0]!.innerHTML = r.results.map((x) => `<tr data-device="${esc(x.deviceId)}" class="${x.ok ? 'ok' : 'failed'}">
        <td class="mono">${esc(x.deviceId)}</td><td>${x.ok ? '✔ ok' : x.timedOut ? '✖ timeout' : '✖ failed'}</td><td>${esc(x.state ?? '')}</td>
        <td class="mono">${x.network ? esc(`${x.network} ${x.address}`) : ''}</td><td>${x.ms}</td><td class="error-text">${esc(x.error ?? '')}</td></tr>`).join('');
    } catch (err) {
      summary.textContent = `${action} failed: ${(err as Error).message}`;
    }
  }

  private selection(data: FormData): Record<string, unknown> {
    const target = String(data.get('target'));
    if (target === 'tag') return { tag: String(data.get('tag') ?? '').trim() };
    if (target === 'devices') return { devices: [...this.el.querySelectorAll<HTMLInputElement>('[data-slot="pick"] input:checked')].map((i) => i.value) };
    return { role: 'camera' };
  }

  /** Rig-wide settings (POST /api/settings): a row per camera, each setting applied / refused and why / not confirmed. */
  private async applySettings(text: string, data: FormData): Promise<void> {
    const summary = this.el.querySelector<HTMLElement>('[data-slot="summary"]')!;
    const words = text.split(/\s+/).filter(Boolean);
    summary.textContent = 'applying settings and reading every camera back…';
    try {
      const r = await request<SettingsReport>('POST', '/api/settings', { settings: words, ...this.selection(data) });
      summary.textContent = `settings: ${r.applied} of ${r.total} camera(s) applied and read back${r.notApplied ? `; ${r.notApplied} not` : ''}`;
      const table = this.el.querySelector<HTMLTableElement>('table')!;
      table.hidden = false;
      table.tHead!.innerHTML = '<tr><th scope="col">Device</th><th scope="col">Result</th><th scope="col">Not applied</th><th scope="col">ms</th></tr>';
      table.tBodies[0]!.innerHTML = r.cameras.map((c) => `<tr data-device="${esc(c.deviceId)}" class="${c.outcome === 'applied' ? 'ok' : 'failed'}">
        <td class="mono">${esc(c.deviceId)}</td><td>${c.outcome === 'applied' ? '✔ applied and read back' : `✖ ${esc(c.outcome)}`}</td>
        <td class="error-text">${esc(c.error ?? c.settings.filter((x) => x.outcome !== 'applied').map((x) => `${x.key}=${x.wanted}: ${x.outcome === 'refused' ? 'refused' : 'not confirmed'}, ${x.reason ?? ''}`).join('; '))}</td><td>${c.ms}</td></tr>`).join('');
    } catch (err) {
      summary.textContent = `settings failed: ${(err as Error).message}`;
    }
  }

  /** A synchronized start: per camera verified, its start in rigmap's clock, error and clock offset. */
  private renderSync(r: CommandReport): void {
    const s = r.sync!;
    const summary = this.el.querySelector<HTMLElement>('[data-slot="summary"]')!;
    summary.textContent = `record.start at ${s.target}: ${s.verified} of ${s.nodes.length} verified within ${s.toleranceMs} ms${s.spreadMs !== null ? ` · start spread ${s.spreadMs} ms` : ''}`;
    const table = this.el.querySelector<HTMLTableElement>('table')!;
    table.hidden = false;
    table.tHead!.innerHTML = '<tr><th scope="col">Device</th><th scope="col">Verified</th><th scope="col">Started (rigmap clock)</th><th scope="col">Error ms</th><th scope="col">Clock offset ms</th><th scope="col">Why</th></tr>';
    table.tBodies[0]!.innerHTML = s.nodes.map((n) => `<tr data-device="${esc(n.deviceId)}" data-verified="${n.verified}" class="${n.verified ? 'ok' : 'failed'}">
      <td class="mono">${esc(n.deviceId)}</td><td>${n.verified ? '✔ verified' : '✖ not verified'}</td><td class="mono">${esc(n.since ?? '')}</td>
      <td>${n.errorMs ?? ''}</td><td>${n.offsetMs === null ? '' : `${n.offsetMs} ± ${n.uncertaintyMs}`}</td><td class="error-text">${esc(n.why ?? '')}</td></tr>`).join('');
  }
}
