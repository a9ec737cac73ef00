/**
 * Inventories as spreadsheets: one row per device, a header row naming the
 * columns. Lists inside a cell (several IPs, services, links, tags) are separated
 * by ";". Errors name the spreadsheet row and column, not a JSON path.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { RigmapError } from './errors.ts';
import { parseInventory } from './inventory.ts';
import type { InventoryDocument } from './model.ts';

/** The columns rigmap reads and writes, in the order it writes them. */
export const CSV_COLUMNS = [
  'id', 'name', 'role', 'model', 'expected',
  'lan_ip', 'lan_hostname', 'tailscale_ip', 'tailscale_hostname',
  'services', 'links', 'tags', 'notes',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

/**
 * Spreadsheet formula injection (OWASP "CSV injection"): a cell starting with
 * = + - @ tab or CR is run as a formula by Excel/Sheets/LibreOffice, and names
 * arrive from discovered nodes and tailnet hostnames. Such a cell is written
 * with a leading apostrophe. Cells that already start with apostrophes before
 * one of those characters get one more, so import strips exactly one and the
 * round trip is lossless.
 */
const FORMULA_CELL = /^'*[=+\-@\t\r]/;
const ESCAPED_CELL = /^'+[=+\-@\t\r]/;

/** A cell safe to open in a spreadsheet. */
export function escapeCsvCell(cell: string): string {
  return FORMULA_CELL.test(cell) ? `'${cell}` : cell;
}

/** The inverse of {@link escapeCsvCell}. */
export function unescapeCsvCell(cell: string): string {
  return ESCAPED_CELL.test(cell) ? cell.slice(1) : cell;
}

const splitList = (cell: string | undefined) => (cell ?? '').split(/[;\n]/).map((s) => s.trim()).filter(Boolean);
const normalizeHeader = (h: string) => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

function rowError(rowNumber: number, column: string, message: string, value?: string): RigmapError {
  return new RigmapError('validation_failed', `invalid CSV: row ${rowNumber}, column ${column}: ${message}${value !== undefined ? ` (got ${JSON.stringify(value)})` : ''}`, {
    problems: [{ field: `row ${rowNumber}.${column}`, message, ...(value !== undefined ? { value } : {}) }],
  });
}

function parseExpected(cell: string | undefined, rowNumber: number): boolean | undefined {
  const v = (cell ?? '').trim().toLowerCase();
  if (v === '') return undefined;
  if (['true', 'yes', 'y', '1', 'x'].includes(v)) return true;
  if (['false', 'no', 'n', '0'].includes(v)) return false;
  throw rowError(rowNumber, 'expected', 'must be yes/no or true/false', cell);
}

/** `camera-node:http:8080` or `camera-node:http:8080/api/v1`. */
function parseService(spec: string, rowNumber: number) {
  const m = /^([^:]+):([a-z0-9]+):([^/]+)(\/.*)?$/i.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port)) {
    throw rowError(rowNumber, 'services', 'each service must look like name:protocol:port or name:protocol:port/path, e.g. camera-node:http:8080', spec);
  }
  return { name: m[1]!, protocol: m[2]!.toLowerCase(), port, ...(m[4] ? { path: m[4] } : {}) };
}

function parseAddresses(network: 'lan' | 'tailscale', ips: string | undefined, hostname: string | undefined) {
  const host = (hostname ?? '').trim();
  const list = splitList(ips).map((ip) => ({ network, ip, ...(host ? { hostname: host } : {}) }));
  if (list.length === 0 && host) list.push({ network, hostname: host } as never);
  return list;
}

/** Turn CSV text into an inventory document, validated like a JSON one. */
export function csvToInventory(text: string): InventoryDocument {
  let records: string[][];
  try {
    records = (parse(text, { skip_empty_lines: true, relax_column_count: true, bom: true, trim: false }) as string[][]);
  } catch (err) {
    throw new RigmapError('validation_failed', `invalid CSV: ${(err as Error).message}`);
  }
  const header = (records[0] ?? []).map(normalizeHeader);
  const unknown = header.filter((h) => h && !(CSV_COLUMNS as readonly string[]).includes(h));
  if (unknown.length) {
    throw new RigmapError('validation_failed', `invalid CSV: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; known columns: ${CSV_COLUMNS.join(', ')}`, {
      problems: unknown.map((u) => ({ field: u, message: 'unknown column' })),
    });
  }
  if (!header.includes('id')) throw new RigmapError('validation_failed', 'invalid CSV: the header row needs an "id" column');

  const devices: unknown[] = [];
  const links: unknown[] = [];
  records.slice(1).forEach((cells, i) => {
    const rowNumber = i + 2;
    const cell = (c: Column) => {
      const at = header.indexOf(c);
      return at >= 0 && cells[at] !== undefined ? unescapeCsvCell(cells[at]) : undefined;
    };
    // Trimmed, unless written escaped: then exactly what was exported (a name may start with a tab).
    const text = (c: Column) => {
      const at = header.indexOf(c);
      const v = at >= 0 ? cells[at] : undefined;
      return v === undefined ? undefined : ESCAPED_CELL.test(v) ? v.slice(1) : v.trim();
    };
    const id = (cell('id') ?? '').trim();
    if (!id && cells.every((c) => !c.trim())) return;
    const expected = parseExpected(cell('expected'), rowNumber);
    const name = text('name');
    const role = text('role')?.toLowerCase();
    const model = text('model');
    devices.push({
      id,
      ...(name ? { name } : {}),
      ...(role ? { role } : {}),
      ...(model ? { model } : {}),
      ...(expected !== undefined ? { expected } : {}),
      addresses: [
        ...parseAddresses('lan', cell('lan_ip'), cell('lan_hostname')),
        ...parseAddresses('tailscale', cell('tailscale_ip'), cell('tailscale_hostname')),
      ],
      services: splitList(cell('services')).map((s) => parseService(s, rowNumber)),
      tags: splitList(cell('tags')).flatMap((t) => t.split(/\s+/)),
      notes: cell('notes') ?? '',
    });
    for (const spec of splitList(cell('links'))) {
      const [to, kind] = spec.split(':').map((s) => s.trim());
      links.push({ from: id, to, ...(kind ? { kind } : {}) });
    }
  });

  try {
    return parseInventory({ version: 1, devices, links });
  } catch (err) {
    if (!(err instanceof RigmapError)) throw err;
    // Speak in spreadsheet rows: devices[0] is row 2 (row 1 is the header).
    const toRow = (s: string) => s.replace(/devices\[(\d+)\]/g, (_, n: string) => `row ${Number(n) + 2}`).replace(/invalid inventory/, 'invalid CSV');
    const details = err.details as { problems?: Array<{ field: string }> } | undefined;
    throw new RigmapError(err.code, toRow(err.message), {
      problems: details?.problems?.map((p) => ({ ...p, field: toRow(p.field) })),
    });
  }
}

/** The inventory as CSV with the header row, one device per row. */
export function inventoryToCsv(doc: InventoryDocument): string {
  const linksFrom = new Map<string, string[]>();
  for (const l of doc.links) linksFrom.set(l.from, [...(linksFrom.get(l.from) ?? []), `${l.to}:${l.kind}`]);
  const rows = doc.devices.map((d) => {
    const on = (n: string) => d.addresses.filter((a) => a.network === n);
    const ips = (n: string) => [...new Set(on(n).map((a) => a.ip).filter(Boolean))].join(';');
    const host = (n: string) => on(n).find((a) => a.hostname)?.hostname ?? '';
    return [
      d.id, d.name ?? d.id, d.role, d.model ?? '', d.expected ? 'yes' : 'no',
      ips('lan'), host('lan'), ips('tailscale'), host('tailscale'),
      d.services.map((s) => `${s.name}:${s.protocol}:${s.port}${s.path ?? ''}`).join(';'),
      (linksFrom.get(d.id) ?? []).join(';'),
      d.tags.join(';'),
      d.notes,
    ];
  });
  return stringify([[...CSV_COLUMNS], ...rows.map((r) => r.map(escapeCsvCell))]);
}
