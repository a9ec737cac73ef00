/** `rigmap sim` (a simulated rig of camera nodes), `rigmap sim-fault` (its control API) and `rigmap demo`. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { describeFault, parseScenario, runScenario } from '../../sim/scenario.ts';
import type { SimRig } from '../../sim/rig.ts';
import type { SimFault } from '../../sim/types.ts';
import { RigmapError } from '../../topology/errors.ts';
import { registerDemo } from './demo.ts';
import { print } from './shared.ts';
import { describeRig, stopOnSignal } from './sim-shared.ts';

/** Default control API port of `rigmap sim`, so `rigmap sim-fault` finds it without flags. */
export const DEFAULT_CONTROL_PORT = 4749;

const int = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new RigmapError('validation_failed', `${what} must be a whole number (got "${v}")`);
  return n;
};

export { describeRig, stopOnSignal } from './sim-shared.ts';

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run a simulated rig of camera nodes (LAN + Tailscale-like loopback addresses) with a fault-injection control API; Ctrl-C stops it')
    .option('--nodes <n>', 'cameras', int('--nodes'), 4)
    .option('--lan <cidr>', 'LAN-like range', '127.0.1.0/24')
    .option('--tailnet <cidr>', 'Tailscale-like range', '127.100.0.0/16')
    .option('--port <port>', 'port every node listens on, on both addresses (0 picks a free one)', int('--port'), 8080)
    .option('--heartbeat-ms <ms>', 'SSE heartbeat period', int('--heartbeat-ms'), 1000)
    .option('--manifest <file>', 'write the rig as an inventory document (for `rigmap import`)')
    .option('--rig-name <name>', 'rig name in the manifest', 'Simulated rig')
    .option('--advertise', 'publish every camera over Bonjour (_rigcam._tcp), on loopback unless --advertise-on names an interface')
    .option('--advertise-on <ip>', 'IPv4 address of the interface Bonjour publishes on (default 127.0.0.1; e.g. a lab namespace\'s LAN address)')
    .option('--control-port <port>', 'control API port on 127.0.0.1 (0 picks a free one)', int('--control-port'), DEFAULT_CONTROL_PORT)
    .option('--no-extras', 'cameras only: no hotspot, console or relay')
    .option('--id-prefix <prefix>', 'camera id prefix (cam → cam-01, cam-02 …)', 'cam')
    .option('--blackmagic <n>', 'also simulate N Blackmagic cameras (Camera Control REST API under /control/api/v1, ids bmd-01 …)', int('--blackmagic'), 0)
    .option('--no-blackmagic-websocket', 'the simulated Blackmagic cameras serve no event WebSocket (rigmap must poll them)')
    .option('--phones <n>', 'also simulate N iPhones running Blackmagic Camera (HTTPS on 4444 with a self-signed certificate each, ids phone-01 …; faults app-closed, format-change, stream-refuse, stream-drop, stream-stall)', int('--phones'), 0)
    .option('--phone-stream <size>', 'the test picture a phone told to livestream sends over SRT (ffmpeg testsrc): small (640x360, 10 fps) or 720p (1280x720, 15 fps)', 'small')
    .option('--phone-port <port>', 'port of the simulated phones', int('--phone-port'), 4444)
    .option('--scenario <steps>', 'scripted faults AT:NODE:MODE[=MS][@PATH], comma-separated, e.g. "5:cam-02:down,15:cam-02:ok,20:hotspot:down"')
    .action(async (opts) => {
      const steps = opts.scenario ? parseScenario(opts.scenario) : [];
      if (opts.phoneStream !== 'small' && opts.phoneStream !== '720p') throw new RigmapError('validation_failed', `--phone-stream must be small or 720p (got ${JSON.stringify(opts.phoneStream)})`);
      const { startSimRig } = await import('../../sim/rig.ts'); // loaded only for this command (see index.ts)
      const rig = await startSimRig({
        nodes: opts.nodes, lanCidr: opts.lan, tailnetCidr: opts.tailnet, port: opts.port, heartbeatMs: opts.heartbeatMs,
        advertise: Boolean(opts.advertise), advertiseInterface: opts.advertiseOn, controlPort: opts.controlPort, extras: opts.extras, idPrefix: opts.idPrefix,
        blackmagic: opts.blackmagic, blackmagicWebsocket: opts.blackmagicWebsocket, phones: opts.phones, phonePort: opts.phonePort,
        phoneStream: opts.phoneStream,
      });
      print(describeRig(rig));
      print(`\n${rig.nodes.length} simulated device(s); camera-node API under /api/v1 on every address, heartbeat every ${opts.heartbeatMs} ms`);
      if (opts.blackmagic > 0) print(`${opts.blackmagic} of them Blackmagic camera(s): REST API under /control/api/v1${opts.blackmagicWebsocket ? ' with the event WebSocket' : ', no event WebSocket'}`);
      if (opts.phones > 0) print(`${opts.phones} of them iPhone(s) running Blackmagic Camera: HTTPS on port ${opts.phonePort} under /control/api/v1`);
      if (opts.advertise) print(`advertising _rigcam._tcp${opts.phones > 0 ? ' and the phones as _http._tcp' : ''} on ${opts.advertiseOn ?? 'loopback'}`);
      if (opts.manifest) {
        writeFileSync(opts.manifest, `${JSON.stringify(rig.manifest({ rigName: opts.rigName }), null, 2)}\n`);
        print(`manifest written to ${opts.manifest} (load it with: rigmap import ${opts.manifest})`);
      }
      print(`control API: ${rig.controlUrl}  (e.g. rigmap sim-fault cam-02 down --control ${rig.controlUrl})`);
      const cancel = runScenario({
        steps,
        apply: rig.setFault,
        onStep: (s, err) => print(err ? `scenario: ${s.nodeId}: ${err.message}` : `scenario: ${s.nodeId} → ${describeFault(s.fault)}`),
      });
      print('Ctrl-C stops the simulator');
      stopOnSignal(async () => {
        cancel();
        await rig.close();
      });
    });

  program
    .command('sim-fault <node> <mode>')
    .description('inject a fault into a running `rigmap sim` node: down, hang, slow, garbage, lan-down, tailscale-down, app-closed, format-change, stream-refuse, stream-drop, stream-stall (phones), clock-skew, record-stop, storage or ok ("all ok" clears every fault)')
    .option('--ms <ms>', 'delay for slow; clock offset for clock-skew (negative: --ms=-500); silence of format-change', int('--ms'))
    .option('--reason <text>', 'record-stop: the reason the node gives')
    .option('--state <state>', 'record-stop: error (default) or idle')
    .option('--bytes <n>', 'storage: free bytes left', int('--bytes'))
    .option('--path <path>', 'lan, tailscale or both (default both) for down, hang, slow, garbage')
    .option('--control <url>', 'the simulator control API', `http://127.0.0.1:${DEFAULT_CONTROL_PORT}`)
    .action(async (node: string, mode: string, opts) => {
      const reset = node === 'all';
      if (reset && mode !== 'ok') throw new RigmapError('validation_failed', 'only "all ok" applies to every node');
      const fault = {
        mode, ...(opts.ms !== undefined ? { ms: opts.ms } : {}), ...(opts.path ? { path: opts.path } : {}),
        ...(opts.reason !== undefined ? { reason: String(opts.reason) } : {}), ...(opts.state !== undefined ? { state: String(opts.state) } : {}),
        ...(opts.bytes !== undefined ? { freeBytes: opts.bytes } : {}),
      } as SimFault;
      const url = reset ? `${opts.control}/faults/reset` : `${opts.control}/nodes/${encodeURIComponent(node)}/fault`;
      let res: Response;
      try {
        res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reset ? {} : fault) });
      } catch {
        throw new RigmapError('upstream_failed', `no simulator answers at ${opts.control} (is \`rigmap sim\` running? pass --control URL)`);
      }
      const body = (await res.json()) as { error?: { code: string; message: string }; node?: { id: string; paths: { lan: string; tailscale: string | null } } };
      if (body.error) throw new RigmapError(res.status === 404 ? 'not_found' : 'validation_failed', body.error.message);
      if (reset) return print('every simulated node is ok');
      const p = body.node!.paths;
      print(`${body.node!.id}: ${describeFault(fault)} (lan ${p.lan}${p.tailscale ? `, tailscale ${p.tailscale}` : ''})`);
    });

  registerDemo(program);
}
