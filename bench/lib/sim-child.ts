/**
 * A simulated rig in its own process, for benchmarks whose figures must not pay
 * for the simulator's JPEG encoding: prints the rig's manifest as one JSON line,
 * then runs until its stdin closes. Argument: the startSimRig options as JSON.
 */
import { startSimRig } from '../../src/sim/rig.ts';

const rig = await startSimRig(JSON.parse(process.argv[2] ?? '{}'));
process.stdout.write(`${JSON.stringify(rig.manifest({ rigName: 'Bench rig' }))}\n`);
process.stdin.resume();
process.stdin.on('end', () => void rig.close().then(() => process.exit(0)));
