/**
 * Link verbs: connections between devices (camera → hotspot over wifi).
 * A link to a device that does not exist is refused, naming the missing id.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Ctx } from './context.ts';
import { parseOrThrow, RigmapError } from './errors.ts';
import { type Link, type LinkKind, linkInputSchema, linkPatchSchema } from './model.ts';
import type { DbLike } from './store/db.ts';
import { devices, links } from './store/schema.ts';

type LinkRow = typeof links.$inferSelect;

const toLink = (row: LinkRow): Link => ({ id: row.id, from: row.fromId, to: row.toId, kind: row.kind as LinkKind });

/** Every link, sorted by from, to, kind. */
export function listLinks({ ctx, deviceId }: { ctx: Ctx; deviceId?: string }): Link[] {
  const rows = ctx.db.select().from(links).orderBy(asc(links.fromId), asc(links.toId), asc(links.kind)).all();
  return rows.map(toLink).filter((l) => !deviceId || l.from === deviceId || l.to === deviceId);
}

/** One link by id, or `not_found`. */
export function getLink({ ctx, id }: { ctx: Ctx; id: number }): Link {
  const row = ctx.db.select().from(links).where(eq(links.id, id)).get();
  if (!row) throw new RigmapError('not_found', `no link with id ${id}`, { id });
  return toLink(row);
}

/** Refuse ends that are not devices, naming the field and the id. */
export function assertLinkEnds(db: DbLike, ends: { from: string; to: string }, prefix = ''): void {
  for (const field of ['from', 'to'] as const) {
    const id = ends[field];
    if (!db.select({ id: devices.id }).from(devices).where(eq(devices.id, id)).get()) {
      const name = prefix ? `${prefix}.${field}` : field;
      throw new RigmapError('validation_failed', `invalid link: ${name}: no device with id "${id}"`, {
        problems: [{ field: name, message: 'no device with this id', value: id }],
      });
    }
  }
  if (ends.from === ends.to) {
    throw new RigmapError('validation_failed', `invalid link: a device cannot link to itself ("${ends.from}")`, {
      problems: [{ field: prefix ? `${prefix}.to` : 'to', message: 'must differ from "from"', value: ends.to }],
    });
  }
}

function findLink(db: DbLike, from: string, to: string, kind: string): LinkRow | undefined {
  return db.select().from(links).where(and(eq(links.fromId, from), eq(links.toId, to), eq(links.kind, kind))).get();
}

/** Insert a link unless the same (from, to, kind) exists; returns the row and whether it is new. */
export function upsertLinkRow(db: DbLike, l: { from: string; to: string; kind: string }): { row: LinkRow; created: boolean } {
  const existing = findLink(db, l.from, l.to, l.kind);
  if (existing) return { row: existing, created: false };
  const row = db.insert(links).values({ fromId: l.from, toId: l.to, kind: l.kind }).returning().get();
  return { row, created: true };
}

/** Add a link; the same (from, to, kind) twice is a `conflict`. */
export function createLink({ ctx, input }: { ctx: Ctx; input: unknown }): Link {
  const parsed = parseOrThrow(linkInputSchema, input, 'link');
  const row = ctx.db.transaction((tx) => {
    assertLinkEnds(tx, parsed);
    const { row, created } = upsertLinkRow(tx, parsed);
    if (!created) {
      throw new RigmapError('conflict', `a ${parsed.kind} link from "${parsed.from}" to "${parsed.to}" already exists (id ${row.id})`, {
        id: row.id,
      });
    }
    return row;
  });
  const link = toLink(row);
  ctx.bus.emit('link.changed', { linkId: link.id, from: link.from, to: link.to, change: 'created', actor: ctx.actor });
  return link;
}

/** Change a link's ends or kind. */
export function updateLink({ ctx, id, patch }: { ctx: Ctx; id: number; patch: unknown }): Link {
  const parsed = parseOrThrow(linkPatchSchema, patch, 'link change');
  const current = getLink({ ctx, id });
  const next = { from: parsed.from ?? current.from, to: parsed.to ?? current.to, kind: parsed.kind ?? current.kind };
  ctx.db.transaction((tx) => {
    assertLinkEnds(tx, next);
    const clash = findLink(tx, next.from, next.to, next.kind);
    if (clash && clash.id !== id) {
      throw new RigmapError('conflict', `a ${next.kind} link from "${next.from}" to "${next.to}" already exists (id ${clash.id})`);
    }
    tx.update(links).set({ fromId: next.from, toId: next.to, kind: next.kind }).where(eq(links.id, id)).run();
  });
  ctx.bus.emit('link.changed', { linkId: id, from: next.from, to: next.to, change: 'updated', actor: ctx.actor });
  return getLink({ ctx, id });
}

/** Remove a link. */
export function removeLink({ ctx, id }: { ctx: Ctx; id: number }): Link {
  const link = getLink({ ctx, id });
  ctx.db.delete(links).where(eq(links.id, id)).run();
  ctx.bus.emit('link.changed', { linkId: id, from: link.from, to: link.to, change: 'removed', actor: ctx.actor });
  return link;
}
