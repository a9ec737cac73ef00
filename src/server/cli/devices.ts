/** `rigmap device list|show|add|remove` and `rigmap link list|add|remove`. */
import type { Command } from 'commander';
import { createDevice, getDevice, listDevices, removeDevice } from '../../topology/devices.ts';
import { createLink, listLinks, removeLink } from '../../topology/links.ts';
import type { Device } from '../../topology/model.ts';
import { trustDevice } from '../../topology/trust/verbs.ts';
import { dbOption, formatTable, print, withStore } from './shared.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const addressesOn = (d: Device, network: string) =>
  d.addresses.filter((a) => a.network === network).map((a) => a.ip ?? a.hostname).join(' ');

/** `camera-node:http:8080[/path]` → a service. */
function parseServiceFlag(spec: string) {
  const m = /^([^:]+):([a-z0-9]+):(\d+)(\/.*)?$/i.exec(spec);
  if (!m) throw new Error(`--service "${spec}" must look like name:protocol:port[/path], e.g. camera-node:http:8080`);
  return { name: m[1], protocol: m[2]!.toLowerCase(), port: Number(m[3]), ...(m[4] ? { path: m[4] } : {}) };
}

function showDevice(d: Device): string {
  const lines = [
    `${d.name} (${d.id}) — ${d.role}${d.model ? `, ${d.model}` : ''}${d.expected ? '' : ' [not expected]'}`,
    ...d.addresses.map((a) => `  ${a.network.padEnd(9)} ${[a.ip, a.hostname].filter(Boolean).join('  ')}  (${a.source}${a.lastSeen ? `, seen ${a.lastSeen}` : ''})`),
    ...d.services.map((s) => `  service   ${s.name} ${s.protocol}:${s.port}${s.path ?? ''}`),
  ];
  if (d.tags.length) lines.push(`  tags      ${d.tags.join(', ')}`);
  if (d.notes) lines.push(`  notes     ${d.notes}`);
  return lines.join('\n');
}

export function registerDevices(program: Command): void {
  const device = program.command('device').description('list, show, add and remove devices in the map');

  device
    .command('list')
    .description('list every device')
    .option('--role <role>', 'only this role')
    .option('--tag <tag>', 'only devices with this tag')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((opts) =>
      withStore(opts, (ctx) => {
        const list = listDevices({ ctx, filter: { role: opts.role, tag: opts.tag } });
        if (opts.json) return print(JSON.stringify(list, null, 2));
        if (!list.length) return print('no devices yet: add one with `rigmap device add` or `rigmap import FILE`');
        print(formatTable(['ID', 'NAME', 'ROLE', 'LAN', 'TAILSCALE', 'SERVICES', 'TAGS'], list.map((d) => [
          d.id, d.name, d.role, addressesOn(d, 'lan'), addressesOn(d, 'tailscale'),
          d.services.map((s) => `${s.name}:${s.port}`).join(' '), d.tags.join(','),
        ])));
      }),
    );

  device
    .command('show <id>')
    .description('show one device with its addresses and services')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((id, opts) => withStore(opts, (ctx) => {
      const d = getDevice({ ctx, id });
      print(opts.json ? JSON.stringify(d, null, 2) : showDevice(d));
    }));

  device
    .command('add <id>')
    .description('add a device (id: lower-case letters, digits and hyphens, e.g. cam-a)')
    .option('--name <name>', 'display name (default: the id)')
    .option('--role <role>', 'camera, console, relay, server, hotspot, router, monitor or other', 'other')
    .option('--model <model>', 'hardware model, e.g. "iPhone 15 Pro"')
    .option('--lan <ip>', 'LAN IP address (repeatable)', collect)
    .option('--lan-hostname <name>', 'LAN hostname, e.g. cam-a.local')
    .option('--tailscale <ip>', 'Tailscale IP address (repeatable)', collect)
    .option('--ts-hostname <name>', 'MagicDNS name, e.g. cam-a.tail1234.ts.net')
    .option('--service <spec>', 'service as name:protocol:port[/path] (repeatable)', collect)
    .option('--tag <tag>', 'tag (repeatable)', collect)
    .option('--notes <text>', 'free-form notes')
    .option('--not-expected', 'the device is not expected at the shoot')
    .option(...dbOption)
    .action((id, opts) =>
      withStore(opts, (ctx) => {
        const addrs = (network: string, ips: string[] = [], hostname?: string) =>
          ips.length ? ips.map((ip) => ({ network, ip, ...(hostname ? { hostname } : {}) })) : hostname ? [{ network, hostname }] : [];
        const d = createDevice({
          ctx,
          input: {
            id,
            ...(opts.name ? { name: opts.name } : {}),
            role: opts.role,
            ...(opts.model ? { model: opts.model } : {}),
            expected: !opts.notExpected,
            addresses: [...addrs('lan', opts.lan, opts.lanHostname), ...addrs('tailscale', opts.tailscale, opts.tsHostname)],
            services: (opts.service ?? []).map(parseServiceFlag),
            tags: opts.tag ?? [],
            ...(opts.notes ? { notes: opts.notes } : {}),
          },
        });
        print(`added ${d.id}\n${showDevice(d)}`);
      }),
    );

  device
    .command('remove <id>')
    .description('remove a device with its addresses, services and links')
    .option(...dbOption)
    .action((id, opts) => withStore(opts, (ctx) => print(`removed ${removeDevice({ ctx, id }).id}`)));

  device
    .command('trust <id>')
    .description('re-trust a device whose https certificate changed: pin the one it shows now and resolve certificate_changed (audited)')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((id, opts) => withStore(opts, (ctx) => {
      const r = trustDevice({ ctx, id });
      if (opts.json) return print(JSON.stringify(r, null, 2));
      const lines = r.changed.length ? r.changed.map((p) => `re-trusted ${r.deviceId} ${p.service}: ${p.seenFingerprint} (was ${p.fingerprint})`) : [`${r.deviceId}: no changed certificate to re-trust`];
      for (const p of r.pins) lines.push(`  pinned ${p.service} ${p.fingerprint}`);
      print(lines.join('\n'));
    }));

  const link = program.command('link').description('list, add and remove links between devices');
  link
    .command('list')
    .option('--device <id>', 'only links to or from this device')
    .option('--json', 'print JSON')
    .option(...dbOption)
    .action((opts) => withStore(opts, (ctx) => {
      const list = listLinks({ ctx, deviceId: opts.device });
      if (opts.json) return print(JSON.stringify(list, null, 2));
      print(list.length ? formatTable(['ID', 'FROM', 'TO', 'KIND'], list.map((l) => [String(l.id), l.from, l.to, l.kind])) : 'no links yet');
    }));
  link
    .command('add <from> <to>')
    .option('--kind <kind>', 'wifi, ethernet, usb, tailscale or other', 'other')
    .option(...dbOption)
    .action((from, to, opts) => withStore(opts, (ctx) => {
      const l = createLink({ ctx, input: { from, to, kind: opts.kind } });
      print(`added link ${l.id}: ${l.from} → ${l.to} (${l.kind})`);
    }));
  link
    .command('remove <id>')
    .option(...dbOption)
    .action((id, opts) => withStore(opts, (ctx) => {
      const l = removeLink({ ctx, id: Number(id) });
      print(`removed link ${l.id}: ${l.from} → ${l.to} (${l.kind})`);
    }));
}
