import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listDevices } from '../../src/topology/devices.ts';
import { RigmapError } from '../../src/topology/errors.ts';
import { exportInventory, importInventory } from '../../src/topology/inventory.ts';
import { csvToInventory, inventoryToCsv } from '../../src/topology/inventory-csv.ts';
import { importInventoryText } from '../../src/topology/import.ts';
import { listLinks } from '../../src/topology/links.ts';
import { makeTestRig, type TestRig } from '../helpers/app.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/inventory/${name}`, import.meta.url), 'utf8');
const sample = () => JSON.parse(fixture('design-sample.json'));

function thrown(fn: () => unknown): RigmapError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RigmapError) return err;
    throw err;
  }
  throw new Error('expected a RigmapError');
}

describe('inventory import and export', () => {
  let rig: TestRig;
  beforeEach(() => (rig = makeTestRig()));
  afterEach(() => rig.close());

  it('round-trips the DESIGN.md sample: export of an import equals the sample', () => {
    importInventory({ ctx: rig.ctx, input: sample() });
    expect(exportInventory({ ctx: rig.ctx })).toEqual(sample());
    // Byte-for-byte stable: the same map always serialises the same way.
    expect(JSON.stringify(exportInventory({ ctx: rig.ctx }))).toBe(JSON.stringify(exportInventory({ ctx: rig.ctx })));
  });

  it('is idempotent by id: a second import changes nothing and reports it', () => {
    const first = importInventory({ ctx: rig.ctx, input: sample() });
    expect(first.devices.created).toEqual(['cam-a', 'hotspot']);
    expect(first.links.created).toBe(1);
    const second = importInventory({ ctx: rig.ctx, input: sample() });
    expect(second.devices).toEqual({ created: [], updated: [], unchanged: ['cam-a', 'hotspot'] });
    expect(second.links).toEqual({ created: 0, unchanged: 1 });
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(2);
    expect(listLinks({ ctx: rig.ctx })).toHaveLength(1);
  });

  it('updates a device whose fields changed, keeping the others', () => {
    importInventory({ ctx: rig.ctx, input: sample() });
    const doc = sample();
    doc.devices[0].name = 'Cam A (wide)';
    const report = importInventory({ ctx: rig.ctx, input: doc });
    expect(report.devices.updated).toEqual(['cam-a']);
    expect(report.devices.unchanged).toEqual(['hotspot']);
    expect(listDevices({ ctx: rig.ctx })[0]?.name).toBe('Cam A (wide)');
  });

  it('writes nothing when any part is bad (all-or-nothing)', () => {
    const doc = sample();
    doc.devices.push({ id: 'cam-c', role: 'camera', addresses: [{ network: 'lan', ip: '10.0.0.300' }] });
    const err = thrown(() => importInventory({ ctx: rig.ctx, input: doc }));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toContain('devices[2].addresses[0].ip');
    expect(err.message).toContain('10.0.0.300');
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(0);
  });

  it('rolls back devices already written when a later link names an unknown device', () => {
    const doc = sample();
    doc.links.push({ from: 'cam-a', to: 'ghost', kind: 'wifi' });
    const err = thrown(() => importInventory({ ctx: rig.ctx, input: doc }));
    expect(err.message).toMatch(/links\[1\]\.to: no device with id "ghost"/);
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(0);
    expect(listLinks({ ctx: rig.ctx })).toHaveLength(0);
  });

  it('rejects unknown fields, naming them', () => {
    const doc = sample();
    doc.devices[0].colour = 'red';
    const err = thrown(() => importInventory({ ctx: rig.ctx, input: doc }));
    expect(err.message).toContain('devices[0].colour: unknown field "colour"');
  });

  it('rejects a repeated id within one document', () => {
    const doc = sample();
    doc.devices.push({ ...doc.devices[0] });
    const err = thrown(() => importInventory({ ctx: rig.ctx, input: doc }));
    expect(err.message).toContain('devices[2].id: "cam-a" is already used by devices[0]');
  });

  it('reports malformed JSON as bad_json and writes nothing', () => {
    const err = thrown(() => importInventoryText({ ctx: rig.ctx, text: '{"version": 1, "devices": [', format: 'json' }));
    expect(err.code).toBe('bad_json');
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(0);
  });

  it('dry run reports the changes and writes nothing', () => {
    const report = importInventory({ ctx: rig.ctx, input: sample(), dryRun: true });
    expect(report.dryRun).toBe(true);
    expect(report.devices.created).toEqual(['cam-a', 'hotspot']);
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(0);
  });
});

describe('CSV inventories', () => {
  let rig: TestRig;
  beforeEach(() => (rig = makeTestRig()));
  afterEach(() => rig.close());

  it('imports a spreadsheet with lists in cells', () => {
    const report = importInventoryText({ ctx: rig.ctx, text: fixture('rig.csv') });
    expect(report.devices.created).toEqual(['cam-a', 'cam-b', 'hotspot']);
    const [camA, camB] = listDevices({ ctx: rig.ctx });
    expect(camA).toMatchObject({
      name: 'Cam A', role: 'camera', model: 'iPhone 15 Pro', expected: true, tags: ['stage-left', 'wide'],
      services: [{ name: 'camera-node', protocol: 'http', port: 8080, path: '/api/v1' }],
    });
    expect(camA?.addresses.map((a) => [a.network, a.ip, a.hostname])).toEqual([
      ['lan', '192.168.1.21', 'cam-a.local'],
      ['tailscale', '100.101.1.2', 'cam-a.tail1234.ts.net'],
      ['tailscale', 'fd7a:115c:a1e0::1', 'cam-a.tail1234.ts.net'],
    ]);
    expect(camB).toMatchObject({ expected: false, notes: 'spare body, bring charger' });
    expect(camB?.services.map((s) => s.name)).toEqual(['camera-node', 'rtsp']);
    expect(listLinks({ ctx: rig.ctx }).map((l) => `${l.from}->${l.to}:${l.kind}`)).toEqual(['cam-a->hotspot:wifi', 'cam-b->hotspot:wifi']);
  });

  it('exports CSV that imports back to the same map', () => {
    importInventoryText({ ctx: rig.ctx, text: fixture('rig.csv') });
    const csv = inventoryToCsv(exportInventory({ ctx: rig.ctx }));
    expect(csvToInventory(csv).devices).toEqual(exportInventory({ ctx: rig.ctx }).devices);
  });

  it('names the spreadsheet row and column of a bad cell, and writes nothing', () => {
    const bad = fixture('rig.csv').replace('192.168.1.22', '192.168.1.x');
    const err = thrown(() => importInventoryText({ ctx: rig.ctx, text: bad }));
    expect(err.message).toContain('row 3');
    expect(err.message).toContain('192.168.1.x');
    expect(listDevices({ ctx: rig.ctx })).toHaveLength(0);
  });

  it('rejects unknown columns by name', () => {
    const err = thrown(() => importInventoryText({ ctx: rig.ctx, text: 'id,colour\ncam-a,red\n', format: 'csv' }));
    expect(err.message).toContain('unknown column "colour"');
  });

  it('explains a malformed service cell', () => {
    const err = thrown(() => importInventoryText({ ctx: rig.ctx, text: 'id,services\ncam-a,camera-node:http\n', format: 'csv' }));
    expect(err.message).toContain('row 2, column services');
  });
});
