/**
 * Sends alert notices to every enabled notifier, in the background, retrying
 * with exponential backoff (network errors, 429, 5xx; never other 4xx).
 */
import type { Ctx } from '../../context.ts';
import type { Alert } from '../../health-types.ts';
import { getRigName } from '../../rig.ts';
import { roleOf } from './alertmanager.ts';
import { buildNotice, type NoticeEvent } from './format.ts';
import type { SelfAddress } from '../../relay/self.ts';
import { getNotifier, listNotifiers, type Notifier } from './store.ts';
import { sleepOn, systemClock, type Clock } from '../../clock.ts';
import type { NameResolver } from '../../relay/self.ts';
import { NoticeRefused, sendNotice } from './deliver.ts';

/** Outcome of one delivery. */
export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
  /** The URL guard refused the target: nothing was sent. */
  refused?: boolean;
}

const RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * Send one notice, retrying up to `attempts` times. Each attempt goes through
 * {@link sendNotice} (the URL guard on the resolved addresses, then a connection
 * to a checked address); a refusal is final and sends nothing. Redirects are
 * never followed and the answer's body is never read.
 */
export async function deliverNotice({ notifier, event, alert, rig, role, publicUrl, attempts = 5, baseDelayMs = 500, timeoutMs = 5000, signal, self, resolve, clock = systemClock }: {
  notifier: Notifier; event: NoticeEvent; alert: Alert; rig: string; role?: string; publicUrl?: string; attempts?: number; baseDelayMs?: number; timeoutMs?: number; signal?: AbortSignal; self?: SelfAddress;
  resolve?: NameResolver; clock?: Clock;
}): Promise<DeliveryResult> {
  const req = buildNotice({ notifier, event, alert, rig, role, publicUrl, now: clock.now() });
  let last: DeliveryResult = { ok: false, attempts: 0, status: null, error: null };
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await sendNotice(req, { self, resolve, timeoutMs, signal });
      if (res.status >= 200 && res.status < 300) return { ok: true, attempts: i, status: res.status, error: null };
      const redirect = res.status >= 300 && res.status < 400 ? ` (a redirect${res.location ? ` to ${res.location}` : ''}: not followed)` : '';
      last = { ok: false, attempts: i, status: res.status, error: `HTTP ${res.status} from ${new URL(req.url).host}${redirect}` };
      if (res.status < 500 && res.status !== 429) return last;
    } catch (err) {
      if (err instanceof NoticeRefused) return { ok: false, attempts: i - 1, status: null, error: err.message, refused: true };
      last = { ok: false, attempts: i, status: null, error: (err as Error).message };
    }
    if (i < attempts) {
      if (signal?.aborted) return last;
      await sleepOn(clock, Math.min(baseDelayMs * 2 ** (i - 1), 30_000) * (0.8 + Math.random() * 0.4));
    }
  }
  return last;
}

/** Send a test notice to one notifier (one attempt, answered to the caller). */
export async function sendTestNotice({ ctx, ref, self, publicUrl, resolve }: { ctx: Ctx; ref: string | number; self?: SelfAddress; publicUrl?: string; resolve?: NameResolver }): Promise<DeliveryResult & { notifier: string }> {
  const notifier = getNotifier({ ctx, ref });
  const now = new Date().toISOString();
  const alert: Alert = {
    id: 0, kind: 'device_lost', deviceId: 'test', network: null, severity: 'info', message: 'test notification from rigmap',
    folded: [], raisedAt: now, resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null,
  };
  const result = await deliverNotice({ notifier, event: 'test', alert, rig: getRigName(ctx.db), publicUrl, attempts: 1, self, resolve });
  return { ...result, notifier: notifier.name };
}

/** Subscribes to alert events and fans them out to the notifiers. */
export class AlertDispatcher {
  private readonly pending = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private off: Array<() => void> = [];
  /** Counts for /metrics. */
  readonly counts = { sent: 0, failed: 0 };

  constructor(private readonly deps: {
    ctx: Ctx; onResult?: (n: Notifier, event: NoticeEvent, r: DeliveryResult) => void; baseDelayMs?: number;
    /** The dashboard's address, for links back from notices (Alertmanager's generatorURL). */
    publicUrl?: () => string;
    /** Where rigmap listens (the guard refuses a notifier that is rigmap itself, by name too). */
    self?: () => SelfAddress | undefined;
    /** Name resolution for the guard (tests inject one). */
    resolve?: NameResolver;
    clock?: Clock;
  }) {}

  start(): void {
    const { bus } = this.deps.ctx;
    this.off.push(
      bus.on('alert.raised', (e) => this.send('alert.raised', e.data.alert)),
      // A changed folded list or wording: Alertmanager takes the alert again (same labels, new annotations);
      // chat webhooks are not told twice about one outage.
      bus.on('alert.changed', (e) => this.send('alert.raised', e.data.alert, (n) => n.kind === 'alertmanager')),
      bus.on('alert.resolved', (e) => this.send('alert.resolved', e.data.alert)),
    );
  }

  /** Stop listening; give deliveries in flight a moment to finish. */
  async stop(graceMs = 2000): Promise<void> {
    for (const off of this.off.splice(0)) off();
    this.abort.abort();
    await Promise.race([Promise.allSettled([...this.pending]), sleepOn(this.deps.clock ?? systemClock, graceMs)]);
  }

  private send(event: NoticeEvent, alert: Alert, which: (n: Notifier) => boolean = () => true): void {
    const { ctx } = this.deps;
    const rig = getRigName(ctx.db);
    const self = this.deps.self?.();
    for (const notifier of listNotifiers({ ctx })) {
      if (!notifier.enabled || RANK[alert.severity] < RANK[notifier.minSeverity] || !which(notifier)) continue;
      const extra = notifier.kind === 'alertmanager' ? { role: roleOf(ctx.db, alert.deviceId), publicUrl: this.deps.publicUrl?.() } : {};
      const p = deliverNotice({ notifier, event, alert, rig, ...extra, signal: this.abort.signal, baseDelayMs: this.deps.baseDelayMs, self, resolve: this.deps.resolve, clock: this.deps.clock }).then((r) => {
        if (r.ok) this.counts.sent++;
        else this.counts.failed++;
        this.deps.onResult?.(notifier, event, r);
      });
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }
}
