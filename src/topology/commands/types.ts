/** Fan-out command types, shared by the verb, the bus event, the API and the dashboard. */
import type { Network } from '../model.ts';

/** The contract's commands (camera-node contract v1, POST /api/v1/commands). */
export const COMMAND_ACTIONS = ['record.start', 'record.stop', 'marker', 'identify'] as const;
export type CommandAction = (typeof COMMAND_ACTIONS)[number];

/** Which nodes: every device of a role, every device with a tag, or a list of ids. */
export type CommandSelection = { role: string } | { tag: string } | { devices: string[] };

/** What happened on one node. */
export interface NodeCommandResult {
  deviceId: string;
  ok: boolean;
  /** The node's state after the command (`recording`, `idle`…), when it said. */
  state: string | null;
  /** HTTP status the node answered with (null: no answer). */
  status: number | null;
  /** Why it failed, in words a crew member reads. */
  error: string | null;
  timedOut: boolean;
  /** The path that carried it (or was last tried). */
  network: Network | null;
  address: string | null;
  ms: number;
  /** Worth knowing though it did not fail (a Blackmagic camera started at once instead of at the synchronized time). */
  note?: string;
  /** record.start with a slate: the clip name this camera was given for the take ("S12_T03_C"). */
  clip?: string;
}

/** The answer of a fan-out: counts and each node's result, in selection order. */
export interface CommandReport {
  action: CommandAction;
  selection: CommandSelection;
  sentAt: string;
  total: number;
  ok: number;
  failed: number;
  timedOut: number;
  results: NodeCommandResult[];
  /** The marker's label (marker). */
  label?: string;
  /** record.start with a slate: the scene and take the clips are named for. */
  slate?: { scene: string; take: number };
  /** A synchronized record.start (`at`): the target and how each node really started. */
  sync?: SyncStartReport;
}

/** How one node of a synchronized start did, read back after the instant. */
export interface SyncNodeResult {
  deviceId: string;
  /** Clock offset used (node − rigmap, ms) and its uncertainty; null when it could not be measured. */
  offsetMs: number | null;
  uncertaintyMs: number | null;
  /** The instant sent to the node, on its own clock (ISO). */
  at: string | null;
  /** Recording, and started within one frame of the target as far as rigmap can measure. */
  verified: boolean;
  /** The node's recording.since, in rigmap's clock (ISO). */
  since: string | null;
  /** since − target in ms (positive: late). */
  errorMs: number | null;
  clip: string | null;
  /** Why it is not verified, in a crew member's words. */
  why: string | null;
}

/** A synchronized start: the instant in rigmap's clock and every node's outcome. */
export interface SyncStartReport {
  target: string;
  verified: number;
  /** Latest minus earliest start (rigmap's clock) of the nodes that are recording; null with fewer than one. */
  spreadMs: number | null;
  toleranceMs: number;
  nodes: SyncNodeResult[];
}

/** The bus event published after a fan-out (the audit trail records it). */
export interface CommandSentEvent {
  report: CommandReport;
  actor?: string;
}
