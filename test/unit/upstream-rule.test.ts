/**
 * One rule of "what is behind what" (src/topology/upstreams.ts): the board's
 * groups, the graph's hierarchy and alert folding all follow it, so a camera
 * wired to a relay is drawn behind the relay and folds into the relay's alert.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { getTopology } from '../../src/topology/topology.ts';
import { upstreamsOf } from '../../src/topology/upstreams.ts';
import type { LiveDevice } from '../../src/web/api.ts';
import { hierarchyPositions } from '../../src/web/graph.ts';
import { groupByUpstream } from '../../src/web/views/board.ts';
import { makeWorld } from './alerts-world.ts';

let w: ReturnType<typeof makeWorld> | undefined;
afterEach(() => {
  w?.close();
  w = undefined;
});

const dev = (id: string, role: string) => ({ id, name: id, role }) as unknown as LiveDevice;

describe('the upstream rule', () => {
  it('a link to a hotspot, router or relay puts a device behind it; tailnet links, self links and links to cameras do not', () => {
    const devices = [dev('hot', 'hotspot'), dev('rt', 'router'), dev('rel', 'relay'), dev('cam-1', 'camera'), dev('cam-2', 'camera'), dev('desk', 'console'), dev('srv', 'server')];
    const map = upstreamsOf(devices, [
      { from: 'cam-1', to: 'rel', kind: 'ethernet' },
      { from: 'cam-2', to: 'hot', kind: 'wifi' },
      { from: 'cam-2', to: 'rt', kind: 'ethernet' },
      { from: 'desk', to: 'cam-1', kind: 'usb' },
      { from: 'srv', to: 'rt', kind: 'tailscale' },
      { from: 'rt', to: 'rt', kind: 'other' },
      { from: 'ghost', to: 'hot', kind: 'wifi' },
    ]);
    expect(map).toEqual({ 'cam-1': 'rel', 'cam-2': 'hot' });
  });

  it('breaks a cycle so every chain of upstreams ends', () => {
    const devices = [dev('hot', 'hotspot'), dev('rt', 'router'), dev('rel', 'relay'), dev('cam-1', 'camera')];
    const map = upstreamsOf(devices, [
      { from: 'cam-1', to: 'rel' },
      { from: 'hot', to: 'rt' },
      { from: 'rel', to: 'hot' },
      { from: 'rt', to: 'rel' },
    ]);
    for (const start of Object.keys(map)) {
      const seen = new Set<string>();
      for (let cur: string | undefined = start; cur; cur = map[cur]) {
        expect(seen.has(cur)).toBe(false);
        seen.add(cur);
      }
    }
    expect(map['cam-1']).toBe('rel');
    expect(Object.keys(map)).toHaveLength(3);
  });

  it('a camera linked to a relay is drawn behind the relay on the board and in the graph, and folds into the relay\'s alert', () => {
    w = makeWorld({ cameras: 3, upstream: { id: 'relay-1', name: 'Relay 1', role: 'relay' } });
    const topology = getTopology({ ctx: w.ctx });
    expect(topology.upstreams).toEqual({ 'cam-1': 'relay-1', 'cam-2': 'relay-1', 'cam-3': 'relay-1' });
    const devices = topology.devices as unknown as LiveDevice[];
    // The board: the relay heads a group holding the three cameras.
    const groups = groupByUpstream(devices, topology.upstreams);
    expect(groups.map((g) => [g.title, g.devices.map((d) => d.id)])).toEqual([['Behind Relay 1', ['relay-1', 'cam-1', 'cam-2', 'cam-3']]]);
    // The graph: the relay above, its cameras in the row below.
    const pos = hierarchyPositions(devices, topology.upstreams);
    for (const cam of w.cams) expect(pos.get(`dev:${cam}`)!.y).toBeGreaterThan(pos.get('dev:relay-1')!.y);
    // Alerting: the cameras' LAN paths go quiet together: one relay alert covering them, no camera alert.
    const quiet = w.clock.now();
    w.run(2000);
    for (const id of w.cams) {
      w.setPath(id, 'lan', 'down', { quietSince: quiet });
      w.run(300);
    }
    w.run(3000);
    expect(w.raised()).toEqual(['device_lost:relay-1']);
    expect(w.open('device_lost', 'relay-1')!.folded).toEqual(['cam-1', 'cam-2', 'cam-3']);
  });
});
