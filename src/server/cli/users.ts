/**
 * `rigmap user add|list|remove` and `rigmap token create|list|revoke`. Passwords
 * are never command-line arguments (shell history): they come from stdin (one
 * line, for scripts) or a prompt that does not echo. A token's secret is
 * printed once, at creation.
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { startAuditRecorder } from '../../topology/access/audit.ts';
import { createToken, listTokens, revokeToken } from '../../topology/access/tokens.ts';
import { addUser, listUsers, removeUser } from '../../topology/access/users.ts';
import type { Ctx } from '../../topology/context.ts';
import { RigmapError } from '../../topology/errors.ts';
import { cliActor, dbOption, formatTable, print, withStore } from './shared.ts';


/** The CLI acts as `cli:<os user>`, and its changes go to the audit trail like any other. */
export function withAudit(ctx: Ctx): Ctx {
  startAuditRecorder({ db: ctx.db, bus: ctx.bus });
  return { ...ctx, actor: cliActor() };
}

/** One line from stdin (piped), or a prompt that does not echo (terminal). */
async function readPassword(prompt: string): Promise<string> {
  const tty = process.stdin.isTTY;
  const rl = createInterface({ input: process.stdin, output: tty ? process.stderr : undefined, terminal: tty });
  if (tty) {
    process.stderr.write(prompt);
    // Mute what readline would echo while the password is typed.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {};
  }
  try {
    const line: string = await new Promise((resolve) => {
      let got = false;
      rl.once('line', (l) => { got = true; resolve(l); });
      rl.once('close', () => { if (!got) resolve(''); });
    });
    if (tty) process.stderr.write('\n');
    return line.replace(/\r$/, '');
  } finally {
    rl.close();
  }
}

export function registerUsers(program: Command): void {
  const user = program.command('user').description('people who sign in to the dashboard and API (roles viewer, operator, admin)');
  user.command('add').description('add a user; the password is read from stdin or a prompt, never from the command line')
    .argument('<login>', 'login, e.g. alice or alice@example.com')
    .requiredOption('--role <role>', 'viewer (reads), operator (also commands, acknowledgements) or admin (everything)')
    .option(...dbOption)
    .action(async (login: string, opts) => {
      const password = await readPassword(`password for ${login}: `);
      if (!password) throw new RigmapError('validation_failed', 'no password given: pipe it on stdin or type it at the prompt');
      await withStore(opts, async (ctx) => {
        const u = await addUser({ ctx: withAudit(ctx), input: { login, role: opts.role, password } });
        print(`added ${u.login} (${u.role})`);
      });
    });
  user.command('list').description('every user and their role').option('--json', 'print JSON').option(...dbOption)
    .action((opts) => withStore(opts, (ctx) => {
      const users = listUsers({ ctx });
      if (opts.json) return print(JSON.stringify(users, null, 2));
      print(users.length ? formatTable(['login', 'role', 'created', 'by'], users.map((u) => [u.login, u.role, u.createdAt.slice(0, 19).replace('T', ' '), u.createdBy ?? ''])) : 'no users yet: rigmap user add NAME --role admin');
    }));
  user.command('remove').description('remove a user (their sessions end at once)').argument('<login>').option(...dbOption)
    .action((login: string, opts) => withStore(opts, (ctx) => print(`removed ${removeUser({ ctx: withAudit(ctx), login }).login}`)));

  const token = program.command('token').description('API tokens for scripts (Authorization: Bearer …)');
  token.command('create').description('create a token; its secret is printed once and cannot be shown again')
    .argument('<name>', 'what the token is for, e.g. ci-rollcall')
    .option('--role <role>', 'viewer, operator or admin', 'viewer')
    .option('--json', 'print JSON').option(...dbOption)
    .action((name: string, opts) => withStore(opts, (ctx) => {
      const t = createToken({ ctx: withAudit(ctx), input: { name, role: opts.role } });
      if (opts.json) return print(JSON.stringify(t, null, 2));
      print(`token #${t.id} "${t.name}" (${t.role}); copy it now, it is not shown again:\n${t.secret}`);
    }));
  token.command('list').description('tokens (never their secrets)').option('--json', 'print JSON').option(...dbOption)
    .action((opts) => withStore(opts, (ctx) => {
      const tokens = listTokens({ ctx });
      if (opts.json) return print(JSON.stringify(tokens, null, 2));
      print(tokens.length ? formatTable(['id', 'name', 'role', 'starts', 'created', 'last used', 'state'], tokens.map((t) => [
        String(t.id), t.name, t.role, `${t.prefix}…`, t.createdAt.slice(0, 19).replace('T', ' '), t.lastUsedAt?.slice(0, 19).replace('T', ' ') ?? 'never', t.revokedAt ? 'revoked' : 'live',
      ])) : 'no tokens');
    }));
  token.command('revoke').description('revoke a token at once').argument('<id-or-name>').option(...dbOption)
    .action((ref: string, opts) => withStore(opts, (ctx) => {
      const t = revokeToken({ ctx: withAudit(ctx), ref });
      print(`revoked token #${t.id} "${t.name}"`);
    }));
}
