/**
 * "Import from Tailscale": pick a source (the HTTP API, this machine's
 * tailscaled, or a saved `tailscale status --json`), preview the dry run
 * (added, changed with their fields, unchanged, gone from the tailnet, skipped),
 * then import. Nothing is written before Import is pressed.
 */
import type { TailnetImportReport } from '../../topology/tailscale/import.ts';
import { request } from '../api.ts';
import { esc, toast } from '../format.ts';

/** What the dialog needs to know of the server's Tailscale setup. */
export interface TailscaleSetup {
  api: { configured: boolean; tailnet: string };
  localApi: { configured: boolean };
  /** The server's Headscale, when RIGMAP_HEADSCALE_API_BASE and its key are set. */
  headscale?: { configured: boolean; apiBase: string | null };
}

type Source = 'api' | 'headscale' | 'local' | 'status-file';

function section(title: string, key: string, items: string[]): string {
  return `<section data-diff="${key}"><h3>${esc(title)} <span class="count-plain">${items.length}</span></h3>${items.length ? `<ul>${items.join('')}</ul>` : ''}</section>`;
}

/** The report as four lists (and the skipped ones), for the preview and the result. */
export function renderImportReport(r: TailnetImportReport): string {
  return `<div class="diff" data-testid="ts-diff">
    ${section('Added', 'added', r.added.map((a) => `<li><span class="mono">${esc(a.id)}</span> ${esc(a.name)} <span class="muted">${esc(a.role)}</span></li>`))}
    ${section('Changed', 'changed', r.changed.map((c) => `<li><span class="mono">${esc(c.id)}</span> <span class="muted">${esc(c.fields.join(', '))}</span></li>`))}
    ${section('Unchanged', 'unchanged', r.unchanged.map((id) => `<li class="mono">${esc(id)}</li>`))}
    ${section('Gone from the tailnet (kept)', 'gone', r.gone.map((g) => `<li class="mono">${esc(g.id)}</li>`))}
    ${r.skipped.length ? section('Skipped', 'skipped', r.skipped.map((s) => `<li><span class="mono">${esc(s.hostname)}</span> <span class="muted">${esc(s.reason)}</span></li>`)) : ''}
  </div>`;
}

/** Open the dialog; `onImported` runs after a real import (refresh the badge and paths). */
export function openTailscaleImport({ setup, onImported }: { setup: TailscaleSetup | null; onImported: () => void }): HTMLDialogElement {
  const apiOk = setup?.api.configured ?? false;
  const localOk = setup?.localApi.configured ?? false;
  const headscaleOk = setup?.headscale?.configured ?? false;
  const preferred: Source = apiOk ? 'api' : headscaleOk ? 'headscale' : localOk ? 'local' : 'status-file';
  const opt = (v: Source, label: string) => `<option value="${v}" ${v === preferred ? 'selected' : ''}>${esc(label)}</option>`;
  const dlg = document.createElement('dialog');
  dlg.setAttribute('aria-labelledby', 'ts-import-title');
  dlg.dataset.testid = 'ts-import';
  dlg.classList.add('wide');
  dlg.innerHTML = `<form method="dialog" novalidate>
    <h2 id="ts-import-title">Import from Tailscale</h2>
    <label>Source <select name="source">
      ${opt('api', `Tailscale API${apiOk ? ` (configured, tailnet ${setup!.api.tailnet})` : ' (give a token below)'}`)}
      ${headscaleOk ? opt('headscale', `Headscale (${setup!.headscale!.apiBase ?? 'configured'})`) : ''}
      ${opt('local', `this machine's tailscaled${localOk ? '' : ' (default socket)'}`)}
      ${opt('status-file', 'a saved tailscale status --json')}
    </select></label>
    <label data-for="api">Access token (optional; never stored) <input name="apiKey" type="password" autocomplete="off" placeholder="${apiOk ? 'the server’s own token is used' : 'tskey-api-…'}"></label>
    <label data-for="api">Tailnet <input name="tailnet" placeholder="${esc(setup?.api.tailnet ?? '-')}"></label>
    <label data-for="status-file">Status file <input name="file" type="file" accept=".json,application/json"></label>
    <div data-slot="result" aria-live="polite"><p class="muted">Preview first: nothing is written until you press Import.</p></div>
    <p class="error-text" data-slot="error" role="alert"></p>
    <div class="row"><button value="cancel" formnovalidate>Close</button>
      <button value="preview" data-action="preview">Preview</button>
      <button value="import" data-action="import" disabled>Import</button></div>
  </form>`;
  document.body.append(dlg);
  const form = dlg.querySelector('form')!;
  const sourceEl = form.querySelector<HTMLSelectElement>('select[name="source"]')!;
  const importBtn = form.querySelector<HTMLButtonElement>('[data-action="import"]')!;
  const showFields = () => {
    for (const l of form.querySelectorAll<HTMLElement>('label[data-for]')) l.hidden = l.dataset.for !== sourceEl.value;
    importBtn.disabled = true;
  };
  sourceEl.addEventListener('input', showFields);
  form.addEventListener('input', (e) => (e.target as HTMLElement).getAttribute('name') !== 'source' && (importBtn.disabled = true));
  showFields();

  const bodyOf = async (dryRun: boolean) => {
    const data = new FormData(form);
    const source = sourceEl.value as Source;
    const body: Record<string, unknown> = { source, dryRun };
    if (source === 'api') {
      if (String(data.get('apiKey') ?? '').trim()) body.apiKey = String(data.get('apiKey')).trim();
      if (String(data.get('tailnet') ?? '').trim()) body.tailnet = String(data.get('tailnet')).trim();
    }
    if (source === 'status-file') {
      const file = data.get('file');
      if (!(file instanceof File) || file.size === 0) throw new Error('choose the status file (tailscale status --json > status.json)');
      try {
        body.status = JSON.parse(await file.text());
      } catch {
        throw new Error(`${file.name} is not JSON`);
      }
    }
    return body;
  };

  form.addEventListener('submit', async (e) => {
    const action = (e as SubmitEvent).submitter?.getAttribute('value');
    if (action !== 'preview' && action !== 'import') return;
    e.preventDefault();
    const errorEl = dlg.querySelector('[data-slot="error"]')!;
    const resultEl = dlg.querySelector<HTMLElement>('[data-slot="result"]')!;
    errorEl.textContent = '';
    const buttons = [...form.querySelectorAll<HTMLButtonElement>('button[data-action]')];
    for (const b of buttons) b.disabled = true;
    try {
      const report = await request<TailnetImportReport>('POST', '/api/tailscale/import', await bodyOf(action === 'preview'));
      resultEl.innerHTML = `<p data-testid="ts-result" data-dry-run="${report.dryRun}"><strong>${report.dryRun ? 'Preview (nothing written yet)' : 'Imported'}</strong> from ${esc(report.source)}</p>${renderImportReport(report)}`;
      form.querySelector<HTMLButtonElement>('[data-action="preview"]')!.disabled = false;
      importBtn.disabled = !report.dryRun;
      if (!report.dryRun) {
        toast(`Tailscale: ${report.added.length} added, ${report.changed.length} changed`);
        onImported();
      }
    } catch (err) {
      errorEl.textContent = (err as Error).message;
      form.querySelector<HTMLButtonElement>('[data-action="preview"]')!.disabled = false;
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  return dlg;
}
