/** `rigmap serve` and `rigmap migrate`. */
import type { Command } from 'commander';
import { openDb } from '../../topology/store/db.ts';
import { loadConfig } from '../config.ts';
import { startServer } from '../main.ts';
import { print } from './shared.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the rigmap server and dashboard (default http://127.0.0.1:4747)')
    .option('--host <address>', 'address to listen on (env RIGMAP_HOST, default 127.0.0.1)')
    .option('--port <port>', 'port to listen on (env RIGMAP_PORT, default 4747)')
    .option('--db <file>', 'SQLite database (env RIGMAP_DB, default ./data/rigmap.db)')
    .option('--log-level <level>', 'log detail (env RIGMAP_LOG_LEVEL, default info)')
    .option('--tailnet-cidrs <list>', 'extra CIDR ranges whose viewers count as on the tailnet, comma-separated (env RIGMAP_TAILNET_CIDRS)')
    .option('--no-bonjour', 'do not browse Bonjour for camera nodes (env RIGMAP_BONJOUR=off)')
    .option('--mdns-interface <ip>', 'interface address for mDNS (env RIGMAP_MDNS_INTERFACE, default the machine\'s)')
    .action(async (opts) => {
      // commander sets bonjour=true when --no-bonjour is absent; only an explicit flag may override the environment.
      const config = loadConfig({ ...opts, bonjour: opts.bonjour === false ? false : undefined });
      const server = await startServer(config);
      print(`rigmap is serving ${server.url} (database ${config.db}); Ctrl-C stops it`);
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        server.logger.info({ signal }, 'stopping');
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
    .option('--db <file>', 'SQLite database (env RIGMAP_DB, default ./data/rigmap.db)')
    .action((opts) => {
      const config = loadConfig({ db: opts.db });
      const store = openDb(config.db);
      store.close();
      print(`database ${config.db} is up to date`);
    });
}
