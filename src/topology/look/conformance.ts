/**
 * The rig rule "one format": within each group (by role, default the cameras,
 * or by tag) every camera records the same resolution and frame rate; codec
 * and white balance that differ are warnings. Pure (no node imports): the roll
 * call, the format_mismatch alert rule and the dashboard all call it.
 */
import type { CameraLook } from '../health-types.ts';
import { formatKey } from './format.ts';

/** How cameras are grouped for the rule. */
export type ConformBy = 'role' | 'tag';

/** One camera as the rule sees it. */
export interface ConformCamera {
  id: string;
  name: string;
  role: string;
  tags: string[];
  look: CameraLook | null | undefined;
}

/** One camera that differs, and how, in a crew member's words. */
export interface OddCamera {
  id: string;
  name: string;
  /** "Cam C records 1920x1080p30; the other 5 cameras record 1920x1080p60". */
  sentence: string;
}

/** The verdict of one group. */
export interface GroupVerdict {
  /** "role camera", "tag stage-left". */
  group: string;
  cameras: number;
  /** The format most of the group records, null when none is known. */
  format: string | null;
  odd: OddCamera[];
  /** Codec or white balance that differ: said, never failed. */
  warnings: Array<{ id: string; text: string }>;
}

/** The rule over the whole rig. */
export interface ConformanceReport {
  by: ConformBy;
  ok: boolean;
  groups: GroupVerdict[];
  /** "formats match (6 cameras record 1920x1080p60)", or what does not. */
  line: string;
}

/** White balances further apart than this (K) are worth a warning. */
export const WB_WARN_K = 300;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/** Group the cameras: by role (only role camera by default) or by each of their tags. */
function groupsOf(cameras: ConformCamera[], by: ConformBy, role: string): Map<string, ConformCamera[]> {
  const groups = new Map<string, ConformCamera[]>();
  const add = (key: string, c: ConformCamera) => groups.set(key, [...(groups.get(key) ?? []), c]);
  for (const c of cameras) {
    if (by === 'role') {
      if (c.role === role) add(`role ${c.role}`, c);
    } else if (c.role === role) {
      for (const t of c.tags.length ? c.tags : ['(none)']) add(`tag ${t}`, c);
    }
  }
  return groups;
}

/** The most common value of a list (first seen wins a tie), with its count. */
function majority<T>(values: T[]): { value: T; count: number } | null {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: { value: T; count: number } | null = null;
  for (const [value, count] of counts) if (!best || count > best.count) best = { value, count };
  return best;
}

function judgeGroup(group: string, cams: ConformCamera[]): GroupVerdict {
  const known = cams.map((c) => ({ c, key: formatKey(c.look?.format) })).filter((x): x is { c: ConformCamera; key: string } => x.key !== null);
  const top = majority(known.map((k) => k.key));
  const odd: OddCamera[] = [];
  const warnings: GroupVerdict['warnings'] = [];
  if (top && known.length >= 2) {
    for (const { c, key } of known) {
      if (key === top.value) continue;
      odd.push({ id: c.id, name: c.name, sentence: `${c.name} records ${key}; the other ${plural(top.count, 'camera')} ${top.count === 1 ? 'records' : 'record'} ${top.value}` });
    }
    const codecs = known.map((k) => k.c.look?.format?.codec ?? null).filter((x): x is string => x !== null);
    const codec = majority(codecs);
    if (codec && codec.count < codecs.length) {
      for (const { c } of known) {
        const mine = c.look?.format?.codec;
        if (mine && mine !== codec.value) warnings.push({ id: c.id, text: `${c.name} records ${mine}; ${plural(codec.count, 'camera')} record ${codec.value}` });
      }
    }
    const wbs = cams.map((c) => c.look?.whiteBalance ?? null).filter((x): x is number => x !== null);
    const wb = majority(wbs);
    if (wb && wbs.length >= 2) {
      for (const c of cams) {
        const mine = c.look?.whiteBalance;
        if (typeof mine === 'number' && Math.abs(mine - wb.value) > WB_WARN_K) warnings.push({ id: c.id, text: `${c.name} is at ${mine} K; ${plural(wb.count, 'camera')} at ${wb.value} K` });
      }
    }
  }
  return { group, cameras: cams.length, format: top?.value ?? null, odd, warnings };
}

/** Judge every group of the rig. */
export function judgeConformance(cameras: ConformCamera[], opts: { by?: ConformBy; role?: string } = {}): ConformanceReport {
  const by = opts.by ?? 'role';
  const groups = [...groupsOf(cameras, by, opts.role ?? 'camera')].map(([g, cams]) => judgeGroup(g, cams));
  const odd = groups.flatMap((g) => g.odd);
  const ok = odd.length === 0;
  let line: string;
  if (ok) {
    const formats = groups.filter((g) => g.format);
    line = formats.length === 1 ? `formats match (${plural(formats[0]!.cameras, 'camera')}, ${formats[0]!.format})` : formats.length ? 'formats match' : 'formats not known yet';
  } else {
    line = [...new Map(odd.map((o) => [o.id, o.sentence])).values()].join('; ');
  }
  return { by, ok, groups, line };
}

/** Every odd camera of a report by id (a camera odd in two groups keeps both sentences). */
export function oddById(report: ConformanceReport): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const g of report.groups) for (const o of g.odd) out.set(o.id, [...new Set([...(out.get(o.id) ?? []), o.sentence])]);
  return out;
}
