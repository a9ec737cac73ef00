/** Notifier verbs: where alerts are sent (webhook, Slack, Discord, ntfy, Alertmanager), stored in SQLite. */
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../../context.ts';
import { parseOrThrow, RigmapError } from '../../errors.ts';
import type { SelfAddress } from '../../relay/self.ts';
import { notifiers } from '../../store/schema.ts';
import { checkNotifierUrl } from './url-guard.ts';

export const NOTIFIER_KINDS = ['webhook', 'slack', 'discord', 'ntfy', 'alertmanager'] as const;
export const SEVERITIES = ['info', 'warning', 'critical'] as const;

/** A notifier as the API shows it. */
export interface Notifier {
  id: number;
  name: string;
  kind: (typeof NOTIFIER_KINDS)[number];
  url: string;
  enabled: boolean;
  minSeverity: (typeof SEVERITIES)[number];
  createdAt: string;
}

export const notifierInputSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, { error: 'must be 1-64 letters, digits, spaces, "_", "." or "-"' }),
  kind: z.enum(NOTIFIER_KINDS, { error: () => `must be one of ${NOTIFIER_KINDS.join(', ')}` }),
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  enabled: z.boolean().default(true),
  minSeverity: z.enum(SEVERITIES, { error: () => `must be one of ${SEVERITIES.join(', ')}` }).default('info'),
});

type Row = typeof notifiers.$inferSelect;
const toNotifier = (r: Row): Notifier => ({ ...r, kind: r.kind as Notifier['kind'], minSeverity: r.minSeverity as Notifier['minSeverity'] });

/** Every notifier, by name. */
export function listNotifiers({ ctx }: { ctx: Ctx }): Notifier[] {
  return ctx.db.select().from(notifiers).orderBy(asc(notifiers.name)).all().map(toNotifier);
}

/** One notifier by id or name; `not_found` otherwise. */
export function getNotifier({ ctx, ref }: { ctx: Ctx; ref: string | number }): Notifier {
  const byId = typeof ref === 'number' || /^\d+$/.test(ref);
  const row = byId
    ? ctx.db.select().from(notifiers).where(eq(notifiers.id, Number(ref))).get()
    : ctx.db.select().from(notifiers).where(eq(notifiers.name, String(ref))).get();
  if (!row) throw new RigmapError('not_found', `no notifier "${ref}" (see \`rigmap notifier list\`)`, { ref });
  return toNotifier(row);
}

/**
 * Add a notifier; a taken name is a `conflict`, a URL rigmap must not send to
 * (metadata, credentials, rigmap itself at `self`: see url-guard.ts) is refused.
 */
export function addNotifier({ ctx, input, self }: { ctx: Ctx; input: unknown; self?: SelfAddress }): Notifier {
  const data = parseOrThrow(notifierInputSchema, input, 'notifier');
  checkNotifierUrl(data.url, { self });
  if (ctx.db.select().from(notifiers).where(eq(notifiers.name, data.name)).get()) {
    throw new RigmapError('conflict', `a notifier named "${data.name}" already exists`, { name: data.name });
  }
  return toNotifier(ctx.db.insert(notifiers).values(data).returning().get());
}

/** Remove a notifier by id or name. */
export function removeNotifier({ ctx, ref }: { ctx: Ctx; ref: string | number }): Notifier {
  const n = getNotifier({ ctx, ref });
  ctx.db.delete(notifiers).where(eq(notifiers.id, n.id)).run();
  return n;
}
