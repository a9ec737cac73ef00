/**
 * The `rigmap` command line: one registration per command family. The heavy trees (the
 * server, the simulator, the probe engine, Bonjour) are imported inside the actions that
 * use them, so `rigmap device list` does not wait on the whole server's modules (from the
 * sources through tsx each one is compiled on load; the built server splits its chunks at
 * these same imports, see scripts/build-server.mjs).
 */
import { Command, CommanderError } from 'commander';
import { registerAlerts } from './alerts.ts';
import { registerCheck } from './check.ts';
import { registerDevices } from './devices.ts';
import { registerDiscover } from './discover.ts';
import { registerNotifiers } from './notifiers.ts';
import { registerInventory } from './inventory.ts';
import { registerServe } from './serve.ts';
import { describeError } from './shared.ts';
import { registerSim } from './sim.ts';
import { registerTailscale } from './tailscale.ts';
import { registerUsers } from './users.ts';
import { registerCommands } from './commands.ts';
import { registerTakes } from './takes.ts';
import { registerLook } from './look.ts';

/** Build the program; tests call it with their own argv. */
export function buildCli(): Command {
  const program = new Command('rigmap')
    .description('rigmap: topology manager and ops dashboard for multi-camera iPhone rigs')
    .version('0.1.0')
    .showHelpAfterError('(run `rigmap --help` for usage)');
  registerServe(program);
  registerDevices(program);
  registerInventory(program);
  registerCheck(program);
  registerDiscover(program);
  registerSim(program);
  registerTailscale(program);
  registerAlerts(program);
  registerNotifiers(program);
  registerUsers(program);
  registerCommands(program);
  registerTakes(program);
  registerLook(program);
  return program;
}

/** Run the CLI; errors print `rigmap: message [code]` and exit 1, never a stack trace. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildCli().exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    process.stderr.write(`${describeError(err)}\n`);
    process.exitCode = 1;
  }
}
