/** `rigmap tailscale import` and `rigmap tailscale status`. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { RigmapError } from '../../topology/errors.ts';
import { TailscaleApiClient } from '../../topology/tailscale/api-client.ts';
import { listTailscaleDevices, readLastTailnetImport, type TailnetImportReport } from '../../topology/tailscale/import.ts';
import { TailscaleLocalClient } from '../../topology/tailscale/local-client.ts';
import { parseRoleMap } from '../../topology/tailscale/mapping.ts';
import { PathQualitySnapshot } from '../../topology/tailscale/path-quality.ts';
import { socketOf } from '../../topology/tailscale/service.ts';
import { HeadscaleClient } from '../../topology/tailscale/headscale.ts';
import { importFromSource, resolveApiCredentials, resolveHeadscaleKey, type TailnetSource } from '../../topology/tailscale/source.ts';
import { loadConfig } from '../config.ts';
import { dbOption, formatTable, print, withStore } from './shared.ts';


/** Refuse a secret typed on the command line (it would show in `ps` and shell history); never echo it. */
function refuseInlineSecret(value: unknown, flag: string, env: string, fileFlag: string): void {
  if (typeof value === 'string') {
    throw new RigmapError('validation_failed', `${flag} takes no value on the command line (it would show in ps and the shell history): set ${env}, or give ${fileFlag} FILE`);
  }
}

interface ImportOptions {
  apiKey?: boolean | string;
  apiKeyFile?: string;
  oauthClientId?: boolean | string;
  oauthClientSecret?: boolean | string;
  oauthClientSecretFile?: string;
  local?: boolean;
  socket?: string;
  statusFile?: string;
  headscale?: boolean;
  headscaleApiKey?: boolean | string;
  headscaleApiKeyFile?: string;
  headscaleBaseDomain?: string;
  tailnet?: string;
  apiBase?: string;
  roleMap?: string;
  dryRun?: boolean;
  json?: boolean;
  db?: string;
}

/** The one source the flags (or, failing them, the environment) ask for. */
function sourceFromFlags(opts: ImportOptions, env: NodeJS.ProcessEnv = process.env): TailnetSource {
  refuseInlineSecret(opts.apiKey, '--api-key', 'RIGMAP_TAILSCALE_API_KEY', '--api-key-file');
  refuseInlineSecret(opts.oauthClientSecret, '--oauth-client-secret', 'RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET', '--oauth-client-secret-file');
  const wantsApiKey = Boolean(opts.apiKey || opts.apiKeyFile);
  const wantsOauth = Boolean(opts.oauthClientId || opts.oauthClientSecret || opts.oauthClientSecretFile);
  refuseInlineSecret(opts.headscaleApiKey, '--headscale-api-key', 'RIGMAP_HEADSCALE_API_KEY', '--headscale-api-key-file');
  const wantsLocal = Boolean(opts.local || opts.socket);
  const wantsHeadscale = Boolean(opts.headscale || opts.headscaleApiKeyFile);
  const chosen = [wantsApiKey || wantsOauth, wantsLocal, Boolean(opts.statusFile), wantsHeadscale].filter(Boolean).length;
  if (chosen > 1) {
    throw new RigmapError('validation_failed', 'choose one source: --api-key / --oauth-client-id (the HTTP API), --headscale --api-base URL (a Headscale server), --local [--socket PATH] (this machine\'s tailscaled), or --status-file FILE');
  }
  if (wantsHeadscale) return headscaleSource(opts, env);
  if (opts.statusFile) {
    let text: string;
    try {
      text = readFileSync(opts.statusFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new RigmapError('not_found', `cannot read ${opts.statusFile}${code === 'ENOENT' ? ': no such file' : ` (${code})`}`);
    }
    return { kind: 'status-file', text, name: opts.statusFile };
  }
  if (wantsLocal) return { kind: 'local', client: new TailscaleLocalClient({ socketPath: socketOf(opts.socket || env.RIGMAP_TAILSCALE_SOCKET || '') }) };
  const credentials = resolveApiCredentials({
    apiKeyFile: opts.apiKeyFile,
    oauthClientId: typeof opts.oauthClientId === 'string' ? opts.oauthClientId : undefined,
    oauthClientSecretFile: opts.oauthClientSecretFile,
    prefer: wantsApiKey ? 'api-key' : wantsOauth ? 'oauth' : undefined,
  }, env);
  if (!credentials) {
    throw new RigmapError('validation_failed', 'no Tailscale source: set RIGMAP_TAILSCALE_API_KEY (or the OAuth client variables) for the HTTP API, or use --local for this machine\'s tailscaled, or --status-file FILE');
  }
  const config = loadConfig({ tailscaleApiBase: opts.apiBase, tailscaleTailnet: opts.tailnet }, env);
  return { kind: 'api', client: new TailscaleApiClient({ apiBase: config.tailscaleApiBase, tailnet: config.tailscaleTailnet, credentials }) };
}

/** `--headscale`: the server from --api-base (or RIGMAP_HEADSCALE_API_BASE), the key from a file or RIGMAP_HEADSCALE_API_KEY. */
function headscaleSource(opts: ImportOptions, env: NodeJS.ProcessEnv): TailnetSource {
  const apiBase = opts.apiBase || env.RIGMAP_HEADSCALE_API_BASE?.trim();
  if (!apiBase) throw new RigmapError('validation_failed', '--headscale needs the server: give --api-base URL (e.g. https://headscale.example.com) or set RIGMAP_HEADSCALE_API_BASE');
  const apiKey = resolveHeadscaleKey(opts.headscaleApiKeyFile, env);
  if (!apiKey) throw new RigmapError('validation_failed', 'no Headscale API key: create one with `headscale apikeys create` and set RIGMAP_HEADSCALE_API_KEY, or give --headscale-api-key-file FILE');
  const baseDomain = opts.headscaleBaseDomain ?? env.RIGMAP_HEADSCALE_BASE_DOMAIN;
  return { kind: 'headscale', client: new HeadscaleClient({ apiBase, apiKey, baseDomain }) };
}

/** The dry-run diff (or what was done), one line per device. */
export function formatImportReport(r: TailnetImportReport): string {
  const verb = r.dryRun ? 'would import' : 'imported';
  const lines = [`${verb} from ${r.source}: ${r.added.length} added, ${r.changed.length} changed, ${r.unchanged.length} unchanged, ${r.gone.length} gone from the tailnet`];
  for (const a of r.added) lines.push(`  + ${a.id}  (${a.name}, ${a.role}, node ${a.nodeId})`);
  for (const c of r.changed) lines.push(`  ~ ${c.id}  ${c.fields.join(', ')}  (matched by ${c.matchedBy})`);
  for (const g of r.gone) lines.push(`  - ${g.id}  (node ${g.nodeId} is gone from the tailnet; kept in the map)`);
  for (const s of r.skipped) lines.push(`  ! ${s.hostname} (node ${s.nodeId}) skipped: ${s.reason}`);
  if (r.dryRun) lines.push('  (dry run: nothing was written)');
  return lines.join('\n');
}

export function registerTailscale(program: Command): void {
  const ts = program.command('tailscale').description('import the tailnet into the map, and show sync status and path quality');

  ts.command('import')
    .description('import the tailnet (HTTP API, Headscale, local tailscaled, or a saved `tailscale status --json`); re-import updates, a device that cannot be mapped is skipped with its reason')
    .option('--api-key [never-here]', 'use the HTTP API with an access token from RIGMAP_TAILSCALE_API_KEY (or --api-key-file)')
    .option('--api-key-file <file>', 'read the API access token from this file')
    .option('--oauth-client-id [id]', 'use the HTTP API with an OAuth client (id here or in RIGMAP_TAILSCALE_OAUTH_CLIENT_ID)')
    .option('--oauth-client-secret [never-here]', 'the OAuth client secret is in RIGMAP_TAILSCALE_OAUTH_CLIENT_SECRET (or --oauth-client-secret-file)')
    .option('--oauth-client-secret-file <file>', 'read the OAuth client secret from this file')
    .option('--local', 'read this machine\'s tailscaled (Local API)')
    .option('--socket <path>', 'tailscaled socket (env RIGMAP_TAILSCALE_SOCKET; default /var/run/tailscale/tailscaled.sock; on macOS the Tailscale app\'s Local API is found by itself)')
    .option('--status-file <file>', 'a saved `tailscale status --json`')
    .option('--headscale', 'read a Headscale server (GET /api/v1/node) at --api-base URL, key in RIGMAP_HEADSCALE_API_KEY')
    .option('--headscale-api-key [never-here]', 'the Headscale API key is in RIGMAP_HEADSCALE_API_KEY (or --headscale-api-key-file)')
    .option('--headscale-api-key-file <file>', 'read the Headscale API key from this file')
    .option('--headscale-base-domain <domain>', 'Headscale\'s dns.base_domain, for MagicDNS names givenName.<domain> (env RIGMAP_HEADSCALE_BASE_DOMAIN)')
    .option('--tailnet <name>', 'tailnet for the API (env RIGMAP_TAILSCALE_TAILNET, default "-": the token\'s own)')
    .option('--api-base <url>', 'API base URL (env RIGMAP_TAILSCALE_API_BASE, default https://api.tailscale.com); with --headscale the Headscale URL (env RIGMAP_HEADSCALE_API_BASE)')
    .option('--role-map <pairs>', 'extra tag→role pairs, e.g. tag:cam=camera (env RIGMAP_TAILSCALE_ROLE_MAP)')
    .option('--dry-run', 'print the diff (added, changed, unchanged, gone) and write nothing')
    .option('--json', 'print the report as JSON')
    .option(...dbOption)
    .action(async (opts: ImportOptions) => {
      const source = sourceFromFlags(opts);
      const roleMap = parseRoleMap(opts.roleMap ?? process.env.RIGMAP_TAILSCALE_ROLE_MAP);
      await withStore(opts, async (ctx) => {
        const report = await importFromSource({ ctx: { ...ctx, actor: 'cli:tailscale' }, source, dryRun: Boolean(opts.dryRun), roleMap });
        print(opts.json ? JSON.stringify(report, null, 2) : formatImportReport(report));
      });
    });

  ts.command('status')
    .description('last import, each Tailscale device online/last seen, and (with --local/--socket) its current path: direct, derp, peer-relay, idle, offline')
    .option('--local', 'ask this machine\'s tailscaled for path quality')
    .option('--socket <path>', 'tailscaled socket (env RIGMAP_TAILSCALE_SOCKET)')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action(async (opts: { local?: boolean; socket?: string; json?: boolean; db?: string }) => {
      await withStore(opts, async (ctx) => {
        const paths = new PathQualitySnapshot();
        const socket = opts.socket || process.env.RIGMAP_TAILSCALE_SOCKET;
        if (opts.local || opts.socket) paths.update({ db: ctx.db, status: await new TailscaleLocalClient({ socketPath: socketOf(socket || '') }).status() });
        const last = readLastTailnetImport(ctx.db);
        const devices = listTailscaleDevices(ctx.db).map((d) => ({ ...d, path: paths.updatedAt ? paths.get(d.id) : null }));
        if (opts.json) return print(JSON.stringify({ lastImport: last, pathsUpdatedAt: paths.updatedAt, devices }, null, 2));
        print(last ? `last import: ${last.at} from ${last.source} (${last.added} added, ${last.changed} changed, ${last.unchanged} unchanged, ${last.gone} gone)` : 'never imported: run `rigmap tailscale import`');
        if (!devices.length) return;
        print(formatTable(['DEVICE', 'NODE', 'ONLINE', 'LAST SEEN', 'PATH'], devices.map((d) => [
          d.id, d.nodeId, d.online === null ? '?' : d.online ? 'yes' : 'no', d.lastSeen ?? '',
          d.path ? d.path.summary : paths.updatedAt ? 'not a peer' : '(use --local)',
        ])));
      });
    });
}
