/**
 * The Markdown document passes markdownlint (its API, default rules) and keeps
 * free text from breaking its structure.
 */
import { lint } from 'markdownlint/sync';
import { describe, expect, it } from 'vitest';
import { escapeMarkdown, renderMarkdown } from '../../src/topology/export/markdown.ts';
import { hostileHealth, hostileTopology } from '../fixtures/export/hostile.ts';
import { readGolden } from '../fixtures/export/sample.ts';

/**
 * Default rules, one change: line length (MD013) is off, because device tables,
 * long device names and diagram lines cannot be wrapped without breaking them.
 */
const LINT_CONFIG = { default: true, MD013: false };

function lintMarkdown(name: string, text: string): string {
  return lint({ strings: { [name]: text }, config: LINT_CONFIG }).toString();
}

const NOW = new Date('2026-11-23T10:00:00Z');

describe('markdown export', () => {
  it.each(['sample.md', 'sample.no-state.md'])('golden %s passes markdownlint', (file) => {
    expect(lintMarkdown(file, readGolden(file))).toBe('');
  });

  it('passes markdownlint for a rig whose names try to break it, with and without state', () => {
    const topology = hostileTopology();
    expect(lintMarkdown('hostile.md', renderMarkdown(topology, { health: hostileHealth, now: NOW }))).toBe('');
    expect(lintMarkdown('hostile-no-state.md', renderMarkdown(topology, { includeState: false }))).toBe('');
    expect(lintMarkdown('empty.md', renderMarkdown({ rig: { name: 'Empty' }, devices: [], links: [] }, { now: NOW }))).toBe('');
  });

  it('the linter does catch a broken document (the check can fail)', () => {
    const broken = readGolden('sample.md').replace('## Summary\n', '## Summary\n\n\n').replace('```mermaid', '```');
    expect(lintMarkdown('broken.md', broken)).toMatch(/MD012|MD040/);
  });

  it('keeps one row per device and the same number of cells in every row of a table', () => {
    const md = renderMarkdown(hostileTopology(), { health: hostileHealth, now: NOW });
    const section = md.split('## Devices')[1]!.split('## Networks')[0]!;
    const rows = section.split('\n').filter((l) => l.startsWith('|'));
    expect(rows).toHaveLength(2 + hostileTopology().devices.length);
    // Unescaped pipes are cell borders: every row must have exactly 10 of them (9 columns).
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|').length - 1, row).toBe(10);
  });

  it('escapes text that would open emphasis, links, HTML or a cell, and folds line breaks', () => {
    expect(escapeMarkdown('a|b *c* _d_ [e](f) <g> `h` #i & ~j~ !k \\l')).toBe('a\\|b \\*c\\* \\_d\\_ \\[e\\](f) \\<g\\> \\`h\\` \\#i \\& \\~j\\~ \\!k \\\\l');
    expect(escapeMarkdown('  one\r\ntwo\tthree  ')).toBe('one two three');
    expect(escapeMarkdown('see https://x.y or www.x.y or a@b.c')).toBe('see https\\://x.y or www\\.x.y or a\\@b.c');
  });

  it('says so when a network or the connections are empty', () => {
    const md = renderMarkdown({ rig: { name: 'Empty' }, devices: [], links: [] }, { includeState: false });
    expect(md).toContain('No devices in the map.');
    expect(md).toContain('No devices on this network.');
    expect(md).toContain('No connections in the map.');
  });
});
