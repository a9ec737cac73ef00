/**
 * `rigmap demo` (`npm run demo`): a simulated rig of 8 cameras plus a hotspot,
 * a console and a relay, imported into ./data/demo.db and watched by a rigmap
 * server on http://127.0.0.1:4747. The one command a newcomer runs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { SimRig, SimRigOptions } from '../../sim/rig.ts';
import { RigmapError } from '../../topology/errors.ts';
import { EventBus } from '../../topology/events.ts';
import { importInventory } from '../../topology/inventory.ts';
import { openDb } from '../../topology/store/db.ts';
import { loadConfig } from '../config.ts';
import { print } from './shared.ts';
import { describeRig, stopOnSignal } from './sim-shared.ts';

/** Start a rig on `port`, or on any free port when that one is taken. */
async function startRigPreferring(opts: SimRigOptions & { port: number; controlPort: number }): Promise<SimRig> {
  const { startSimRig } = await import('../../sim/rig.ts'); // loaded only for this command (see index.ts)
  try {
    return await startSimRig(opts);
  } catch (err) {
    if (!(err instanceof RigmapError) || err.code !== 'conflict') throw err;
    return startSimRig({ ...opts, port: 0, controlPort: 0, phonePort: 0 });
  }
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole thing at once: a simulated rig of 8 cameras, 2 iPhones running Blackmagic Camera and the other devices, imported and watched by a rigmap server')
    .option('--port <port>', 'rigmap server port', '4747')
    .option('--db <file>', 'database of the demo', './data/demo.db')
    .option('--nodes <n>', 'cameras', '8')
    .option('--sim-port <port>', 'port of the simulated nodes (taken → any free one)', '8080')
    .option('--control-port <port>', 'simulator control API port (taken → any free one)', '4749')
    .option('--log-level <level>', 'server log detail', 'warn')
    .action(async (opts) => {
      // The demo rig lives on loopback: probe only there, and count 127.100.0.0/16 as the tailnet.
      process.env.RIGMAP_PROBE_CIDRS = '127.0.0.0/8';
      process.env.RIGMAP_TAILNET_CIDRS ??= '127.100.0.0/16';
      const config = loadConfig({ port: opts.port, db: opts.db, host: '127.0.0.1', logLevel: opts.logLevel });
      const rig = await startRigPreferring({ nodes: Number(opts.nodes), port: Number(opts.simPort), controlPort: Number(opts.controlPort), heartbeatMs: 1000, phones: 2 });
      try {
        mkdirSync(dirname(config.db), { recursive: true });
        const manifest = rig.manifest({ rigName: 'Demo rig' });
        const manifestFile = join(dirname(config.db), 'demo-rig.json');
        writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
        const store = openDb(config.db);
        try {
          const report = importInventory({ ctx: { db: store.db, bus: new EventBus(), actor: 'demo' }, input: manifest });
          print(`imported ${manifestFile} into ${config.db}: ${report.devices.created.length} added, ${report.devices.updated.length} changed, ${report.devices.unchanged.length} unchanged`);
        } finally {
          store.close();
        }
      } catch (err) {
        await rig.close();
        throw err;
      }
      const { startServer } = await import('../main.ts');
      const server = await startServer(config).catch(async (err) => {
        await rig.close();
        throw err;
      });
      print(describeRig(rig));
      const cam = rig.nodes[1] ?? rig.nodes[0];
      print(
        [
          '',
          `rigmap demo is running. Open ${server.url}`,
          '',
          'Break something and watch the map react:',
          `  npx rigmap sim-fault ${cam?.id ?? 'cam-02'} down --control ${rig.controlUrl}        # camera lost on both paths`,
          `  npx rigmap sim-fault ${cam?.id ?? 'cam-02'} lan-down --control ${rig.controlUrl}    # LAN gone, Tailscale still up`,
          `  npx rigmap sim-fault hotspot down --control ${rig.controlUrl}       # every camera loses its Wi-Fi`,
          `  npx rigmap sim-fault hotspot hang --control ${rig.controlUrl}       # the hotspot dies silently: one alert, cameras folded`,
          `  npx rigmap sim-fault all ok --control ${rig.controlUrl}             # everything back`,
          `  (or: curl -X POST ${rig.controlUrl}/nodes/${cam?.id ?? 'cam-02'}/fault -d '{"mode":"hang"}')`,
          '',
          'Ctrl-C stops the server and the simulated rig.',
        ].join('\n'),
      );
      stopOnSignal(async () => {
        await server.close();
        await rig.close();
      });
    });
}
