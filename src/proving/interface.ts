// The proving backend contract: one shape for ere-server GPUs, an external zkboost node and the CPU type.

export type ProofFailureReason = "witness_timeout" | "proving_timeout" | "proving_error" | "internal_error";

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
}

export interface ProveRequest {
  proofType: number;
  /** Schema-prefixed SSZ StatelessInput. */
  statelessInput: Uint8Array;
  newPayloadRequestRoot: Uint8Array;
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
  readonly kind: "ere" | "zkboost" | "cpu";
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
