/**
 * The add / edit device form, in a native <dialog> (focus is trapped and Escape
 * closes it for free). Edits only the fields a crew member types by hand; the
 * full shape stays available through import and the API.
 */
import type { Device } from '../../topology/model.ts';
import { ROLES } from '../constants.ts';
import { api } from '../api.ts';
import { esc, toast } from '../format.ts';

const list = (v: FormDataEntryValue | null) => String(v ?? '').split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);

/** Open the form for a new device (`device: null`) or an existing one. */
export function openDeviceForm({ device }: { device: Device | null }): HTMLDialogElement {
  const lan = device?.addresses.find((a) => a.network === 'lan');
  const ts = device?.addresses.find((a) => a.network === 'tailscale');
  const cam = device?.services.find((s) => s.name === 'camera-node');
  const dlg = document.createElement('dialog');
  dlg.setAttribute('aria-labelledby', 'device-form-title');
  dlg.innerHTML = `<form method="dialog" novalidate>
    <h2 id="device-form-title">${device ? `Edit ${esc(device.id)}` : 'Add a device'}</h2>
    <label>ID <input name="id" required pattern="[a-z0-9][a-z0-9-]*" value="${esc(device?.id ?? '')}" ${device ? 'readonly' : ''} placeholder="cam-e"></label>
    <label>Name <input name="name" value="${esc(device?.name ?? '')}" placeholder="Cam E"></label>
    <label>Role <select name="role">${ROLES.map((r) => `<option ${r === (device?.role ?? 'camera') ? 'selected' : ''}>${r}</option>`).join('')}</select></label>
    <label>LAN IP <input name="lan" value="${esc(lan?.ip ?? '')}" placeholder="192.168.1.25" inputmode="decimal"></label>
    <label>Tailscale IP or MagicDNS name <input name="tailscale" value="${esc(ts?.ip ?? ts?.hostname ?? '')}" placeholder="100.101.1.6"></label>
    <label>Camera-node port (empty: none) <input name="port" value="${esc(cam?.port ?? (device ? '' : '8080'))}" inputmode="numeric"></label>
    <label>Tags (comma-separated) <input name="tags" value="${esc(device?.tags.join(', ') ?? '')}"></label>
    <p class="error-text" data-slot="error" role="alert"></p>
    <div class="row"><button value="cancel" formnovalidate>Cancel</button><button value="save" data-action="save">${device ? 'Save' : 'Add'}</button></div>
  </form>`;
  document.body.append(dlg);
  const form = dlg.querySelector('form')!;
  form.addEventListener('submit', async (e) => {
    const submitter = (e as SubmitEvent).submitter as HTMLButtonElement | null;
    if (submitter?.value !== 'save') return;
    e.preventDefault();
    const data = new FormData(form);
    const addr = (network: 'lan' | 'tailscale', v: string) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(v) || v.includes(':') ? { network, ip: v } : { network, hostname: v });
    const addresses = [
      ...(String(data.get('lan') ?? '').trim() ? [addr('lan', String(data.get('lan')).trim())] : []),
      ...(String(data.get('tailscale') ?? '').trim() ? [addr('tailscale', String(data.get('tailscale')).trim())] : []),
    ];
    const port = String(data.get('port') ?? '').trim();
    const others = device?.services.filter((s) => s.name !== 'camera-node').map((s) => ({ name: s.name, protocol: s.protocol, port: s.port, ...(s.path ? { path: s.path } : {}) })) ?? [];
    const services = [...others, ...(port ? [{ name: 'camera-node', protocol: 'http', port: Number(port), path: '/api/v1' }] : [])];
    const body = { name: String(data.get('name') ?? '').trim() || undefined, role: data.get('role'), addresses, services, tags: list(data.get('tags')) };
    try {
      if (device) await api.updateDevice(device.id, body);
      else await api.createDevice({ id: String(data.get('id') ?? '').trim(), ...body });
      toast(device ? `${device.id} saved` : `${String(data.get('id'))} added`);
      dlg.close();
    } catch (err) {
      dlg.querySelector('[data-slot="error"]')!.textContent = (err as Error).message;
    }
  });
  dlg.addEventListener('close', () => dlg.remove());
  dlg.showModal();
  return dlg;
}
