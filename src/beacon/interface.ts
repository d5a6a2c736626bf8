// The beacon side's contract: the typed chain events the rest of eproof consumes, the Beacon API
// client surface, the metrics the follower records and the follower's options with defaults.
import type { SignedExecutionProof } from "../spec/containers.ts";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";

/**
 * The NPR the follower emits: spec/newPayloadRequest.ts covers deneb..gloas and also Capella as
 * `capella.NewPayloadRequest = {executionPayload}` (@lodestar/types), so pre-Deneb devnets work too.
 */
export type ChainNewPayloadRequest = ForkedNewPayloadRequest;

export interface PayloadEvent {
  type: "payload";
  npr: ChainNewPayloadRequest;
  /** hash_tree_root(NPR) — the new_payload_request_root proofs commit to. */
  root: Uint8Array;
  slot: number;
  blockRoot: Uint8Array;
  blockHash: Uint8Array;
  parentHash: Uint8Array;
  blockNumber: number;
  /** Clock time (ms) when the block (or, on Gloas, the payload) was first seen on the event stream. */
  seenAt: number;
}

export interface ReorgEvent {
  type: "reorg";
  slot: number;
  depth: number;
  oldHeadBlock: Uint8Array;
  newHeadBlock: Uint8Array;
  /** Block roots the follower had emitted that are no longer canonical: drop their work. */
  orphanedBlockRoots: Uint8Array[];
}

export interface FinalizedEvent {
  type: "finalized";
  epoch: number;
  root: Uint8Array;
  /** First slot of the finalized epoch (prune below it). */
  slot: number;
}

export type ChainEvent = PayloadEvent | ReorgEvent | FinalizedEvent;

/**
 * A listener may return a promise for a payload event: the follower keeps its resume slot below that
 * block until the promise settles (its proofs are stored or failed), so a crash before then re-emits it.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a listener returns nothing, or a promise to wait for.
export type ChainEventListener = (event: ChainEvent) => void | Promise<unknown>;

export interface Genesis {
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
  genesisForkVersion: Uint8Array;
}

export interface ForkScheduleEntry {
  previousVersion: Uint8Array;
  currentVersion: Uint8Array;
  epoch: number;
}

export interface Checkpoint {
  epoch: number;
  root: Uint8Array;
}

export interface FinalityCheckpoints {
  previousJustified: Checkpoint;
  currentJustified: Checkpoint;
  finalized: Checkpoint;
}

export interface BlockHeaderInfo {
  root: Uint8Array;
  slot: number;
  parentRoot: Uint8Array;
  canonical: boolean;
}

export type ValidatorStatus =
  | "pending_initialized"
  | "pending_queued"
  | "active_ongoing"
  | "active_exiting"
  | "active_slashed"
  | "exited_unslashed"
  | "exited_slashed"
  | "withdrawal_possible"
  | "withdrawal_done";

export interface ValidatorInfo {
  index: number;
  pubkey: Uint8Array;
  status: ValidatorStatus;
  /** Active at the epoch the cache was filled for (status active_*). */
  active: boolean;
}

/** A signed beacon block decoded with the types of its fork. */
export interface FetchedBlock {
  fork: string;
  /** How the node answered: SSZ bytes or JSON. */
  encoding: "ssz" | "json";
  /** lodestar value of `ssz.<fork>.SignedBeaconBlock`. */
  signedBlock: unknown;
  slot: number;
  blockRoot: Uint8Array;
  parentRoot: Uint8Array;
}

/** What the chain follower and the gossip layer need from a beacon node. */
export interface BeaconClient {
  getGenesis(signal?: AbortSignal): Promise<Genesis>;
  /** `/eth/v1/config/spec`, values as the node returned them (strings). */
  getSpec(signal?: AbortSignal): Promise<Record<string, string>>;
  getForkSchedule(signal?: AbortSignal): Promise<ForkScheduleEntry[]>;
  getHeadHeader(signal?: AbortSignal): Promise<BlockHeaderInfo>;
  /** Header at a slot or root; undefined when the slot was empty (404). */
  getHeader(blockId: string | number, signal?: AbortSignal): Promise<BlockHeaderInfo | undefined>;
  getFinalityCheckpoints(stateId?: string, signal?: AbortSignal): Promise<FinalityCheckpoints>;
  /** SSZ first, JSON fallback; undefined when no block exists at that id (404). */
  getBlock(blockId: string | number, signal?: AbortSignal): Promise<FetchedBlock | undefined>;
  /** Gloas: the execution payload envelope for a block root; undefined when not (yet) revealed. */
  getExecutionPayloadEnvelope?(blockRoot: Uint8Array, signal?: AbortSignal): Promise<unknown | undefined>;
  /** Per-epoch cached validator lookup for gossip validation. */
  getValidator(index: number, signal?: AbortSignal): Promise<ValidatorInfo | undefined>;
  /**
   * POST /eth/v1/beacon/execution_proofs (eth-act Lighthouse, EIP-8025): 1..4 signed envelopes as SSZ.
   * Resolves when the node took all of them (published or already known); throws otherwise.
   */
  submitExecutionProofs?(envelopes: readonly SignedExecutionProof[], signal?: AbortSignal): Promise<void>;
}

export type Upstream = "beacon" | "beacon_events" | "execution";
export type UpstreamErrorKind = "connect" | "timeout" | "http_status" | "malformed" | "stream_drop";
export type PipelineStage = "block_fetch" | "npr_build" | "witness_fetch" | "input_build" | "gap_fill";

export interface ChainMetrics {
  recordUpstreamError(upstream: Upstream, kind: UpstreamErrorKind): void;
  recordBlockSeen(): void;
  recordPayloadEmitted(fork: string): void;
  recordReorg(depth: number): void;
  recordGapFilled(slots: number): void;
  recordStreamReconnect(): void;
  recordStage(stage: PipelineStage, ms: number): void;
  recordHeadSlot(slot: number): void;
  recordFinalizedEpoch(epoch: number): void;
}

/** Where the follower keeps its resume point across restarts. */
export interface LastSlotStore {
  load(): Promise<number | undefined>;
  save(slot: number): Promise<void>;
}

export interface ChainFollowerOpts {
  /** SSE reconnect backoff: initial, cap (ms) and jitter fraction (0..1). */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  reconnectJitter: number;
  /** Consider the stream stalled after this long without any bytes (keep-alives count). */
  streamIdleTimeoutMs: number;
  /** Never backfill more than this many slots after a gap (oldest are skipped). */
  maxGapSlots: number;
  /** Remembered emitted blocks (for reorg detection and dedup). */
  maxTrackedBlocks: number;
  /** Per-request timeout towards the beacon node. */
  requestTimeoutMs: number;
  /** Gloas: how long to wait for the payload envelope after the block. */
  envelopeWaitMs: number;
}

export const defaultChainFollowerOpts: ChainFollowerOpts = {
  reconnectInitialMs: 500,
  reconnectMaxMs: 30_000,
  reconnectJitter: 0.3,
  streamIdleTimeoutMs: 60_000,
  maxGapSlots: 64,
  maxTrackedBlocks: 256,
  requestTimeoutMs: 10_000,
  envelopeWaitMs: 8_000,
};
