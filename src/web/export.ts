/**
 * The Export menu: the server's exports (Markdown document, Mermaid, Graphviz
 * dot, inventory CSV and JSON; the same bytes as `rigmap export`), with or
 * without live state, and the live graph as a PNG picture.
 *
 * SVG of the live graph is not offered: the one library that draws cytoscape
 * as SVG (cytoscape-svg) is GPL-3.0, which an MIT bundle cannot ship. For a
 * vector drawing, the dot export renders to SVG with Graphviz (`dot -Tsvg`).
 */
import type { Core } from 'cytoscape';
import { esc, toast } from './format.ts';

const FORMATS: { format: string; label: string; hint: string; live: boolean }[] = [
  { format: 'md', label: 'Markdown document', hint: '.md', live: true },
  { format: 'mermaid', label: 'Mermaid diagram', hint: '.mmd', live: true },
  { format: 'dot', label: 'Graphviz dot', hint: '.dot: dot -Tsvg for an SVG', live: true },
  { format: 'csv', label: 'Inventory CSV', hint: '.csv', live: false },
  { format: 'json', label: 'Inventory JSON', hint: '.json', live: false },
];

/** The URL of one export; `withState: false` leaves live state and the date out. */
export function exportUrl({ format, withState }: { format: string; withState: boolean }): string {
  return `/api/export?format=${encodeURIComponent(format)}${withState ? '' : '&state=0'}&download`;
}

/** The live graph as a PNG blob, the whole map at twice the screen's density, on the dashboard's background. */
export function graphPng({ cy }: { cy: Core }): Promise<Blob> {
  return cy.png({ full: true, output: 'blob-promise', bg: '#111418', scale: 2, maxWidth: 8000, maxHeight: 8000 });
}

function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The download has the bytes once click() returns; free them a little later.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Fill `el` (a <details> in the header) with the menu. */
export function mountExportMenu({ el, cy, rigName }: { el: HTMLDetailsElement; cy: () => Core; rigName: () => string }): void {
  el.innerHTML = `<summary class="badge button-like">Export</summary>
    <div class="menu" role="group" aria-label="Export the map">
      <label class="check"><input type="checkbox" data-option="no-state"> without live state</label>
      <ul>${FORMATS.map((f) => `<li><a data-export="${f.format}" href="${esc(exportUrl({ format: f.format, withState: true }))}" download>${esc(f.label)}</a> <span class="muted">${esc(f.hint)}</span></li>`).join('')}</ul>
      <button type="button" data-action="png">Save graph as PNG</button>
      <p class="muted small">SVG: export Graphviz dot and run <code>dot -Tsvg</code>.</p>
    </div>`;
  const noState = el.querySelector<HTMLInputElement>('[data-option="no-state"]')!;
  const relink = () => {
    for (const a of el.querySelectorAll<HTMLAnchorElement>('a[data-export]')) a.href = exportUrl({ format: a.dataset.export!, withState: !noState.checked });
  };
  noState.addEventListener('input', relink);
  el.querySelector<HTMLButtonElement>('[data-action="png"]')!.addEventListener('click', async (e) => {
    const btn = e.currentTarget as HTMLButtonElement;
    btn.disabled = true;
    try {
      const slug = rigName().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'rigmap';
      saveBlob(await graphPng({ cy: cy() }), `${slug}-graph.png`);
    } catch (err) {
      toast(`could not draw the graph: ${(err as Error).message}`);
    } finally {
      btn.disabled = false;
    }
  });
  // Close on Escape or a click elsewhere, as a menu does.
  document.addEventListener('click', (e) => el.open && !el.contains(e.target as Node) && (el.open = false));
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && el.open) {
      el.open = false;
      el.querySelector('summary')?.focus();
    }
  });
}
