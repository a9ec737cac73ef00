/** Alerts: the open ones (acknowledge) and the recent history, updated live. */
import type { Alert } from '../../topology/health-types.ts';
import { api } from '../api.ts';
import { ago, esc, toast } from '../format.ts';
import type { Store } from '../state.ts';

/** `isDevice`: the alert names a device of the map (a network alert such as `network_lost` names `tailnet`, which has no panel). */
function row(a: Alert, withAck: boolean, isDevice: boolean): string {
  const ack = a.acknowledgedAt
    ? `<span class="muted">acknowledged${a.acknowledgedBy ? ` by ${esc(a.acknowledgedBy)}` : ''} ${esc(ago(a.acknowledgedAt))}</span>`
    : withAck ? `<button type="button" data-ack="${a.id}" aria-label="Acknowledge alert ${a.id}: ${esc(a.message)}">Acknowledge</button>` : '';
  const sev = a.severity === 'critical' ? 'down' : a.severity === 'warning' ? 'degraded' : 'unknown';
  return `<tr data-alert="${a.id}">
    <td><span class="state ${sev}">${esc(a.severity)}</span></td>
    <td>${esc(a.message)}${a.folded.length ? `<div class="muted">also covers ${esc(a.folded.join(', '))}</div>` : ''}</td>
    <td class="mono">${isDevice ? `<button type="button" class="linkish" data-device="${esc(a.deviceId)}">${esc(a.deviceId)}</button>` : `<span data-network-alert>${esc(a.deviceId)}</span>`}</td>
    <td>${esc(ago(a.raisedAt))}${a.resolvedAt ? `<div class="muted">resolved ${esc(ago(a.resolvedAt))}</div>` : ''}</td>
    <td>${ack}</td></tr>`;
}

const HEAD = '<thead><tr><th scope="col">Severity</th><th scope="col">What</th><th scope="col">Device</th><th scope="col">When</th><th scope="col"></th></tr></thead>';

/** The alerts view. */
export class AlertsView {
  constructor(private readonly el: HTMLElement, private readonly store: Store, private readonly onDetails: (id: string) => void) {
    store.on('alerts', () => this.render());
    el.addEventListener('click', (e) => {
      const target = e.target as HTMLElement;
      const ack = target.closest<HTMLButtonElement>('button[data-ack]');
      if (ack) void this.acknowledge(Number(ack.dataset.ack), ack);
      const dev = target.closest<HTMLButtonElement>('button[data-device]');
      if (dev) this.onDetails(dev.dataset.device!);
    });
    this.render();
  }

  private async acknowledge(id: number, btn: HTMLButtonElement): Promise<void> {
    btn.disabled = true;
    try {
      const res = (await api.ackAlert(id)) as { alert?: Alert } | Alert | null;
      const alert = res && 'alert' in res ? res.alert : (res as Alert | null);
      if (alert && typeof alert.id === 'number') this.store.upsertAlert(alert);
      else this.store.setAlerts(await api.alerts());
    } catch (err) {
      btn.disabled = false;
      toast(`could not acknowledge: ${(err as Error).message}`);
    }
  }

  render(): void {
    if (!this.store.alertsAvailable) {
      this.el.innerHTML = '<h2>Alerts</h2><p class="muted">This server does not report alerts (no /api/alerts).</p>';
      return;
    }
    const { open, recent } = this.store.alerts;
    const history = recent.filter((a) => a.resolvedAt || !open.some((o) => o.id === a.id));
    this.el.innerHTML = `
      <h2>Open alerts <span class="muted">(${open.length})</span></h2>
      ${open.length ? `<table data-testid="alerts-open">${HEAD}<tbody>${open.map((a) => row(a, true, this.store.devices.has(a.deviceId))).join('')}</tbody></table>` : '<p class="muted" data-testid="alerts-open">Nothing open. All quiet.</p>'}
      <h2>History</h2>
      ${history.length ? `<table data-testid="alerts-history">${HEAD}<tbody>${history.map((a) => row(a, false, this.store.devices.has(a.deviceId))).join('')}</tbody></table>` : '<p class="muted">No alerts yet.</p>'}`;
  }
}
