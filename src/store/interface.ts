// The proof store contract: what the scheduler, gossip, req/resp and the HTTP APIs rely on.
// Keyed by (new_payload_request_root, proof_type); indexed by slot, block root and block hash.

export type ProofSource = "local" | "gossip" | "reqresp" | "api";

/** A payload eproof knows about (from the chain follower or a client's notify_new_payload). */
export interface PayloadRecord {
  newPayloadRequestRoot: Uint8Array;
  slot: number;
  blockRoot: Uint8Array;
  blockHash: Uint8Array;
  fork: string;
  /** SSZ NewPayloadRequest of `fork`. */
  npr: Uint8Array;
  seenAt: number;
}

export interface StoredProof {
  newPayloadRequestRoot: Uint8Array;
  proofType: number;
  slot: number;
  /** SSZ ExecutionProof of the active spec profile. */
  proof: Uint8Array;
  /** Present once signed locally or when received signed from the network. */
  signed?: { validatorIndex: number; signature: Uint8Array };
  source: ProofSource;
  /** verify_execution_proof passed for this proof. */
  verified: boolean;
  receivedAt: number;
}

export interface ProofStore {
  /** Resolves once the write is durable: an acknowledged proof survives kill -9. */
  putProof(proof: StoredProof): Promise<void>;
  getProof(root: Uint8Array, proofType: number): Promise<StoredProof | undefined>;
  proofsByRoot(root: Uint8Array): Promise<StoredProof[]>;
  /** Slot-ascending proofs with startSlot <= slot < startSlot + count. */
  proofsBySlotRange(startSlot: number, count: number, proofTypes?: readonly number[]): Promise<StoredProof[]>;

  /** Survives a process crash at once; fsynced together with the next proof (payloads can be refetched). */
  putPayload(payload: PayloadRecord): Promise<void>;
  getPayload(root: Uint8Array): Promise<PayloadRecord | undefined>;
  payloadByBlockRoot(blockRoot: Uint8Array): Promise<PayloadRecord | undefined>;
  payloadByBlockHash(blockHash: Uint8Array): Promise<PayloadRecord | undefined>;

  /** Drops payloads and proofs with slot < `slot` (finality pruning); returns how many proofs went. */
  pruneBefore(slot: number): Promise<number>;
  /** Drops the payload and proofs of an orphaned block (with `keepSigned`, all but the signed proofs). */
  dropPayload(root: Uint8Array, opts?: DropPayloadOpts): Promise<void>;
  stats(): Promise<{ proofs: number; payloads: number; bytes: number }>;
  close(): Promise<void>;
}

export interface DropPayloadOpts {
  /**
   * Keep the signed proofs (ours, and peers' as received) until finality: the block may become canonical
   * again, and a zk prover does not make the same bytes twice, so the double-sign guard would refuse to
   * sign a second proof of ours.
   */
  keepSigned?: boolean;
}
