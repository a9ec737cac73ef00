/** `trustDevice`: an operator re-trusts a device whose certificate changed (CLI, REST, dashboard). */
import type { Ctx } from '../context.ts';
import { getDevice } from '../devices.ts';
import { recordAudit } from '../access/audit.ts';
import { type CertPin, trustOf } from './pins.ts';

/** Pin the certificate each contested service of `id` shows now, resolve its alert, audit it. */
export function trustDevice({ ctx, id }: { ctx: Ctx; id: string }): { deviceId: string; changed: CertPin[]; pins: CertPin[] } {
  const device = getDevice({ ctx, id });
  const { changed, pins } = trustOf(ctx).trust(device.id);
  recordAudit(ctx.db, {
    actor: ctx.actor, action: 'device.trusted', target: device.id,
    details: { changed: changed.map((p) => ({ service: p.service, from: p.fingerprint, to: p.seenFingerprint })) },
  });
  return { deviceId: device.id, changed, pins };
}

/** The pinned certificates of a device (for its health and panel). */
export function listPins({ ctx, id }: { ctx: Ctx; id: string }): CertPin[] {
  return trustOf(ctx).list(getDevice({ ctx, id }).id);
}
