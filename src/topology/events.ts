import type { DeviceDiscoveredEvent } from './discovery/types.ts';
import type { CommandSentEvent } from './commands/types.ts';
import type { SettingsReport } from './look/settings-types.ts';
import type { ProbeMap, ProbeOutcome } from './probes/outcome.ts';
import type { Alert, ClockHealth, DeviceHealth, DeviceState, NodeStatus, PathHealth, PathState, RunwayHealth, TailnetPathHealth } from './health-types.ts';

/**
 * The one in-process event bus. Verbs publish what changed; SSE, the probe
 * engine, alerting and metrics subscribe. Listeners run synchronously after the
 * change is committed, so a slow listener must hand work off itself.
 */

/**
 * Every event rigmap publishes, by type. Other modules add entries here.
 * Browsers get them on `GET /api/events` as SSE: `id: <seq>`, `event: <type>`,
 * `data: <JSON of the payload>`.
 */
export interface RigEventMap {
  /** `recorded`: already in the audit trail (another process, the CLI, made the change; see access/audit-feed.ts). */
  'device.changed': { deviceId: string; change: 'created' | 'updated' | 'removed'; actor?: string; recorded?: boolean };
  'link.changed': { linkId: number; from: string; to: string; change: 'created' | 'updated' | 'removed'; actor?: string; recorded?: boolean };
  'inventory.imported': { created: string[]; updated: string[]; actor?: string; recorded?: boolean };
  /** One path (a service on one address) changed state; `reason` is in a crew member's words. */
  'path.state': { deviceId: string; path: PathHealth; from: PathState; reason: string };
  /** A device's derived state changed (up, degraded, down, unknown, flapping). */
  'device.state': { deviceId: string; health: DeviceHealth; from: DeviceState };
  /** A camera node reported a new /api/v1/status (battery, thermal, storage, recording). */
  'node.status': { deviceId: string; status: NodeStatus };
  'alert.raised': { alert: Alert };
  'alert.resolved': { alert: Alert };
  /** An open alert's folded list or message changed (src/topology/alerts/alert-writer.ts, the one writer of alert rows). */
  'alert.changed': { alert: Alert };
  /** Discovery (Bonjour, mDNS prober, subnet scan) found a node, saw it change, or saw it stop advertising. */
  'device.discovered': DeviceDiscoveredEvent;
  /** A user or API token was added, removed or revoked (src/topology/access). Never carries a secret. */
  'access.changed': { action: 'user.added' | 'user.removed' | 'token.created' | 'token.revoked'; target: string; role?: string; actor?: string };
  /** A fan-out command went to a group of nodes, with each node's result (src/topology/commands). */
  'command.sent': CommandSentEvent;
  /** Rig-wide settings went to a group of cameras and were read back (src/topology/look/apply-settings.ts). */
  'settings.applied': { report: SettingsReport; actor?: string };
  /** A device's tailnet path (direct, relayed…) or its tailscaled ping changed (src/topology/tailscale/tailnet-health.ts). */
  'tailnet.path': { deviceId: string; tailnet: TailnetPathHealth };
  /**
   * Every device's tailnet path after one refresh from tailscaled (src/topology/tailscale/service.ts), changed or not:
   * the tailnet's results on the bus, as `probe.outcome` is the probes'; the relayed rule judges each (in-process only).
   */
  'tailnet.paths': { paths: Array<{ deviceId: string; tailnet: TailnetPathHealth }> };
  /** A fan-out is about to go out (so a stop that lands before the report is known to be asked for). */
  'command.sending': { action: string; deviceIds: string[]; actor?: string };
  /** A take opened, a camera started or stopped in it (`early`: without being told), or it closed (src/topology/takes). */
  'take.changed': { takeId: number; change: 'opened' | 'camera.started' | 'camera.stopped' | 'closed'; deviceId?: string; early?: boolean; reason?: string; takeRunning?: boolean };
  /** One probe result after the path machine (in-process only: see INTERNAL_EVENTS). */
  'probe.outcome': ProbeOutcome;
  /** The engine (re)loaded the map: every path it probes and every device's state (in-process only). */
  'probe.map': ProbeMap;
  /** A camera's shoot figures changed: recording, runway, clock (src/topology/alerts/shoot.ts, for the board). */
  'device.shoot': { deviceId: string; recording: NodeStatus['recording'] | null; runway: RunwayHealth | null; clock: ClockHealth | null };
}

export type RigEventType = keyof RigEventMap;

/**
 * Events for in-process subscribers only (metrics, history, rules): thousands a
 * second at a big rig, or whole-rig snapshots, so they take no sequence number, no
 * time string (the payload has its own), and `onAny` (SSE to browsers, the audit
 * trail) never sees them; browsers get the per-device events derived from them.
 */
export const INTERNAL_EVENTS: ReadonlySet<RigEventType> = new Set<RigEventType>(['probe.outcome', 'probe.map', 'tailnet.paths']);

/** An event as delivered: its type, payload and a sequence number for SSE resume. */
export type RigEvent<K extends RigEventType = RigEventType> = {
  [T in K]: { seq: number; type: T; time: string; data: RigEventMap[T] };
}[K];

type Listener<K extends RigEventType> = (event: RigEvent<K>) => void;

/** A typed publish/subscribe bus; `onAny` sees every event in order. */
export class EventBus {
  private seq = 0;
  // Copy-on-write arrays: subscribing is rare, publishing is thousands a second. An emit walks
  // the array it started with, so a listener added or removed meanwhile changes only later events.
  private readonly listeners = new Map<RigEventType, readonly Listener<RigEventType>[]>();
  private anyListeners: readonly Listener<RigEventType>[] = [];

  /** Subscribe to one event type; returns the function that unsubscribes. */
  on<K extends RigEventType>(type: K, listener: Listener<K>): () => void {
    const added = listener as Listener<RigEventType>;
    this.listeners.set(type, including(this.listeners.get(type) ?? [], added));
    return () => this.listeners.set(type, without(this.listeners.get(type) ?? [], added));
  }

  /** Subscribe to every event; returns the function that unsubscribes. */
  onAny(listener: Listener<RigEventType>): () => void {
    this.anyListeners = including(this.anyListeners, listener);
    return () => {
      this.anyListeners = without(this.anyListeners, listener);
    };
  }

  /** Publish an event to its listeners; a throwing listener never stops the others. */
  emit<K extends RigEventType>(type: K, data: RigEventMap[K]): RigEvent<K> {
    const internal = INTERNAL_EVENTS.has(type);
    const event = (internal ? { seq: 0, type, time: '', data } : { seq: ++this.seq, type, time: new Date().toISOString(), data }) as RigEvent<K>;
    const own = this.listeners.get(type) ?? [];
    if (internal && own.length === 0) return event;
    const any = internal ? [] : this.anyListeners;
    this.deliver(own, event as RigEvent<RigEventType>);
    this.deliver(any, event as RigEvent<RigEventType>);
    return event;
  }

  private deliver(listeners: readonly Listener<RigEventType>[], event: RigEvent<RigEventType>): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
  }

  /** The sequence number of the last event published. */
  get lastSeq(): number {
    return this.seq;
  }

  /** Where listener failures go; main.ts points it at the logger. */
  onListenerError: (err: unknown, event: RigEvent) => void = (err, event) => {
    console.error(`rigmap: a listener of ${event.type} failed:`, err);
  };
}

/** The array with `item` at the end, unless it is there already (one listener is called once per event). */
function including<T>(list: readonly T[], item: T): readonly T[] {
  return list.includes(item) ? list : [...list, item];
}

/** The array without `item`. */
function without<T>(list: readonly T[], item: T): readonly T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : list;
}
