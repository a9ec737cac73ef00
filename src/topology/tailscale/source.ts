/**
 * Where a tailnet import reads from, and reading it: the HTTP API, the Local
 * API, or a saved status. Credentials come from the environment or a file and
 * are never put in an error, a log line or an answer.
 */
import { readFileSync } from 'node:fs';
import type { Ctx } from '../context.ts';
import { RigmapError } from '../errors.ts';
import type { Role } from '../model.ts';
import { type ApiCredentials, TailscaleApiClient } from './api-client.ts';
import { HeadscaleClient, readHeadscaleNodes } from './headscale.ts';
import { importTailnet, type TailnetImportReport, type TailnetSourceKind } from './import.ts';
import type { TailscaleLocalClient } from './local-client.ts';
import type { PathQualitySnapshot } from './path-quality.ts';
import type { LocalStatus } from './schemas.ts';
import { type ParsedTailnet, parseStatusFile, parseStatusJson } from './status-file.ts';
import { readApiDevices } from './tolerant.ts';

/** A source ready to read. */
export type TailnetSource =
  | { kind: 'api'; client: TailscaleApiClient }
  | { kind: 'headscale'; client: HeadscaleClient }
  | { kind: 'local'; client: TailscaleLocalClient }
  | { kind: 'status-file'; text?: string; json?: unknown; name?: string };

/** Read a secret from a file: first line, trimmed. The file name may be shown, the content never. */
export function readSecretFile(path: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new RigmapError('not_found', `cannot read the ${what} file ${path}${code === 'ENOENT' ? ': no such file' : ` (${code})`}`);
  }
  const secret = text.split(/\r?\n/)[0]?.trim() ?? '';
  if (!secret) throw new RigmapError('validation_failed', `the ${what} file ${path} is empty`);
  return secret;
}

/** Flags that may name credentials (never their values, except the non-secret OAuth client id). */
export interface CredentialFlags {
  apiKeyFile?: string;
  oauthClientId?: string;
  oauthClientSecretFile?: string;
  /** Which kind the user asked for; unset: whichever is configured (API key first). */
  prefer?: 'api-key' | 'oauth';
}

/**
 * API credentials from flags (files), then RIGMAP_TAILSCALE_API_KEY /
 * RIGMAP_TAILSCALE_OAUTH_CLIENT_ID / RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET; null if none.
 */
export function resolveApiCredentials(flags: CredentialFlags = {}, env: NodeJS.ProcessEnv = process.env): ApiCredentials | null {
  const apiKey = flags.apiKeyFile ? readSecretFile(flags.apiKeyFile, 'API key') : env.RIGMAP_TAILSCALE_API_KEY?.trim();
  const clientId = flags.oauthClientId?.trim() || env.RIGMAP_TAILSCALE_OAUTH_CLIENT_ID?.trim();
  const clientSecret = flags.oauthClientSecretFile
    ? readSecretFile(flags.oauthClientSecretFile, 'OAuth client secret')
    : env.RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET?.trim();
  const oauth = clientId && clientSecret ? { oauthClientId: clientId, oauthClientSecret: clientSecret } : null;
  if (flags.prefer === 'oauth') {
    if (!oauth) {
      throw new RigmapError('validation_failed', `OAuth needs a client id and a secret: set RIGMAP_TAILSCALE_OAUTH_CLIENT_ID (or --oauth-client-id ID) and RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET (or --oauth-client-secret-file FILE)`);
    }
    return oauth;
  }
  if (flags.prefer === 'api-key') {
    if (!apiKey) throw new RigmapError('validation_failed', 'no Tailscale API access token: set RIGMAP_TAILSCALE_API_KEY or give --api-key-file FILE');
    return { apiKey };
  }
  if (apiKey) return { apiKey };
  return oauth;
}

/** The Headscale API key from a file (first line) or RIGMAP_HEADSCALE_API_KEY; null if neither. */
export function resolveHeadscaleKey(keyFile?: string, env: NodeJS.ProcessEnv = process.env): string | null {
  if (keyFile) return readSecretFile(keyFile, 'Headscale API key');
  return env.RIGMAP_HEADSCALE_API_KEY?.trim() || null;
}

/** Read the nodes of a source (and, for the Local API or a status file, the status for path quality). */
export async function fetchTailnet(source: TailnetSource): Promise<ParsedTailnet> {
  switch (source.kind) {
    case 'api':
      return { ...readApiDevices(await source.client.listDevices()), status: null };
    case 'headscale':
      return { ...readHeadscaleNodes(await source.client.listNodes(), source.client.baseDomain), status: null };
    case 'local': {
      const status = await source.client.statusRaw();
      if (status.BackendState && status.BackendState !== 'Running' && !status.Self) {
        throw new RigmapError('upstream_failed', `tailscaled is not connected (state ${status.BackendState}). Fix: run \`tailscale up\``);
      }
      return parseStatusJson(status, 'the Local API status');
    }
    case 'status-file':
      if (source.json !== undefined) return parseStatusJson(source.json, source.name);
      return parseStatusFile(source.text ?? '', source.name);
  }
}

/**
 * Read a source and import it (all or nothing). A status from the Local API or a
 * file also refreshes the path-quality snapshot, after the import so new devices map.
 */
export async function importFromSource({ ctx, source, dryRun = false, roleMap, paths }: {
  ctx: Ctx;
  source: TailnetSource;
  dryRun?: boolean;
  roleMap?: Readonly<Record<string, Role>>;
  paths?: PathQualitySnapshot;
}): Promise<TailnetImportReport> {
  const { nodes, status, skipped } = await fetchTailnet(source);
  const report = importTailnet({ ctx, nodes, skipped, source: source.kind as TailnetSourceKind, dryRun, roleMap });
  if (status && paths && !dryRun) paths.update({ db: ctx.db, status });
  return report;
}

export { HeadscaleClient, TailscaleApiClient };
