/**
 * The shapes every notifier kind shares. Their own file so format.ts (which
 * picks the kind) and alertmanager.ts (one kind) do not import each other.
 */

/** What is being told: an alert raised, resolved, or a test. */
export type NoticeEvent = 'alert.raised' | 'alert.resolved' | 'test';

/** An HTTP request ready to send. */
export interface NoticeRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}
