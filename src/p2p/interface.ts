// The p2p contract: options, metrics and the dependencies the libp2p node is given, plus the service
// the daemon drives (gossip of `execution_proof`, req/resp backfill, discv5 discovery).
import type { ProofService } from "../proving/interface.ts";
import type { ProofContainers, SignedExecutionProof } from "../spec/containers.ts";
import type { ProofStore } from "../store/interface.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import type { GossipVerdict } from "./gossip/validation.ts";

export interface P2pOpts {
  /** Multiaddrs to listen on (TCP). */
  listen: string[];
  /** Multiaddrs announced to peers instead of the listen addresses (empty: announce what we listen on). */
  announce: string[];
  /** Multiaddrs with /p2p/<peerId>, dialed at start and kept connected. */
  staticPeers: string[];
  /** ENR strings (enr:...) seeding discv5. */
  bootnodes: string[];
  maxConnections: number;
  /** Where the persistent peer key (`peer-key`, mode 0600) lives; undefined: a fresh key each start. */
  dataDir?: string;
  /** discv5 UDP port on 127.0.0.1; undefined disables discovery. */
  discv5Port?: number;
  /** Bounded queue of proofs whose payload is not known yet. */
  pendingQueueSize: number;
  /** How long a queued proof waits for its payload before it is dropped (IGNORE). */
  pendingQueueTtlMs: number;
  /** Entries of that queue one peer may hold; beyond it its proofs are IGNOREd (peer_quota) and penalized. */
  pendingPerPeer: number;
  /** Signature sets collected before one batch verification, and the longest wait for a batch to fill. */
  blsBatchSize: number;
  blsBatchWaitMs: number;
  /** Worker threads that verify signature batches off the event loop; 0 verifies on it. */
  blsWorkers: number;
  /** Req/resp: requests per peer per minute, per protocol. */
  reqRespRateLimitPerMin: number;
  /** Req/resp: time allowed for a whole request/response exchange. */
  reqRespTimeoutMs: number;
  /** How long a validator's pubkey and active flag are cached (one epoch by default). */
  validatorCacheTtlMs: number;
  /** Bounded dedup sets (seen proof roots, (root, type) and (root, type, validator) keys). */
  seenCacheSize: number;
  /**
   * Proof types outside the profile's wire set that this network announces (eproof's CPU type on a
   * devnet): accepted on gossip and published; any other such type is REJECTed and never sent.
   */
  localProofTypes: number[];
}

export const defaultP2pOpts: P2pOpts = {
  listen: ["/ip4/127.0.0.1/tcp/9400"],
  announce: [],
  staticPeers: [],
  bootnodes: [],
  maxConnections: 50,
  dataDir: undefined,
  discv5Port: undefined,
  pendingQueueSize: 1024,
  pendingQueueTtlMs: 12_000,
  pendingPerPeer: 64,
  blsBatchSize: 32,
  blsBatchWaitMs: 5,
  blsWorkers: 1,
  reqRespRateLimitPerMin: 60,
  reqRespTimeoutMs: 10_000,
  validatorCacheTtlMs: 384_000,
  seenCacheSize: 16_384,
  localProofTypes: [],
};

/** Why a gossip message was ignored or rejected (labels for metrics and logs). */
export type GossipIgnoreReason =
  | "already_seen"
  | "payload_unknown"
  | "valid_already_received"
  | "not_first_from_validator"
  | "queue_full"
  | "peer_quota"
  | "queue_expired"
  /** Waiting in the pending queue when its sender was cut off for flooding: dropped with the peer. */
  | "peer_cut_off"
  | "cannot_verify";

export type GossipRejectReason =
  | "malformed_snappy"
  | "oversize_snappy"
  | "malformed_ssz"
  | "unsupported_proof_type"
  | "unknown_validator"
  | "inactive_validator"
  | "bad_signature"
  | "empty_proof"
  | "oversize_proof"
  | "invalid_proof";

export type ReqRespMethod =
  | "execution_proofs_by_range"
  | "execution_proofs_by_root"
  | "execution_proof_status";

export interface P2pMetrics {
  recordGossipReceived(): void;
  recordGossipAccepted(): void;
  recordGossipIgnored(reason: GossipIgnoreReason): void;
  recordGossipRejected(reason: GossipRejectReason): void;
  recordGossipValidationMs(ms: number): void;
  recordPeers(count: number): void;
  recordReqRespServed(method: ReqRespMethod, chunks: number): void;
  recordReqRespError(method: ReqRespMethod, code: number): void;
}

/** What the beacon client provides: validator status at the current epoch. */
export interface ValidatorLookup {
  getValidator(index: number): Promise<{ pubkey: Uint8Array; active: boolean } | undefined>;
}

/** The fork digest of the current fork boundary, and its changes at boundaries. */
export interface ForkDigestProvider {
  current(): Uint8Array;
  /** Every digest of the fork schedule (topic score parameters are set up for each). */
  all(): Uint8Array[];
  /** Called with the new digest when the fork boundary changes; returns an unsubscribe function. */
  onChange(listener: (digest: Uint8Array) => void): () => void;
}

/** The DOMAIN_EXECUTION_PROOF signing domain for a proof received now. */
export interface SigningDomainProvider {
  currentDomain(): Uint8Array;
}

/** The serve range of req/resp: from the finalized slot to the current slot. */
export interface ChainHeadInfo {
  finalizedSlot(): number;
  currentSlot(): number;
  /** Our head for execution_proof_status. */
  head(): { blockRoot: Uint8Array; slot: number };
}

export interface P2pModules {
  logger: Logger;
  metrics: P2pMetrics;
  clock: Clock;
  signal?: AbortSignal;
  containers: ProofContainers;
  validators: ValidatorLookup;
  forkDigest: ForkDigestProvider;
  domain: SigningDomainProvider;
  proofs: Pick<ProofService, "isKnownPayload" | "verifyProof" | "acceptProof" | "payloadRootOfBlock">;
  store: Pick<ProofStore, "proofsBySlotRange" | "proofsByRoot" | "payloadByBlockRoot" | "getPayload">;
  chain: ChainHeadInfo;
  /** Proof types this node cares about (status messages; empty means all). */
  proofTypes: readonly number[];
  /**
   * Fetches the signed proofs of a block from elsewhere (a beacon node's
   * GET /eth/v1/beacon/execution_proofs/{block}): used for blocks whose gossiped proofs were dropped
   * from the pending queue before the block became known. Optional.
   */
  fetchProofs?: (blockRoot: Uint8Array, signal?: AbortSignal) => Promise<SignedExecutionProof[]>;
}

export interface PeerSummary {
  peerId: string;
  addrs: string[];
  /** gossipsub score as this node sees it. */
  score: number;
  /** Whether the peer answered execution_proof_status (proof-aware). */
  proofAware: boolean;
}

export interface BackfillResult {
  received: number;
  accepted: number;
  rejected: number;
}

export type BackfillRequest =
  | { kind: "range"; startSlot: number; count: number; proofTypes?: readonly number[] }
  | { kind: "root"; blockRoots: readonly Uint8Array[]; proofTypes?: readonly number[] };

export interface ProofAcceptedEvent {
  signed: SignedExecutionProof;
  source: "gossip" | "reqresp" | "api";
  /** Peer the proof came from ("api" for a beacon-API submission). */
  from: string;
}

export interface P2pService {
  readonly peerId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Publishes a signed proof once; a second call with the same proof is a no-op returning false. */
  publishProof(signed: SignedExecutionProof): Promise<boolean>;
  /**
   * A proof submitted through the beacon API: the gossip validation incl. verification, except that a
   * proof whose block (payload) is not known is answered at once (IGNORE payload_unknown), never queued,
   * and a verified proof of its type already stored is IGNORE valid_already_received. On accept: stored
   * (source "api") and published. Throws only when eproof itself fails (beacon node, store, gossip).
   */
  submitProof(signed: SignedExecutionProof): Promise<GossipVerdict>;
  peers(): PeerSummary[];
  /** Peers subscribed to the current execution_proof topic. */
  gossipPeers(): string[];
  /** Dials a multiaddr with /p2p/<id> (static peers, admin). */
  dial(addr: string): Promise<void>;
  /** Multiaddrs (with /p2p/<id>) other nodes can dial. */
  multiaddrs(): string[];
  /** Fetches proofs by range or by block root from one peer (or any proof-aware peer) and validates them. */
  backfill(req: BackfillRequest, peerId?: string): Promise<BackfillResult>;
  onProofAccepted(listener: (event: ProofAcceptedEvent) => void): () => void;
  /** The payload of `root` (of block `blockRoot`) became known: re-validates proofs queued for either. */
  onPayloadKnown(root: Uint8Array, blockRoot?: Uint8Array): void;
  /** ENR text of this node when discovery runs. */
  enr(): string | undefined;
  /** What the flood defence did: peers cut off, their connections refused, messages dropped unread. */
  floodDefence?(): {
    cutOff: number;
    refusedConnections: number;
    droppedUnread: number;
    throttledConnections: number;
  };
}
