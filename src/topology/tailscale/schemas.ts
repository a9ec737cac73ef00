/**
 * zod schemas of the Tailscale JSON rigmap reads: the HTTP API v2 device list,
 * the OAuth token answer, the Local API status (= `tailscale status --json`) and
 * whois. Every object is loose: Tailscale adds fields often, and an unknown
 * field must never break an import. Only what rigmap uses is declared.
 */
import { z } from 'zod';

const str = z.string().nullish();
const strList = z.array(z.string()).nullish();

/** One device of `GET /api/v2/tailnet/{tailnet}/devices?fields=all`. */
export const apiDeviceSchema = z.looseObject({
  id: str,
  nodeId: z.string().min(1),
  name: str,
  hostname: z.string(),
  addresses: strList,
  os: str,
  user: str,
  tags: strList,
  lastSeen: str,
  connectedToControl: z.boolean().nullish(),
  clientConnectivity: z.looseObject({ endpoints: strList }).nullish(),
});

export const apiDeviceListSchema = z.looseObject({ devices: z.array(apiDeviceSchema) });

/** The answer of `POST /api/v2/oauth/token` (client credentials grant). */
export const oauthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: str,
  expires_in: z.number().positive().nullish(),
  scope: str,
});

/** A node in `/localapi/v0/status`: `Self` and each value of `Peer`. */
export const peerStatusSchema = z.looseObject({
  ID: z.string().min(1),
  HostName: z.string(),
  DNSName: str,
  OS: str,
  UserID: z.number().nullish(),
  TailscaleIPs: strList,
  Tags: strList,
  Addrs: strList,
  CurAddr: str,
  Relay: str,
  PeerRelay: str,
  RxBytes: z.number().nullish(),
  TxBytes: z.number().nullish(),
  LastWrite: str,
  LastSeen: str,
  LastHandshake: str,
  Online: z.boolean().nullish(),
  Active: z.boolean().nullish(),
});

const userProfileSchema = z.looseObject({ ID: z.number().nullish(), LoginName: z.string(), DisplayName: str });

/** `/localapi/v0/status` and `tailscale status --json`. */
export const localStatusSchema = z.looseObject({
  Version: str,
  BackendState: str,
  MagicDNSSuffix: str,
  CurrentTailnet: z.looseObject({ Name: str, MagicDNSSuffix: str }).nullish(),
  Self: peerStatusSchema.nullish(),
  Peer: z.record(z.string(), peerStatusSchema).nullish(),
  User: z.record(z.string(), userProfileSchema).nullish(),
});

/** `/localapi/v0/whois?addr=IP:port`: the node and the user behind an address. */
export const whoisSchema = z.looseObject({
  Node: z.looseObject({ Name: str, ComputedName: str, StableID: str }).nullish(),
  UserProfile: z.looseObject({ LoginName: z.string().min(1), DisplayName: str }),
});

export type ApiDevice = z.infer<typeof apiDeviceSchema>;
export type PeerStatus = z.infer<typeof peerStatusSchema>;
export type LocalStatus = z.infer<typeof localStatusSchema>;
export type WhoisResponse = z.infer<typeof whoisSchema>;
