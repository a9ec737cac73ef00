/**
 * The Accept dialog of the Discovered inbox: the suggested device's id, role and
 * name, editable before it joins the map. A refusal (409: already a device, or a
 * taken id) stays in the dialog so the crew can pick another id.
 */
import type { Discovered } from '../../topology/discovery/types.ts';
import { esc } from '../format.ts';

export interface AcceptOverrides {
  id?: string;
  role?: string;
  name?: string;
}

/** Open the dialog; `submit` throws to keep it open with the message shown. */
export function openAcceptDialog({ discovered, roles, submit }: { discovered: Discovered; roles: readonly string[]; submit: (o: AcceptOverrides) => Promise<void> }): HTMLDialogElement {
  const s = discovered.suggestion;
  const addresses = s.addresses?.map((a) => `${a.network} ${a.ip ?? a.hostname ?? ''}`).join(', ') || 'none';
  const dlg = document.createElement('dialog');
  dlg.setAttribute('aria-labelledby', 'accept-title');
  dlg.dataset.testid = 'accept-dialog';
  dlg.innerHTML = `<form method="dialog" novalidate>
    <h2 id="accept-title">Add ${esc(s.name ?? s.id)} to the map</h2>
    <p class="muted">Found by ${esc(discovered.source)} at <span class="mono">${esc(addresses)}</span>${discovered.info?.model ? ` · ${esc(discovered.info.model)}` : ''}.</p>
    <label>ID <input name="id" required pattern="[a-z0-9][a-z0-9-]*" value="${esc(s.id)}"></label>
    <label>Name <input name="name" value="${esc(s.name ?? '')}"></label>
    <label>Role <select name="role">${roles.map((r) => `<option ${r === s.role ? 'selected' : ''}>${esc(r)}</option>`).join('')}</select></label>
    <p class="error-text" data-slot="error" role="alert"></p>
    <div class="row"><button value="cancel" formnovalidate>Cancel</button><button value="accept" data-action="accept">Add to the map</button></div>
  </form>`;
  document.body.append(dlg);
  const form = dlg.querySelector('form')!;
  form.addEventListener('submit', async (e) => {
    if ((e as SubmitEvent).submitter?.getAttribute('value') !== 'accept') return;
    e.preventDefault();
    const data = new FormData(form);
    const field = (k: string) => String(data.get(k) ?? '').trim();
    // Only what the crew changed is sent: the server's suggestion stays the default.
    const overrides: AcceptOverrides = {};
    if (field('id') && field('id') !== s.id) overrides.id = field('id');
    if (field('name') !== (s.name ?? '')) overrides.name = field('name') || undefined;
    if (field('role') !== s.role) overrides.role = field('role');
    const btn = form.querySelector<HTMLButtonElement>('[data-action="accept"]')!;
    btn.disabled = true;
    try {
      await submit(overrides);
      dlg.close();
    } catch (err) {
      btn.disabled = false;
      dlg.querySelector('[data-slot="error"]')!.textContent = (err as Error).message;
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  return dlg;
}
