/**
 * The Alertmanager notifier kind: rigmap's alerts as Alertmanager v2 alerts
 * (`POST /api/v2/alerts`), labelled so a fleet's Alertmanager groups, silences
 * and routes them per rig. Alertmanager forgets an alert whose `endsAt` is unset
 * after its `resolve_timeout` (5 min by default), so open alerts are re-sent on a
 * shorter cadence by {@link AlertmanagerResender}; a resolved one is sent once
 * with `endsAt`. docs/fleet.md describes the labels.
 */
import { eq, isNull } from 'drizzle-orm';
import type { Ctx } from '../../context.ts';
import type { Alert } from '../../health-types.ts';
import { getRigName } from '../../rig.ts';
import type { DbLike } from '../../store/db.ts';
import { alerts as alertsTable, devices } from '../../store/schema.ts';
import { toAlert } from '../store.ts';
import type { NoticeEvent, NoticeRequest } from './notice-types.ts';
import type { Notifier } from './store.ts';
import type { SelfAddress } from '../../relay/self.ts';
import type { NameResolver } from './url-guard.ts';
import { NoticeRefused, sendNotice } from './deliver.ts';
import { systemClock, type Clock } from '../../clock.ts';

/** One alert as Alertmanager's v2 API takes it (`postableAlert`). */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL: string;
}

/** Default cadence of re-sends: well inside Alertmanager's default 5-minute resolve_timeout. */
export const ALERTMANAGER_RESEND_MS = 60_000;

/** The alerts endpoint under the base URL the crew gave (`http://am:9093` or `http://am:9093/`). */
export function alertmanagerEndpoint(baseUrl: string): string {
  const u = new URL(baseUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  u.search = '';
  u.hash = '';
  return u.toString();
}

/** Where the dashboard opens this device's panel (the base is the server's public URL). */
export function devicePanelUrl(publicUrl: string, deviceId: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/#graph?device=${encodeURIComponent(deviceId)}`;
}

/** The role of a device, or "unknown" when it has been removed from the map since. */
export function roleOf(db: DbLike, deviceId: string): string {
  return db.select({ role: devices.role }).from(devices).where(eq(devices.id, deviceId)).get()?.role ?? 'unknown';
}

/**
 * Map one rigmap alert onto Alertmanager's shape. `alertname` comes from the
 * kind (`device_lost` → `RigmapDeviceLost`) so routes and silences match on it;
 * a test notice is an info alert named `RigmapTest` that ends at once.
 */
export function toAlertmanagerAlert({ alert, event, rig, role, publicUrl, now = new Date() }: {
  alert: Alert; event: NoticeEvent; rig: string; role: string; publicUrl: string; now?: Date;
}): AlertmanagerAlert {
  const name = event === 'test' ? 'RigmapTest' : `Rigmap${alert.kind.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`;
  const labels: Record<string, string> = { alertname: name, rig, device: alert.deviceId, role, severity: alert.severity };
  if (alert.network) labels.network = alert.network;
  const annotations: Record<string, string> = { summary: alert.message, rigmap_alert_id: String(alert.id) };
  if (alert.folded.length) annotations.folded_devices = alert.folded.join(', ');
  const out: AlertmanagerAlert = { labels, annotations, startsAt: alert.raisedAt, generatorURL: devicePanelUrl(publicUrl, alert.deviceId) };
  if (event === 'alert.resolved') out.endsAt = alert.resolvedAt ?? now.toISOString();
  if (event === 'test') out.endsAt = new Date(now.getTime() + 60_000).toISOString();
  return out;
}

/** The request for one alert notice to an Alertmanager notifier. */
export function buildAlertmanagerNotice({ notifier, event, alert, rig, role, publicUrl, now }: {
  notifier: Notifier; event: NoticeEvent; alert: Alert; rig: string; role: string; publicUrl: string; now?: Date;
}): NoticeRequest {
  const body = JSON.stringify([toAlertmanagerAlert({ alert, event, rig, role, publicUrl, now })]);
  return { url: alertmanagerEndpoint(notifier.url), headers: { 'content-type': 'application/json' }, body };
}

/** Every open alert of the rig, as Alertmanager alerts (one batch per re-send). */
export function openAlertmanagerAlerts({ ctx, publicUrl }: { ctx: Ctx; publicUrl: string }): AlertmanagerAlert[] {
  const rig = getRigName(ctx.db);
  const open = ctx.db.select().from(alertsTable).where(isNull(alertsTable.resolvedAt)).all().map(toAlert);
  return open.map((alert) => toAlertmanagerAlert({ alert, event: 'alert.raised', rig, role: roleOf(ctx.db, alert.deviceId), publicUrl }));
}

/**
 * Re-sends every open alert to every enabled Alertmanager notifier every
 * `resendMs`, so Alertmanager keeps them firing (without `endsAt` it resolves
 * an alert it has not heard of for `resolve_timeout`). One attempt per round:
 * the next round is the retry.
 */
export class AlertmanagerResender {
  private timer: unknown = null;
  private stopped = true;
  private inFlight: Promise<void> | null = null;
  /** Rounds run, batches delivered and failed (for tests and /metrics). */
  readonly counts = { rounds: 0, sent: 0, failed: 0, refused: 0 };

  constructor(private readonly deps: {
    ctx: Ctx;
    publicUrl: () => string;
    resendMs?: number;
    /** The one clock (src/topology/clock.ts); tests pass a FakeClock. */
    clock?: Clock;
    timeoutMs?: number;
    onError?: (err: Error) => void;
    /** Which notifiers to send to (the store's list; given so this module stays apart from dispatch). */
    notifiers: () => Notifier[];
    /** Where rigmap listens (a notifier must not be rigmap itself). */
    self?: () => SelfAddress | undefined;
    /** Name resolution for the guard (tests inject one). */
    resolve?: NameResolver;
  }) {}

  /** Start the cadence (the first round runs one period from now; raises are pushed at once by the dispatcher). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** Stop the cadence; a round in flight finishes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) (this.deps.clock ?? systemClock).clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight;
  }

  /** One round now: every open alert to every enabled Alertmanager notifier. */
  async resendNow(): Promise<void> {
    this.counts.rounds++;
    const targets = this.deps.notifiers().filter((n) => n.kind === 'alertmanager' && n.enabled);
    if (targets.length === 0) return;
    const rank = { info: 0, warning: 1, critical: 2 } as const;
    const all = openAlertmanagerAlerts({ ctx: this.deps.ctx, publicUrl: this.deps.publicUrl() });
    await Promise.all(targets.map(async (n) => {
      const batch = all.filter((a) => rank[a.labels.severity as keyof typeof rank] >= rank[n.minSeverity]);
      if (batch.length === 0) return;
      // One delivery function for every notice (deliver.ts): the guard runs every round on the
      // resolved addresses, so a row from before the guard existed, or a name that now resolves
      // to a forbidden address or to rigmap itself, gets nothing; one log line per notifier and round.
      try {
        const res = await sendNotice(
          { url: alertmanagerEndpoint(n.url), headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) },
          { self: this.deps.self?.(), resolve: this.deps.resolve, timeoutMs: this.deps.timeoutMs ?? 5000 },
        );
        if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status} from ${new URL(n.url).host}`);
        this.counts.sent++;
      } catch (err) {
        if (err instanceof NoticeRefused) {
          this.counts.refused++;
          this.deps.onError?.(new Error(`notifier ${n.name}: re-send refused: ${err.message}`));
          return;
        }
        this.counts.failed++;
        this.deps.onError?.(new Error(`notifier ${n.name}: re-send of ${batch.length} open alerts failed: ${(err as Error).message}`));
      }
    }));
  }

  private schedule(): void {
    if (this.stopped) return;
    const clock = this.deps.clock ?? systemClock;
    this.timer = clock.setTimeout(() => {
      this.timer = null;
      this.inFlight = this.resendNow().catch((err: Error) => this.deps.onError?.(err)).finally(() => {
        this.inFlight = null;
        this.schedule();
      });
    }, this.deps.resendMs ?? ALERTMANAGER_RESEND_MS);
  }
}
