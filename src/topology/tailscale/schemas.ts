/**
 * zod schemas of the Tailscale JSON rigmap reads: the HTTP API v2 device list,
 * the OAuth token answer, the Local API status (= `tailscale status --json`) and
 * whois. Every object is loose: Tailscale adds fields often, and an unknown
 * field must never break an import. Only what rigmap uses is declared.
 */
import { z } from 'zod';

// Fields are tolerant: a value of the wrong type is dropped (null), not the
// whole device; tolerant.ts decides when a device cannot be mapped at all.
const str = z.string().nullish().catch(null);
const strList = z.array(z.string()).nullish().catch(null);
const bool = z.boolean().nullish().catch(null);
const num = z.number().nullish().catch(null);
/** Ids are strings in every vintage; a number (seen in hand-made answers) means the same id. */
const idLike = z.union([z.string(), z.number().int().nonnegative().transform(String)]).nullish().catch(null);

/**
 * One device of `GET /api/v2/tailnet/{tailnet}/devices?fields=all`. Older
 * answers (API docs before 2023) have `id` but no `nodeId`: mapping falls back.
 */
export const apiDeviceSchema = z.looseObject({
  id: idLike,
  nodeId: str,
  name: str,
  hostname: str,
  addresses: strList,
  os: str,
  user: str,
  tags: strList,
  lastSeen: str,
  connectedToControl: bool,
  clientConnectivity: z.looseObject({ endpoints: strList }).nullish().catch(null),
});

/** The device list: only its shape is checked here; each device is read on its own (tolerant.ts). */
export const apiDeviceListSchema = z.looseObject({ devices: z.array(z.unknown()) });

/** The answer of `POST /api/v2/oauth/token` (client credentials grant). */
export const oauthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: str,
  expires_in: z.number().positive().nullish(),
  scope: str,
});

/** A node in `/localapi/v0/status`: `Self` and each value of `Peer`. Only `ID` is required. */
export const peerStatusSchema = z.looseObject({
  ID: z.string().min(1),
  HostName: str,
  DNSName: str,
  OS: str,
  UserID: num,
  TailscaleIPs: strList,
  Tags: strList,
  Addrs: strList,
  CurAddr: str,
  Relay: str,
  PeerRelay: str,
  RxBytes: num,
  TxBytes: num,
  LastWrite: str,
  LastSeen: str,
  LastHandshake: str,
  Online: bool,
  Active: bool,
});

export const userProfileSchema = z.looseObject({ ID: num, LoginName: z.string(), DisplayName: str });

/** The top of a status, with peers and users left unread (tolerant.ts reads them one by one). */
export const localStatusShellSchema = z.looseObject({
  Version: str,
  BackendState: str,
  MagicDNSSuffix: str,
  CurrentTailnet: z.looseObject({ Name: str, MagicDNSSuffix: str }).nullish().catch(null),
  Self: z.unknown(),
  Peer: z.record(z.string(), z.unknown()).nullish(),
  User: z.record(z.string(), z.unknown()).nullish().catch(null),
});

/** `/localapi/v0/status` and `tailscale status --json`, every peer valid. */
export const localStatusSchema = localStatusShellSchema.extend({
  Self: peerStatusSchema.nullish(),
  Peer: z.record(z.string(), peerStatusSchema).nullish(),
  User: z.record(z.string(), userProfileSchema).nullish(),
});

/** `/localapi/v0/whois?addr=IP:port`: the node and the user behind an address. */
export const whoisSchema = z.looseObject({
  Node: z.looseObject({ Name: str, ComputedName: str, StableID: str }).nullish(),
  UserProfile: z.looseObject({ LoginName: z.string().min(1), DisplayName: str }),
});

/**
 * `POST /localapi/v0/ping` (ipnstate.PingResult): `Err` set when the ping
 * failed; `Endpoint` set when it went direct, `DERPRegionCode` when relayed.
 */
export const pingResultSchema = z.looseObject({
  IP: str,
  NodeIP: str,
  NodeName: str,
  Err: str,
  LatencySeconds: num,
  Endpoint: str,
  PeerRelay: str,
  DERPRegionID: num,
  DERPRegionCode: str,
  IsLocalIP: bool,
});

export type PingResult = z.infer<typeof pingResultSchema>;
export type ApiDevice = z.infer<typeof apiDeviceSchema>;
export type PeerStatus = z.infer<typeof peerStatusSchema>;
export type LocalStatus = z.infer<typeof localStatusSchema>;
export type WhoisResponse = z.infer<typeof whoisSchema>;
