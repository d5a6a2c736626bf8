// The proving backend contract: one shape for ere-server GPUs, an external zkboost node and the CPU type.

/**
 * Why a proof failed, as zkboost reports it plus what eproof tells apart before proving: the witness
 * phase says what failed (timeout, EL unreachable, no chain config, a fork the profile cannot write,
 * an EL that answered without a witness, a witness that does not carry the block), the prove phase how
 * the prover failed.
 */
export type ProofFailureReason =
  | "witness_timeout"
  | "execution_unreachable"
  | "chain_config_unavailable"
  | "fork_mismatch"
  | "witness_unavailable"
  | "witness_invalid"
  | "proving_timeout"
  | "proving_error"
  | "internal_error";

/** Every reason, for API documentation and label checks. */
export const PROOF_FAILURE_REASONS: readonly ProofFailureReason[] = [
  "witness_timeout",
  "execution_unreachable",
  "chain_config_unavailable",
  "fork_mismatch",
  "witness_unavailable",
  "witness_invalid",
  "proving_timeout",
  "proving_error",
  "internal_error",
];

export interface ProveTimings {
  /** Wall time of the prove call as seen by eproof. */
  totalMs: number;
  /** What the prover itself reported, when it reports it. */
  provingMs?: number;
}

export interface ProveResult {
  /** The bytes gossiped as ExecutionProof.proof_data. */
  proofData: Uint8Array;
  /** What the guest committed (zkVM public values, or the CPU type's encoded result). */
  publicValues: Uint8Array;
  timings: ProveTimings;
}

export interface VerifyResult {
  valid: boolean;
  /** Why a proof was refused, for logs and the status API. */
  reason?: string;
  ms: number;
}

export interface BackendHealth {
  ok: boolean;
  detail?: string;
}

export interface BackendCapabilities {
  /** Proof type ids this backend can prove / verify. */
  prove: readonly number[];
  verify: readonly number[];
  /** Concurrent proves the backend runs (ere-server: 1, FIFO). */
  concurrency: number;
  /**
   * prove() already runs the whole verification of the proof it returns (the CPU type: proving
   * re-executes exactly the input the proof carries), so checking the fresh proof again would only
   * repeat that work.
   */
  verifiesWhileProving?: boolean;
}

export interface ProveRequest {
  proofType: number;
  /** Schema-prefixed SSZ StatelessInput. */
  statelessInput: Uint8Array;
  newPayloadRequestRoot: Uint8Array;
  /** SSZ NewPayloadRequest bytes: what an external zkboost node wants instead of the StatelessInput. */
  npr?: Uint8Array;
  signal?: AbortSignal;
}

export interface VerifyRequest {
  proofType: number;
  proofData: Uint8Array;
  /** The NPR root the proof must commit to (the ExecutionProof's public input). */
  newPayloadRequestRoot: Uint8Array;
  signal?: AbortSignal;
}

export interface ProvingBackend {
  /** Stable name for logs and metrics, e.g. "ere:gpu0" or "cpu". */
  readonly id: string;
  readonly kind: "ere" | "zkboost" | "cpu" | "sp1";
  capabilities(): BackendCapabilities;
  prove(req: ProveRequest): Promise<ProveResult>;
  verify(req: VerifyRequest): Promise<VerifyResult>;
  health(signal?: AbortSignal): Promise<BackendHealth>;
  close?(): Promise<void>;
}

/** A failed prove, classified as zkboost reports failures. */
export class ProveFailure extends Error {
  readonly reason: ProofFailureReason;
  constructor(reason: ProofFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
    this.name = "ProveFailure";
  }
}

/** What the proof service tells the APIs (zkboost SSE events) and the network layer. */
export type ProofEvent =
  | { type: "proof_complete"; newPayloadRequestRoot: Uint8Array; proofType: number; at: number }
  | {
      type: "proof_failure";
      newPayloadRequestRoot: Uint8Array;
      proofType: number;
      reason: ProofFailureReason;
      error: string;
      at: number;
    }
  | {
      type: "proof_verified";
      newPayloadRequestRoot: Uint8Array;
      proofType: number;
      source: "local" | "gossip" | "reqresp" | "api";
      validatorIndex?: number;
      at: number;
    };

export interface ProofTypeInfo {
  proofType: number;
  name: string;
  kind: "zkvm" | "reexec";
  canProve: boolean;
  canVerify: boolean;
}

/** Where a payload came from, for indexing and deadlines. */
export interface PayloadMeta {
  slot: number;
  blockRoot: Uint8Array;
  blockHash: Uint8Array;
  /** When the block was first seen (ms since epoch): the proving deadline counts from here. */
  seenAt: number;
}

/**
 * The proof service owns payloads, proving work and proof state; everything else calls it.
 * Implemented in src/proving/service.ts on top of the scheduler, the backends and the store.
 */
export interface ProofService {
  /** Registers the payload (idempotent) and schedules the given proof types; resolves to the NPR root. */
  requestProofs(
    npr: import("../spec/newPayloadRequest.ts").ForkedNewPayloadRequest,
    proofTypes: readonly number[],
    meta?: Partial<PayloadMeta>,
  ): Promise<Uint8Array>;
  /** Registers a payload without proving it (verifiers; zkboost notify_new_payload). */
  notifyPayload(
    npr: import("../spec/newPayloadRequest.ts").ForkedNewPayloadRequest,
    meta?: Partial<PayloadMeta>,
  ): Promise<Uint8Array>;
  isKnownPayload(root: Uint8Array): boolean;
  /** The payload root of a known block (what an envelope's beacon_block_root resolves to). */
  payloadRootOfBlock(blockRoot: Uint8Array): Uint8Array | undefined;
  /** verify_execution_proof: runs the proof type's verifier backend. */
  verifyProof(root: Uint8Array, proofType: number, proofData: Uint8Array): Promise<VerifyResult>;
  /** Stores a proof validated elsewhere (gossip, req/resp) and emits proof_verified when verified. */
  acceptProof(proof: import("../store/interface.ts").StoredProof): Promise<void>;
  getProof(
    root: Uint8Array,
    proofType: number,
  ): Promise<import("../store/interface.ts").StoredProof | undefined>;
  verifiedProofs(root: Uint8Array): Promise<import("../store/interface.ts").StoredProof[]>;
  /** Resolves with the verified proofs once `k` of the allowed types are verified, or what there is at timeout. */
  waitForVerified(
    root: Uint8Array,
    k: number,
    allowedTypes: readonly number[] | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<import("../store/interface.ts").StoredProof[]>;
  proofTypes(): ProofTypeInfo[];
  subscribe(listener: (event: ProofEvent) => void): () => void;
  /** Recent completion/failure events (bounded), for SSE replay to late subscribers. */
  recentEvents(root?: Uint8Array): ProofEvent[];
  close(): Promise<void>;
}
