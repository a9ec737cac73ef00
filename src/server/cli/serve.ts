/** `rigmap serve` and `rigmap migrate`. */
import type { Command } from 'commander';
import { openDb } from '../../topology/store/db.ts';
import { CONFIG_OPTIONS, loadConfig } from '../config.ts';
import { dbOption, print } from './shared.ts';

export function registerServe(program: Command): void {
  const serve = program
    .command('serve')
    .description('run the rigmap server and dashboard (default http://127.0.0.1:4747)');
  // One flag per configuration row, so every setting has its flag and the help lists them all.
  for (const opt of CONFIG_OPTIONS) {
    const negated = opt.flag.startsWith('--no-');
    serve.option(negated ? opt.flag : `${opt.flag} <value>`, `${opt.description} (env ${opt.env})`);
  }
  serve
    .action(async (opts) => {
      // commander sets bonjour=true when --no-bonjour is absent; only an explicit flag may override the environment.
      const config = loadConfig({ ...opts, bonjour: opts.bonjour === false ? false : undefined });
      const { startServer } = await import('../main.ts'); // loaded only for this command (see index.ts)
      const server = await startServer(config);
      print(`rigmap is serving ${server.url} (database ${config.db}); Ctrl-C stops it`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.logger.info({ signal }, 'stopping');
        // Real time on purpose: a one-shot deadline for a stuck shutdown (exit anyway), not a rule.
        const force = setTimeout(() => process.exit(1), 5000);
        force.unref();
        server.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  program
    .command('migrate')
    .description('create the database or bring it to the latest schema, then exit')
    .option(...dbOption)
    .action((opts) => {
      const config = loadConfig({ db: opts.db });
      const store = openDb(config.db);
      store.close();
      print(`database ${config.db} is up to date`);
    });
}
