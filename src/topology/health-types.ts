/**
 * The shape of live health as the API, the SSE stream and the dashboard see it.
 * The probe engine (src/topology/probes/) produces it; the dashboard consumes it.
 * Kept in its own file so both sides agree on one contract.
 */
import type { Network } from './model.ts';

/** State of one path (one address of one service) as probed. */
/** `untrusted`: the peer showed a certificate other than its pin (src/topology/trust/); nothing is sent until re-trusted. */
export type PathState = 'up' | 'down' | 'unknown' | 'out_of_scope' | 'untrusted';

/** State of a device, derived from its paths. */
export type DeviceState = 'up' | 'degraded' | 'down' | 'unknown' | 'flapping'
  /** Every path down, one of them refused by an iPhone's Blackmagic Camera port: the app is off screen, the phone answers. */
  | 'app_closed';

/** How Tailscale carries traffic to a peer (from the Local API), when known. */
export type TailscalePathQuality = 'direct' | 'derp' | 'peer-relay' | 'idle';

/** One probed path: a device's service on one of its addresses. */
export interface PathHealth {
  network: Network;
  /** The address probed: an IP or a hostname. */
  address: string;
  service: string;
  port: number;
  state: PathState;
  latencyMs: number | null;
  /** Why the path is down, in words a crew member reads ("connect ECONNREFUSED 127.0.1.4:8080"). */
  lastError: string | null;
  /** How a down path failed (the probe's category: refused, timeout, app_closed …); null when not down. */
  failure?: string | null;
  /** When the path entered its current state (ISO). */
  since: string | null;
  flapping: boolean;
  /** Age in ms of the last SSE heartbeat on this path, when subscribed. */
  heartbeatAgeMs: number | null;
  /** Only on tailscale paths, when the Local API told us. */
  tailscaleQuality?: TailscalePathQuality;
}

/**
 * The camera's own report, when it has one: a camera node's /api/v1/status, or
 * what the Blackmagic module reads from the camera's REST API (src/topology/cameras/).
 */
export interface NodeStatus {
  state: 'idle' | 'recording' | 'streaming' | 'error';
  /**
   * `drainPerHour` (contract v1.1): share of a full battery used per hour at the current load.
   * `percent` (0-100) and `source` (Battery, AC, …) only where the camera says (Blackmagic); on AC `charging` is true.
   */
  battery: { level: number; charging: boolean; drainPerHour?: number; percent?: number | null; source?: string };
  /** 'unknown' for cameras that do not report it (Blackmagic). */
  thermal: 'nominal' | 'fair' | 'serious' | 'critical' | 'unknown';
  /** `remainingRecordSec`: the camera's own estimate of recording time left (Blackmagic `remainingRecordTime`). */
  storage: { freeBytes: number; totalBytes: number; remainingRecordSec?: number | null };
  /** null for cameras that do not report it (Blackmagic). */
  uptimeSec: number | null;
  /** The camera's time of day (ISO); null for cameras that do not report it (Blackmagic). */
  time: string | null;
  /** The camera's timecode (HH:MM:SS:FF), where it reports one (Blackmagic). */
  timecode?: string | null;
  /** What the camera says it is (Blackmagic GET /system/product): shown as the panel's model and version. */
  product?: { deviceName: string | null; productName: string | null; softwareVersion: string | null };
  /** Contract v1.1: the take in progress (`since` on the node's clock), null when not recording, absent from v1 nodes. */
  recording?: { since: string; clip: string; bitrateBps: number } | null;
  /** Contract v1.1: why the last take ended without a record.stop. */
  stopReason?: string | null;
  /** Contract v1.2 / Blackmagic video, lens and system readings: what the camera records and how it is exposed. */
  look?: CameraLook | null;
}

/** A camera's video format (`1920x1080p60`, HEVC, Video dynamic range); a field is null when the camera does not tell it. */
export interface LookFormat {
  width: number | null;
  height: number | null;
  /** As the camera says it ("59.94", "60"); compared as numbers. */
  frameRate: string | null;
  interlaced: boolean;
  codec: string | null;
  dynamicRange: string | null;
}

/** The readings one camera gives about its picture; null: not read yet or not on this camera (then named in `notOffered`). */
export interface CameraLook {
  format: LookFormat | null;
  iso: number | null;
  /** Shutter speed as 1/x s (50 = 1/50 s). */
  shutterSpeed: number | null;
  /** Shutter angle in degrees, where the camera measures it that way. */
  shutterAngle: number | null;
  /** White balance in kelvin. */
  whiteBalance: number | null;
  whiteBalanceTint: number | null;
  /** Off, Continuous, OneShot. */
  autoExposure: string | null;
  /** Manual, Continuous, OneShot … */
  focusMode: string | null;
  /** The readings this camera does not have (404/501): "not on this camera", never an error. */
  notOffered: LookField[];
}

/** The names of a look's readings. */
export type LookField = 'format' | 'codec' | 'dynamicRange' | 'iso' | 'shutter' | 'whiteBalance' | 'whiteBalanceTint' | 'autoExposure' | 'focusMode';

/** Which camera protocol a device speaks (src/topology/cameras/): the board tile and the panel show it. */
export type CameraProtocolName = 'camera-node' | 'blackmagic';

/** The node's clock against rigmap's (shoot): offset = node − rigmap, ± uncertainty, in ms. */
export interface ClockHealth {
  offsetMs: number;
  uncertaintyMs: number;
}

/** Minutes of recording left (shoot, src/topology/runway.ts); a field is null when it cannot be known. */
export interface RunwayHealth {
  storageMinutes: number | null;
  batteryMinutes: number | null;
}

/** tailscaled's own round trip to a device (`/localapi/v0/ping`, disco), beside rigmap's HTTP latency. */
export interface TailnetPing {
  /** Round trip in ms, or null when the ping failed. */
  rttMs: number | null;
  /** The way the ping went: straight to the device, through a DERP relay, or a peer relay. */
  via: 'direct' | 'derp' | 'peer-relay' | null;
  /** `ip:port` when direct, DERP region code when relayed. */
  endpoint: string | null;
  at: string;
  error: string | null;
  /** Asked because the device stopped answering: what the ping says about it, in words (src/topology/tailscale/phone-alive.ts). */
  evidence?: string;
}

/** A device's tailnet path as tailscaled sees it (Local API): for the board tile and the panel. */
export interface TailnetPathHealth {
  quality: TailscalePathQuality | 'offline';
  /** In a crew member's words: `direct 192.168.1.5:41641`, `relay "waw"`. */
  summary: string;
  /** Through DERP or a peer relay: live preview and commands are slower. */
  relayed: boolean;
  /** Since when the path has been relayed without a break (ISO), or null. */
  relayedSince: string | null;
  curAddr: string | null;
  relay: string | null;
  peerRelay: string | null;
  /** The last tailscaled ping, or null when none was made (no Local API, pings off). */
  ping: TailnetPing | null;
  updatedAt: string;
}

/** Live health of one device: what `GET /api/topology` adds to each device as `health`. */
export interface DeviceHealth {
  deviceId: string;
  state: DeviceState;
  paths: PathHealth[];
  status: NodeStatus | null;
  lastSeen: string | null;
  /** The tailnet path and tailscaled ping, when the Local API is configured and the device is a peer. */
  tailnet?: TailnetPathHealth | null;
  /** The camera protocol of the device's camera service, when it has one. */
  protocol?: CameraProtocolName;
  /** Clock offset estimate of a camera node (null until measured; never for cameras that do not tell their time). */
  clock?: ClockHealth | null;
  /** Recording runway (null when unknown): the camera's own record time left where it gives one (Blackmagic), else free bytes ÷ bitrate. */
  runway?: RunwayHealth | null;
}

/** Kinds of alert rigmap raises. */
export type AlertKind =
  | 'device_lost' | 'path_lost' | 'expected_never_seen' | 'flapping'
  | 'battery_low' | 'thermal' | 'storage_low'
  // A device's tailnet path fell back to DERP or a peer relay (src/topology/alerts/tailnet-relayed.ts).
  | 'tailnet_relayed'
  // Shoot (src/topology/alerts/shoot.ts)
  | 'clock_offset' | 'recording_stopped' | 'runway_low'
  /** An iPhone's Blackmagic Camera app is off screen: its port refuses, the phone is there (src/topology/alerts/device-rules.ts). */
  | 'app_closed'
  /** A whole network lost from here (deviceId 'tailnet': every Tailscale path went quiet at once). */
  | 'network_lost'
  /** An https peer showed a certificate other than its pin (src/topology/trust/): possible impersonation. */
  | 'certificate_changed'
  /** A camera of a group records another resolution or frame rate than the rest (src/topology/alerts/format-mismatch.ts); one per group. */
  | 'format_mismatch';

/** An alert as the API, the SSE stream and the notifiers see it. */
export interface Alert {
  id: number;
  kind: AlertKind;
  deviceId: string;
  /** The network of the path, for path alerts. */
  network: Network | null;
  severity: 'critical' | 'warning' | 'info';
  /** One line a crew member reads: "cam-a lost: LAN and Tailscale paths down (connect ECONNREFUSED 127.0.1.4:8080)". */
  message: string;
  /** Devices whose own alerts were folded into this one (cameras behind a downed hotspot). */
  folded: string[];
  raisedAt: string;
  resolvedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
}
