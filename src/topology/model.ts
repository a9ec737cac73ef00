/**
 * Types and zod schemas of the device map. Input schemas are strict: an unknown
 * field is an error that names it, so a typo in an inventory never passes silently.
 */
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

export const ROLES = ['camera', 'console', 'relay', 'server', 'hotspot', 'router', 'monitor', 'other'] as const;
export const NETWORKS = ['lan', 'tailscale'] as const;
export const LINK_KINDS = ['wifi', 'ethernet', 'usb', 'tailscale', 'other'] as const;
export const ADDRESS_SOURCES = ['manual', 'import', 'tailscale', 'bonjour', 'scan'] as const;
export const SERVICE_PROTOCOLS = ['http', 'https', 'tcp', 'udp', 'rtsp', 'rtmp', 'srt', 'ndi', 'other'] as const;

export type Role = (typeof ROLES)[number];
export type Network = (typeof NETWORKS)[number];
export type LinkKind = (typeof LINK_KINDS)[number];
export type AddressSource = (typeof ADDRESS_SOURCES)[number];

const enumOf = <T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z.enum(values, { error: () => `must be one of ${values.join(', ')}` }).describe(what);

/** Lower-case slug: letters, digits and hyphens, starting with a letter or digit. */
export const deviceIdSchema = z
  .string({ error: 'must be a string' })
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
    error: 'must be a slug of lower-case letters, digits and hyphens (1-63 characters, e.g. "cam-a")',
  });

export const ipSchema = z
  .string({ error: 'must be a string' })
  .refine((v) => ipaddr.isValid(v) && (ipaddr.IPv4.isValidFourPartDecimal(v) || v.includes(':')), {
    error: 'is not a valid IPv4 or IPv6 address',
  });

export const hostnameSchema = z
  .string({ error: 'must be a string' })
  .max(253)
  .regex(/^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*$/, {
    error: 'is not a valid hostname (e.g. "cam-a.local" or "cam-a.tail1234.ts.net")',
  });

export const portSchema = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be between 1 and 65535' })
  .max(65535, { error: 'must be between 1 and 65535' });

export const addressInputSchema = z
  .strictObject({
    network: enumOf(NETWORKS, 'network'),
    ip: ipSchema.optional(),
    hostname: hostnameSchema.optional(),
  })
  .refine((a) => a.ip !== undefined || a.hostname !== undefined, { error: 'needs an ip or a hostname' });

export const serviceInputSchema = z.strictObject({
  name: z.string().min(1, { error: 'must not be empty' }).max(64),
  protocol: enumOf(SERVICE_PROTOCOLS, 'protocol'),
  port: portSchema,
  path: z.string().regex(/^\/[^\s]*$/, { error: 'must start with "/" and contain no spaces' }).optional(),
});

const tagSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9:_.-]{0,63}$/, {
  error: 'must be letters, digits, ":", "_", "." or "-" (e.g. "stage-left")',
});

/** A device as given to `createDevice` and in an inventory document. */
export const deviceInputSchema = z.strictObject({
  id: deviceIdSchema,
  name: z.string().min(1, { error: 'must not be empty' }).max(120).optional(),
  role: enumOf(ROLES, 'role').default('other'),
  model: z.string().max(120).optional(),
  expected: z.boolean({ error: 'must be true or false' }).default(true),
  addresses: z.array(addressInputSchema).max(32).default([]),
  services: z.array(serviceInputSchema).max(32).default([]),
  tags: z.array(tagSchema).max(32).default([]),
  notes: z.string().max(4000).default(''),
});

/** PATCH: every field optional; lists given replace the stored list. */
export const devicePatchSchema = deviceInputSchema.omit({ id: true }).partial().extend({
  role: enumOf(ROLES, 'role').optional(),
  expected: z.boolean({ error: 'must be true or false' }).optional(),
  addresses: z.array(addressInputSchema).max(32).optional(),
  services: z.array(serviceInputSchema).max(32).optional(),
  tags: z.array(tagSchema).max(32).optional(),
  notes: z.string().max(4000).optional(),
  model: z.string().max(120).nullable().optional(),
  probeIntervalMs: z.number().int().min(250).max(3_600_000).nullable().optional(),
  /** Heartbeat interval asked of this device's camera node (v1.1); 0 asks nothing, null: the global setting. */
  heartbeatMs: z.number().int().min(0).max(60_000).refine((v) => v === 0 || v >= 50, { error: 'must be 0 (the node decides) or 50-60000' }).nullable().optional(),
  position: z.strictObject({ x: z.number(), y: z.number() }).nullable().optional(),
});

export const linkInputSchema = z.strictObject({
  from: deviceIdSchema,
  to: deviceIdSchema,
  kind: enumOf(LINK_KINDS, 'kind').default('other'),
});

export const linkPatchSchema = z.strictObject({
  from: deviceIdSchema.optional(),
  to: deviceIdSchema.optional(),
  kind: enumOf(LINK_KINDS, 'kind').optional(),
});

/** The inventory document of DESIGN.md, version 1. */
export const inventorySchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1 (the only inventory version rigmap knows)' }),
  rig: z.strictObject({ name: z.string().min(1).max(120) }).optional(),
  devices: z.array(deviceInputSchema).max(20_000).default([]),
  links: z.array(linkInputSchema).max(100_000).default([]),
});

export type DeviceInput = z.input<typeof deviceInputSchema>;
export type DevicePatch = z.infer<typeof devicePatchSchema>;
export type InventoryDocument = z.infer<typeof inventorySchema>;
export type AddressInput = z.infer<typeof addressInputSchema>;
export type ServiceInput = z.infer<typeof serviceInputSchema>;

/** An address as stored: with where it came from and when it last answered. */
export interface Address {
  network: Network;
  ip: string | null;
  hostname: string | null;
  source: AddressSource;
  lastSeen: string | null;
}

export interface Service {
  name: string;
  protocol: string;
  port: number;
  path: string | null;
}

/** A device as the API returns it. */
export interface Device {
  id: string;
  name: string;
  role: Role;
  model: string | null;
  notes: string;
  tags: string[];
  expected: boolean;
  tailscaleNodeId: string | null;
  probeIntervalMs: number | null;
  /** Per-device heartbeat interval asked of the node (v1.1); present only when set. */
  heartbeatMs?: number;
  position: { x: number; y: number } | null;
  addresses: Address[];
  services: Service[];
  createdAt: string;
  updatedAt: string;
}

export interface Link {
  id: number;
  from: string;
  to: string;
  kind: LinkKind;
}

/** One of the two networks a device attaches to, as drawn in the graph. */
export interface NetworkInfo {
  id: Network;
  name: string;
  deviceCount: number;
}

/** Everything the dashboard draws, in one document. */
export interface Topology {
  rig: { name: string };
  generatedAt: string;
  networks: NetworkInfo[];
  devices: Device[];
  links: Link[];
  /** Device id → the upstream it is behind (upstreams.ts, the one rule folding, graph and board use). */
  upstreams: Record<string, string>;
}
