/**
 * The request each kind of notifier gets. The generic webhook's JSON is
 * documented in the README ("Webhook payload"): keep the two in step.
 */
import type { Alert } from '../../health-types.ts';
import { buildAlertmanagerNotice } from './alertmanager.ts';
import type { Notifier } from './store.ts';

import type { NoticeEvent, NoticeRequest } from './notice-types.ts';

export type { NoticeEvent, NoticeRequest } from './notice-types.ts';

/** The generic webhook body. */
export interface WebhookPayload {
  event: NoticeEvent;
  /** One line a crew member reads (also what Slack/Discord/ntfy show). */
  text: string;
  rig: string;
  alert: Alert;
  sentAt: string;
}


const ICON: Record<string, string> = { critical: '🔴', warning: '🟠', info: '🔵' };

/** "🔴 [Studio B] Cam A lost: …" / "✅ [Studio B] resolved: Cam A is back". */
export function noticeText(event: NoticeEvent, alert: Alert, rig: string): string {
  if (event === 'test') return `[${rig}] test notification from rigmap: this notifier works`;
  if (event === 'alert.resolved') return `✅ [${rig}] resolved: ${alert.message}`;
  const folded = alert.folded.length ? ` (also affects ${alert.folded.join(', ')})` : '';
  return `${ICON[alert.severity] ?? ''} [${rig}] ${alert.message}${folded}`.trim();
}

/**
 * Build the request for this notifier's kind. `role` and `publicUrl` (the
 * dashboard's address, for links back) are used by the Alertmanager kind.
 */
export function buildNotice({ notifier, event, alert, rig, role = 'unknown', publicUrl = 'http://localhost:4747', now }: {
  notifier: Notifier; event: NoticeEvent; alert: Alert; rig: string; role?: string; publicUrl?: string;
  /** When it is sent (the injected clock); default the system's. */
  now?: number;
}): NoticeRequest {
  const at = now === undefined ? new Date() : new Date(now);
  const text = noticeText(event, alert, rig);
  const json = { 'content-type': 'application/json' };
  switch (notifier.kind) {
    case 'alertmanager':
      return buildAlertmanagerNotice({ notifier, event, alert, rig, role, publicUrl, now: at });
    case 'slack':
      return { url: notifier.url, headers: json, body: JSON.stringify({ text }) };
    case 'discord':
      return { url: notifier.url, headers: json, body: JSON.stringify({ content: text }) };
    case 'ntfy':
      return {
        url: notifier.url,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          title: event === 'alert.resolved' ? 'rigmap: resolved' : `rigmap: ${alert.kind.replace(/_/g, ' ')}`,
          priority: event === 'alert.raised' && alert.severity === 'critical' ? 'high' : 'default',
          tags: event === 'alert.resolved' ? 'white_check_mark' : alert.severity === 'critical' ? 'rotating_light' : 'warning',
        },
        body: text,
      };
    default: {
      const payload: WebhookPayload = { event, text, rig, alert, sentAt: at.toISOString() };
      return { url: notifier.url, headers: json, body: JSON.stringify(payload) };
    }
  }
}
