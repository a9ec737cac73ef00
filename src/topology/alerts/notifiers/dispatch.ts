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
import { checkNotifierTarget } from './url-guard.ts';

/** Outcome of one delivery. */
export interface DeliveryResult {
  ok: boolean;
  attempts: number;
  status: number | null;
  error: string | null;
}

const RANK = { info: 0, warning: 1, critical: 2 } as const;

/**
 * Send one notice, retrying up to `attempts` times. The URL is checked again
 * first (rows from before the check, names resolving to metadata addresses:
 * see url-guard.ts), redirects are never followed and the answer's body is
 * never read.
 */
export async function deliverNotice({ notifier, event, alert, rig, role, publicUrl, attempts = 5, baseDelayMs = 500, timeoutMs = 5000, signal, self }: {
  notifier: Notifier; event: NoticeEvent; alert: Alert; rig: string; role?: string; publicUrl?: string; attempts?: number; baseDelayMs?: number; timeoutMs?: number; signal?: AbortSignal; self?: SelfAddress;
}): Promise<DeliveryResult> {
  const req = buildNotice({ notifier, event, alert, rig, role, publicUrl });
  let last: DeliveryResult = { ok: false, attempts: 0, status: null, error: null };
  try {
    await checkNotifierTarget(req.url, { self });
  } catch (err) {
    return { ok: false, attempts: 0, status: null, error: (err as Error).message };
  }
  for (let i = 1; i <= attempts; i++) {
    try {
      const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return { ok: true, attempts: i, status: res.status, error: null };
      const redirect = res.status >= 300 && res.status < 400 ? ` (a redirect${res.headers.get('location') ? ` to ${res.headers.get('location')!.slice(0, 200)}` : ''}: not followed)` : '';
      last = { ok: false, attempts: i, status: res.status, error: `HTTP ${res.status} from ${new URL(req.url).host}${redirect}` };
      if (res.status < 500 && res.status !== 429) return last;
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      last = { ok: false, attempts: i, status: null, error: cause ?? (err as Error).message };
    }
    if (i < attempts) {
      if (signal?.aborted) return last;
      await new Promise((r) => setTimeout(r, Math.min(baseDelayMs * 2 ** (i - 1), 30_000) * (0.8 + Math.random() * 0.4)));
    }
  }
  return last;
}

/** Send a test notice to one notifier (one attempt, answered to the caller). */
export async function sendTestNotice({ ctx, ref, self, publicUrl }: { ctx: Ctx; ref: string | number; self?: SelfAddress; publicUrl?: string }): Promise<DeliveryResult & { notifier: string }> {
  const notifier = getNotifier({ ctx, ref });
  const now = new Date().toISOString();
  const alert: Alert = {
    id: 0, kind: 'device_lost', deviceId: 'test', network: null, severity: 'info', message: 'test notification from rigmap',
    folded: [], raisedAt: now, resolvedAt: null, acknowledgedAt: null, acknowledgedBy: null,
  };
  const result = await deliverNotice({ notifier, event: 'test', alert, rig: getRigName(ctx.db), publicUrl, attempts: 1, self });
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
  }) {}

  start(): void {
    const { bus } = this.deps.ctx;
    this.off.push(
      bus.on('alert.raised', (e) => this.send('alert.raised', e.data.alert)),
      bus.on('alert.resolved', (e) => this.send('alert.resolved', e.data.alert)),
    );
  }

  /** Stop listening; give deliveries in flight a moment to finish. */
  async stop(graceMs = 2000): Promise<void> {
    for (const off of this.off.splice(0)) off();
    this.abort.abort();
    await Promise.race([Promise.allSettled([...this.pending]), new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private send(event: NoticeEvent, alert: Alert): void {
    const { ctx } = this.deps;
    const rig = getRigName(ctx.db);
    for (const notifier of listNotifiers({ ctx })) {
      if (!notifier.enabled || RANK[alert.severity] < RANK[notifier.minSeverity]) continue;
      const extra = notifier.kind === 'alertmanager' ? { role: roleOf(ctx.db, alert.deviceId), publicUrl: this.deps.publicUrl?.() } : {};
      const p = deliverNotice({ notifier, event, alert, rig, ...extra, signal: this.abort.signal, baseDelayMs: this.deps.baseDelayMs }).then((r) => {
        if (r.ok) this.counts.sent++;
        else this.counts.failed++;
        this.deps.onResult?.(notifier, event, r);
      });
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }
  }
}
