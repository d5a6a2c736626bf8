// The light client's contract: what `eproof light` keeps (verified beacon headers from the Altair
// light-client sync protocol, proofs per verified block, the verified execution head) and the small
// interfaces its parts talk through. Nothing here trusts the beacon node or the execution RPC it uses.

/** A beacon block header the sync protocol verified (sync-committee signature or hash chain). */
export interface VerifiedHeader {
  slot: number;
  blockRoot: Uint8Array;
  parentRoot: Uint8Array;
  stateRoot: Uint8Array;
  /** How it became verified: signed by the sync committee, or the parent of a verified header. */
  via: "sync_committee" | "finality" | "parent_of_verified";
}

/** The execution payload of a verified block, read from a block whose root matched the header. */
export interface VerifiedPayload {
  slot: number;
  blockRoot: Uint8Array;
  /** The root proofs are about under the profile (execution-layer NPR root for Gloas v1.7). */
  payloadRoot: Uint8Array;
  blockNumber: number;
  blockHash: Uint8Array;
  stateRoot: Uint8Array;
}

/** One proof this node verified for a payload. */
export interface LightProofRecord {
  proofType: number;
  validatorIndex: number;
  bytes: number;
  verifyMs: number;
  receivedAt: number;
}

/** The newest verified header whose payload has ≥ k valid proofs of the allowed types. */
export interface VerifiedExecutionHead {
  slot: number;
  blockRoot: string;
  executionBlockNumber: number;
  executionBlockHash: string;
  stateRoot: string;
  payloadRoot: string;
  proofs: { proofType: number; name: string; validatorIndex: number; verifyMs: number }[];
  /** When the header was verified and when the k-th proof arrived (ms since epoch). */
  headerVerifiedAt: number;
  provenAt: number;
}

export interface LightHeadStatus {
  head: VerifiedExecutionHead | undefined;
  /** Newest header the sync committee signed (optimistic) and the newest finalized one. */
  optimisticSlot: number;
  finalizedSlot: number;
  /** Slots between the optimistic header and the verified execution head (the gap, reported). */
  lagSlots: number;
  /** Verified blocks newer than the head that are not proven (yet): the gap, named. */
  unprovenSlots: number[];
}

export interface LightRule {
  /** Valid proofs needed per payload. */
  k: number;
  /** Proof types that count (empty: every type this node can verify). */
  allowedTypes: readonly number[];
}

/** Named recording functions (implemented in src/light/metrics.ts on the node's registry). */
export interface LightMetrics {
  recordHeaderVerified(kind: "optimistic" | "finalized"): void;
  recordUpdateRefused(reason: string): void;
  recordProofVerified(proofType: number, ms: number, bytes: number, slot: number): void;
  recordLightClientBytes(bytes: number): void;
  recordHead(headSlot: number, optimisticSlot: number): void;
  recordRpcCheck(method: string, ms: number, ok: boolean): void;
}

/** Events the consensus side emits to the proof side. */
export interface ConsensusListener {
  onHeader(header: VerifiedHeader): void;
}

/** A refused light-client message, with the reason a user can act on. */
export class LightClientRefusal extends Error {
  readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.reason = reason;
    this.name = "LightClientRefusal";
  }
}
