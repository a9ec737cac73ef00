/** Alert messages in a crew member's words. */
import type { DeviceHealth } from '../health-types.ts';
import type { Network } from '../model.ts';

/** "LAN" / "Tailscale". */
export function networkName(network: Network): string {
  return network === 'lan' ? 'LAN' : 'Tailscale';
}

/** "Cam A lost: LAN and Tailscale paths down (connect ECONNREFUSED 127.0.1.4:8080)". */
export function describeLost(name: string, health: DeviceHealth): string {
  const down = health.paths.filter((p) => p.state === 'down');
  const nets = [...new Set(down.map((p) => networkName(p.network)))].join(' and ');
  const why = down.find((p) => p.lastError)?.lastError;
  return `${name} lost: ${nets} ${down.length > 1 ? 'paths' : 'path'} down${why ? ` (${why})` : ''}`;
}

/** "Cam A: LAN path lost (…); still reachable over Tailscale". */
export function describePathLost(name: string, health: DeviceHealth, network: Network): string {
  const path = health.paths.find((p) => p.network === network && p.state === 'down');
  const upNets = [...new Set(health.paths.filter((p) => p.state === 'up').map((p) => networkName(p.network)))];
  return `${name}: ${networkName(network)} path lost${path?.lastError ? ` (${path.lastError})` : ''}${upNets.length ? `; still reachable over ${upNets.join(' and ')}` : ''}`;
}
