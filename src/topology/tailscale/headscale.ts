/**
 * Headscale, the self-hosted control server many crews run: its REST API
 * (`GET /api/v1/node`, Bearer API key) and the mapping of its nodes to tailnet
 * nodes, like a Tailscale import: tags → roles, the MagicDNS name from
 * `givenName` and the tailnet's base domain, idempotent by node id. The key
 * never appears in an error, a log line or an answer.
 */
import { z } from 'zod';
import { RigmapError } from '../errors.ts';
import { isRedirect, MAX_ANSWER_BYTES, NO_REDIRECT, readCappedText, redirectRefused } from './http-caps.ts';
import { type TailnetNode, timeOrNull } from './mapping.ts';
import type { SkippedNode, TolerantRead } from './tolerant.ts';

const str = z.string().nullish().catch(null);
const strList = z.array(z.string()).nullish().catch(null);

/**
 * One node of `GET /api/v1/node` (headscale.v1.Node). Headscale's gateway
 * answers camelCase; some proxies re-encode it snake_case, read too.
 */
const headscaleNodeSchema = z.looseObject({
  id: z.union([z.string(), z.number().int().nonnegative().transform(String)]).nullish().catch(null),
  name: str,
  givenName: str,
  given_name: str,
  ipAddresses: strList,
  ip_addresses: strList,
  online: z.boolean().nullish().catch(null),
  lastSeen: str,
  last_seen: str,
  tags: strList,
  forcedTags: strList,
  forced_tags: strList,
  validTags: strList,
  valid_tags: strList,
});

const nodeListSchema = z.looseObject({ nodes: z.array(z.unknown()) });

/** `host.example.ts.net`: the base domain as Headscale's `dns.base_domain`, without dots around it. */
export const cleanBaseDomain = (domain: string | null | undefined): string | null => domain?.trim().replace(/^\.+|\.+$/g, '').toLowerCase() || null;

/** Headscale nodes as tailnet nodes; a node without an id (or a name) is skipped with the reason. */
export function readHeadscaleNodes(nodes: readonly unknown[], baseDomain: string | null): TolerantRead {
  const out: TolerantRead = { nodes: [], skipped: [] };
  const domain = cleanBaseDomain(baseDomain);
  nodes.forEach((raw, i) => {
    const parsed = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? headscaleNodeSchema.safeParse(raw) : null;
    if (!parsed?.success) return out.skipped.push({ nodeId: '', hostname: '', reason: `node #${i + 1} in the list is not a JSON object` });
    const n = parsed.data;
    const given = n.givenName || n.given_name || '';
    const hostname = n.name || given;
    const skip = (reason: string): number => out.skipped.push({ nodeId: n.id ?? '', hostname, reason } satisfies SkippedNode);
    if (!n.id) return skip('it has no id, so a re-import could not recognise it');
    if (!hostname) return skip('it has neither name nor givenName');
    const ips = (n.ipAddresses ?? n.ip_addresses ?? []).map((ip) => ip.replace(/\/\d+$/, ''));
    const tags = [...new Set([...(n.tags ?? []), ...(n.forcedTags ?? n.forced_tags ?? []), ...(n.validTags ?? n.valid_tags ?? [])])];
    out.nodes.push({
      nodeId: n.id,
      hostname,
      dnsName: given && domain ? `${given.toLowerCase()}.${domain}` : null,
      ipv4: ips.filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)),
      ipv6: ips.filter((ip) => ip.includes(':')),
      tags,
      os: null,
      online: n.online ?? null,
      lastSeen: timeOrNull(n.lastSeen ?? n.last_seen),
      endpoints: [],
      isSelf: false,
    });
  });
  return out;
}

/** A client of one Headscale server's REST API. */
export class HeadscaleClient {
  readonly apiBase: string;
  readonly baseDomain: string | null;
  private readonly apiKey: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(opts: { apiBase: string; apiKey: string; baseDomain?: string | null; fetch?: typeof fetch; timeoutMs?: number; maxBytes?: number }) {
    if (!/^https?:\/\//i.test(opts.apiBase)) {
      throw new RigmapError('validation_failed', `the Headscale URL "${opts.apiBase.slice(0, 200)}" must start with https:// (or http:// on a trusted network), e.g. https://headscale.example.com`);
    }
    this.apiBase = opts.apiBase.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
    this.apiKey = opts.apiKey;
    this.baseDomain = cleanBaseDomain(opts.baseDomain);
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.maxBytes = opts.maxBytes ?? MAX_ANSWER_BYTES;
  }

  /** Every node Headscale knows, unread (readHeadscaleNodes reads them one by one). */
  async listNodes(): Promise<unknown[]> {
    const who = `Headscale at ${this.apiBase}`;
    let res: Response;
    try {
      res = await this.fetchFn(`${this.apiBase}/api/v1/node`, {
        headers: { authorization: `Bearer ${this.apiKey}`, accept: 'application/json' },
        ...NO_REDIRECT,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      const why = (err as Error).name === 'TimeoutError' ? `no answer within ${this.timeoutMs / 1000} s` : (cause?.code ?? (err as Error).message);
      throw new RigmapError('upstream_failed', `cannot reach ${who} (${why}); check the URL (--api-base / RIGMAP_HEADSCALE_API_BASE) and the network`, { retryable: true });
    }
    if (isRedirect(res)) throw redirectRefused(who, res);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => undefined);
      throw new RigmapError('unauthorized', `${who} refused the API key (HTTP ${res.status}): it is wrong, expired or was expired with \`headscale apikeys expire\`. Fix: create one on the Headscale server with \`headscale apikeys create\` and set RIGMAP_HEADSCALE_API_KEY (or --headscale-api-key-file FILE)`, { status: res.status });
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      throw new RigmapError('upstream_failed', `${who} failed to list nodes with HTTP ${res.status}${res.status === 404 ? ': is this a Headscale server (its REST API lives under /api/v1)?' : '; it is probably temporary'}`, { status: res.status });
    }
    const text = await readCappedText(res, who, this.maxBytes);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RigmapError('upstream_failed', `${who} answered the node list with something that is not JSON`);
    }
    const parsed = nodeListSchema.safeParse(body);
    if (!parsed.success) throw new RigmapError('upstream_failed', `${who} answered with something that is not a node list (no "nodes" array)`);
    return parsed.data.nodes;
  }
}
