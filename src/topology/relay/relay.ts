/**
 * The reach relay's domain half: turn `/reach/<device>/<service>/<rest>` into a
 * request to that device's REGISTERED service, and nothing else. The target
 * host and port always come from the map (the device's own addresses, inside
 * the probe scope, the service's registered port); the request only chooses a
 * path under the service's registered base, and tricks (`..`, encoded slashes,
 * absolute URLs, double encoding) are refused before anything is contacted.
 */
import type { IncomingMessage } from 'node:http';
import type { Ctx } from '../context.ts';
import { getDevice } from '../devices.ts';
import { RigmapError } from '../errors.ts';
import type { DeviceHealth } from '../health-types.ts';
import type { ProbeScope } from '../probes/scope.ts';
import { NodeRequestError, openNodeRequest } from './node-request.ts';
import { type NodePath, orderPaths, originOf, relayableService } from './paths.ts';
import { isSelfTarget, type NameResolver, resolvesToSelf, type SelfAddress } from './self.ts';
import { trustOf } from '../trust/pins.ts';

/** Limits of one relayed request. */
export const RELAY_LIMITS = {
  connectMs: 3000,
  /** Until the node's answer starts. */
  headMs: 10_000,
  /** A whole non-streaming answer. */
  totalMs: 30_000,
  maxBytes: 16 * 1024 * 1024,
  /** An SSE stream with nothing on it this long (or a viewer not reading it) is cut. */
  streamIdleMs: 60_000,
  /** An SSE stream is ended after this long (the browser's EventSource reconnects). */
  streamMaxMs: 60 * 60_000,
  /** An SSE stream is cut (as an error) after this many bytes. */
  streamMaxBytes: 64 * 1024 * 1024,
  /** Bytes of a node's answer held for a viewer that reads slower than the node sends; past it the node is paused. */
  bufferBytes: 256 * 1024,
  maxQuery: 2048,
  /** A relayed write's body (an operator's POST/PUT to a camera API: small JSON documents). */
  maxWriteBytes: 64 * 1024,
};

/** The relay's limits (tests shrink them). */
export type RelayLimits = typeof RELAY_LIMITS;

/**
 * The paths of `paths` that are not rigmap itself (see self.ts). A device
 * registered at rigmap's own address and port would otherwise let a viewer
 * call rigmap's admin API through the relay, as a local caller. A host name
 * is judged by what it resolves to (a name for 127.0.0.1 is rigmap too).
 */
export async function withoutSelfPathsResolved(paths: NodePath[], self?: SelfAddress, resolve?: NameResolver): Promise<NodePath[]> {
  if (!self) return paths;
  const isSelf = await Promise.all(paths.map((p) => resolvesToSelf(self, p.address, p.port, resolve)));
  return paths.filter((_, i) => isSelf[i] === null);
}

/** The literal-only check (addresses, localhost, rigmap's --host), for callers that cannot wait. */
export function withoutSelfPaths(paths: NodePath[], self?: SelfAddress): NodePath[] {
  return self ? paths.filter((p) => !isSelfTarget(self, p.address, p.port)) : paths;
}

const refuse = (message: string, details?: unknown) => new RigmapError('validation_failed', `relay refused: ${message}`, details);

/**
 * Check the raw (still percent-encoded) segments after /reach/<device>/<service>/
 * and give back the path to ask the node for, re-encoded segment by segment.
 */
export function relayPathOf(rawSegments: string[]): string {
  if (rawSegments.length === 0 || (rawSegments.length === 1 && rawSegments[0] === '')) return '';
  const out: string[] = [];
  rawSegments.forEach((raw, i) => {
    const last = i === rawSegments.length - 1;
    if (raw === '' && !last) throw refuse('empty path segment ("//"): absolute URLs and host names are not relayed');
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      throw refuse(`"${raw}" is not a valid path segment`);
    }
    if (seg === '.' || seg === '..') throw refuse('".." and "." are not allowed in a relayed path');
    if (/[/\\%\u0000-\u001f\u007f]/.test(seg)) throw refuse(`"${raw}" hides a slash, a backslash, a control character or a second encoding`);
    if (i === 0 && /^[a-z][a-z0-9+.-]*:/i.test(seg)) throw refuse(`"${seg}" looks like an absolute URL: only paths of the registered service are relayed`);
    out.push(encodeURIComponent(seg));
  });
  return `/${out.join('/')}`;
}

/** The query string as sent, refused when long or hiding an absolute URL trick in its path role. */
export function relayQueryOf(search: string): string {
  if (search.length > RELAY_LIMITS.maxQuery) throw refuse(`query longer than ${RELAY_LIMITS.maxQuery} characters`);
  if (/[\u0000-\u001f\u007f#]/.test(search)) throw refuse('the query holds control characters');
  return search;
}

/** An open answer from a node, and the path that carried it. */
export interface RelayOpened {
  res: IncomingMessage;
  path: NodePath;
  /** The path asked of the node (base + relayed path + query). */
  target: string;
}

/**
 * Open the relayed request: registered device and service only, best path
 * first; another path is tried only if the first could not be connected to.
 */
export async function openRelay({ ctx, deviceId, serviceName, relayPath, query, headers, scope, health, signal, self, method = 'GET', body, resolve }: {
  ctx: Ctx; deviceId: string; serviceName: string; relayPath: string; query: string; headers: Record<string, string>;
  /** GET for a viewer; POST/PUT (an operator's write, its JSON body) to change a camera's settings or transport. */
  method?: 'GET' | 'POST' | 'PUT';
  body?: string;
  scope: ProbeScope; health?: DeviceHealth | null; signal: AbortSignal;
  /** Where rigmap listens: paths to it are never used (a host name is judged by the addresses it resolves to). */
  self?: SelfAddress;
  /** Name resolution for that check (tests inject one). */
  resolve?: NameResolver;
}): Promise<RelayOpened> {
  const device = getDevice({ ctx, id: deviceId });
  const service = relayableService(device, serviceName);
  if (!service) {
    const names = device.services.filter((s) => s.protocol === 'http' || s.protocol === 'https').map((s) => s.name);
    throw new RigmapError('not_found', `${device.id} has no registered http service "${serviceName}"${names.length ? ` (it has: ${names.join(', ')})` : ''}`, { deviceId, service: serviceName });
  }
  const inScope = orderPaths({ device, service, scope, health, trust: trustOf(ctx) });
  if (!inScope.length) throw new RigmapError('forbidden', `no address of ${device.id} is inside the probe scope (${scope.text}): rigmap does not contact it`);
  const paths = await withoutSelfPathsResolved(inScope, self, resolve);
  if (!paths.length) throw new RigmapError('forbidden', `${device.id}'s ${serviceName} is registered at rigmap's own address and port: the relay never calls rigmap itself`);
  const target = `${paths[0]!.basePath}${relayPath}${query}` || '/';
  let lastError: NodeRequestError | null = null;
  for (const path of paths) {
    try {
      const res = await openNodeRequest({ path, method, pathAndQuery: target, headers, body, connectTimeoutMs: RELAY_LIMITS.connectMs, signal });
      return { res, path, target };
    } catch (err) {
      lastError = err as NodeRequestError;
      // Only a request the node cannot have seen is tried again on another path (a write must not happen twice).
      if (!(err instanceof NodeRequestError) || !err.beforeSend || signal.aborted) break;
    }
  }
  const tried = paths.map((p) => `${p.network} ${originOf(p)}`).join(', ');
  throw new RigmapError('upstream_failed', `${device.id} did not answer on ${tried}: ${lastError?.message ?? 'no answer'}`, { deviceId, tried: paths.map((p) => ({ network: p.network, address: p.address, state: p.state })) });
}

/**
 * A node's redirect, made safe: a Location on the same device and port (and
 * under the service's base) becomes the matching /reach/ URL; anything else is
 * refused rather than followed or passed on.
 */
export function rewriteRedirect({ location, opened, deviceId, serviceName }: { location: string; opened: RelayOpened; deviceId: string; serviceName: string }): string {
  const origin = originOf(opened.path);
  let to: URL;
  try {
    to = new URL(location, `${origin}${opened.target}`);
  } catch {
    throw new RigmapError('upstream_failed', `${deviceId} answered a redirect rigmap cannot read`);
  }
  const base = opened.path.basePath;
  if (to.origin !== new URL(origin).origin || !(to.pathname === base || to.pathname.startsWith(`${base}/`) || base === '')) {
    throw new RigmapError('upstream_failed', `${deviceId} redirected to ${to.host}${to.pathname}, off its registered ${serviceName} service: not followed`, { location: to.origin });
  }
  return `/reach/${encodeURIComponent(deviceId)}/${encodeURIComponent(serviceName)}${to.pathname.slice(base.length) || '/'}${to.search}`;
}
