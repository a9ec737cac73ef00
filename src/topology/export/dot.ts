/**
 * The topology as a Graphviz graph (`dot -Tsvg rig.dot > rig.svg`). Same shape
 * as the Mermaid diagram: the networks are dashed nodes devices attach to, links
 * are edges labelled with their kind. Every id and label is a quoted DOT string.
 */
import { STATE_COLORS } from './mermaid.ts';
import { buildTopologyView, type DocumentOptions, type TopologyView } from './view.ts';
import { isBlackmagicService } from '../services.ts';

/** A quoted DOT string: backslashes and quotes escaped, line breaks as `\n`. */
export function quoteDot(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n|\r/g, '\\n')}"`;
}

/** A network's node id; device ids are slugs without ":", so these never collide. */
const networkNode = (network: string) => quoteDot(`net:${network}`);

/** The DOT text of a view. */
export function renderDotView(view: TopologyView): string {
  const title = `${view.rigName.replace(/\s+/g, ' ').trim()} — mesh topology${view.generatedAt ? ` (${view.generatedAt.slice(0, 10)})` : ''}`;
  const lines = [
    `graph ${quoteDot(view.rigName)} {`,
    `  graph [label=${quoteDot(title)}, labelloc=t, rankdir=LR, fontname="Helvetica"];`,
    '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=10];',
  ];
  const networks = view.networks.filter((n) => n.members.length > 0);
  for (const n of networks) {
    lines.push(`  ${networkNode(n.id)} [label=${quoteDot(n.title)}, shape=hexagon, style="dashed,filled", fillcolor="#eef4ff", color="#4a6fa5"];`);
  }
  for (const d of view.devices) {
    // Line breaks inside a name are folded, as in the other formats; the label's own break separates name and role.
    const name = d.device.name.replace(/\s+/g, ' ').trim();
    // A camera that does not speak the default camera-node contract says which protocol it does.
    const role = d.device.services.some(isBlackmagicService) ? `${d.device.role} (blackmagic)` : d.device.role;
    const label = view.includeState ? `${name}\n${role} · ${d.state}` : `${name}\n${role}`;
    const colors = view.includeState ? `, fillcolor=${quoteDot(STATE_COLORS[d.state].fill)}, color=${quoteDot(STATE_COLORS[d.state].stroke)}` : '';
    lines.push(`  ${quoteDot(d.device.id)} [label=${quoteDot(label)}${colors}];`);
  }
  for (const n of networks) {
    for (const m of n.members) {
      const label = (m.ips.length ? m.ips : m.hostnames).join(', ');
      lines.push(`  ${quoteDot(m.deviceId)} -- ${networkNode(n.id)} [style=dashed, color="#4a6fa5", label=${quoteDot(label)}];`);
    }
  }
  for (const l of view.links) lines.push(`  ${quoteDot(l.from)} -- ${quoteDot(l.to)} [label=${quoteDot(l.kind)}, penwidth=2];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The Graphviz DOT of a topology (the `dot` export format). */
export function renderDot(topology: Parameters<typeof buildTopologyView>[0], options: DocumentOptions = {}): string {
  return renderDotView(buildTopologyView(topology, options));
}
