/**
 * The topology as a Mermaid flowchart, the diagram GitHub renders inside the
 * Markdown document. The two networks are hexagon nodes that devices attach to
 * (a device on both cannot sit in two subgraphs); links are solid edges labelled
 * with their kind. Node ids are derived from device slugs, labels are quoted
 * and entity-escaped, so no device name can break the syntax.
 */
import type { DeviceState } from '../health-types.ts';
import { buildTopologyView, type DeviceView, type DocumentOptions, STATE_ORDER, type TopologyView } from './view.ts';

/** Fill and stroke per state, the same palette as the DOT export. */
export const STATE_COLORS: Record<DeviceState, { fill: string; stroke: string }> = {
  up: { fill: '#d4edda', stroke: '#1e7e34' },
  degraded: { fill: '#fff3cd', stroke: '#b8860b' },
  flapping: { fill: '#ffe5b4', stroke: '#d2691e' },
  down: { fill: '#f8d7da', stroke: '#b21f2d' },
  app_closed: { fill: '#fff3cd', stroke: '#b8860b' },
  unknown: { fill: '#e2e3e5', stroke: '#6c757d' },
};

/**
 * A Mermaid node id for a device: slugs are `[a-z0-9-]`, so mapping "-" to "_"
 * is one-to-one, and the prefix keeps ids off keywords such as `end`.
 */
export const mermaidDeviceId = (deviceId: string): string => `d_${deviceId.replace(/[^a-z0-9]/g, '_')}`;

/** A network's node id (cannot collide with a device's: those start with `d_`). */
export const mermaidNetworkId = (network: string): string => `net_${network}`;

/**
 * Text for inside a quoted Mermaid label. Mermaid decodes `#name;` and `#123;`
 * entities in labels, so the characters that end a string, start an entity or
 * could be read as HTML are written as entities.
 */
export function escapeMermaidText(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[#"<>&`]/g, (ch) => `#${ch.charCodeAt(0)};`);
}

const quoted = (text: string) => `"${escapeMermaidText(text)}"`;

function nodeLabel(d: DeviceView, includeState: boolean): string {
  const second = includeState ? `${d.device.role} · ${d.state}` : d.device.role;
  return `"${escapeMermaidText(d.device.name)}<br/>${escapeMermaidText(second)}"`;
}

/** The flowchart lines of a view, without a code fence. */
export function renderMermaidView(view: TopologyView): string {
  const lines = ['flowchart LR'];
  const networks = view.networks.filter((n) => n.members.length > 0);
  for (const n of networks) lines.push(`  ${mermaidNetworkId(n.id)}{{${quoted(n.title)}}}`);
  for (const d of view.devices) lines.push(`  ${mermaidDeviceId(d.device.id)}[${nodeLabel(d, view.includeState)}]`);
  for (const n of networks) {
    for (const m of n.members) {
      const label = (m.ips.length ? m.ips : m.hostnames).join(', ');
      lines.push(`  ${mermaidDeviceId(m.deviceId)} -.-|${quoted(label)}| ${mermaidNetworkId(n.id)}`);
    }
  }
  for (const l of view.links) lines.push(`  ${mermaidDeviceId(l.from)} ---|${quoted(l.kind)}| ${mermaidDeviceId(l.to)}`);
  lines.push(`  classDef network fill:#eef4ff,stroke:#4a6fa5,stroke-dasharray:4 3`);
  if (networks.length) lines.push(`  class ${networks.map((n) => mermaidNetworkId(n.id)).join(',')} network`);
  if (view.includeState) {
    for (const state of STATE_ORDER) {
      const ids = view.devices.filter((d) => d.state === state).map((d) => mermaidDeviceId(d.device.id));
      if (!ids.length) continue;
      const { fill, stroke } = STATE_COLORS[state];
      lines.push(`  classDef state_${state} fill:${fill},stroke:${stroke}`);
      lines.push(`  class ${ids.join(',')} state_${state}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The Mermaid diagram of a topology (the `mermaid` export format). */
export function renderMermaid(topology: Parameters<typeof buildTopologyView>[0], options: DocumentOptions = {}): string {
  return renderMermaidView(buildTopologyView(topology, options));
}
