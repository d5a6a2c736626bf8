// Options, shared services and metrics of the proof-engine API (zkboost v0.7 compatible) and the
// status API. One listener serves both; defaults match the config schema (`api.*`).

import type { GossipVerdict } from "../p2p/gossip/validation.ts";
import type { ProofService } from "../proving/interface.ts";
import type { ProofContainers, SignedExecutionProof } from "../spec/containers.ts";
import type { ProofTypeTable } from "../spec/proofTypes.ts";
import type { ProofStore } from "../store/interface.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";
import { type ApiChainView, defaultPayloadAdmissionOpts } from "./admission.ts";
import type { HealthCheck } from "./health.ts";

export interface ApiOpts {
  host: string;
  /** 9500 by default; 0 picks a free port. */
  port: number;
  /** Largest accepted request body (SSZ NewPayloadRequest or proof). */
  maxBodyBytes: number;
  /** CORS allow-list; empty = CORS off. */
  corsOrigins: readonly string[];
  /** SSE keep-alive comment interval (zkboost: 15 s). */
  sseKeepAliveMs: number;
  /** Most concurrent SSE subscribers; more get 503. */
  maxSseClients: number;
  /** The k-of-n rule reported by the status API (the gateway's rule). */
  k: number;
  allowedProofTypes: readonly number[];
  /** Bearer token file for the write endpoints (POST /v1/...); unset: open unless jwtSecretFile. */
  authTokenFile?: string;
  /** Hex JWT secret file: the write endpoints accept `Bearer <HS256 JWT with a fresh iat>`. */
  jwtSecretFile?: string;
  /** A pushed payload may lie at most this many slots after the wall-clock slot. */
  maxSlotsAhead: number;
  /** ...and at most this many before it (and never below the last finality prune). */
  maxSlotsBehind: number;
  /** Payloads registered through the API and not yet pruned at finality; more get 429. */
  maxPendingPayloads: number;
  /** Their SSZ bytes together; more get 429. */
  maxPendingBytes: number;
}

export const defaultApiOpts: ApiOpts = {
  host: "127.0.0.1",
  port: 9500,
  maxBodyBytes: 16 * 1024 * 1024,
  corsOrigins: [],
  sseKeepAliveMs: 15_000,
  maxSseClients: 64,
  k: 1,
  allowedProofTypes: [],
  maxSlotsAhead: defaultPayloadAdmissionOpts.maxSlotsAhead,
  maxSlotsBehind: defaultPayloadAdmissionOpts.maxSlotsBehind,
  maxPendingPayloads: defaultPayloadAdmissionOpts.maxPayloads,
  maxPendingBytes: defaultPayloadAdmissionOpts.maxBytes,
};

/** notify_forkchoice_updated as pushed by a client; the node wires it to pruning. */
export interface ForkchoiceNotification {
  headBlockHash: Uint8Array;
  safeBlockHash: Uint8Array;
  finalizedBlockHash: Uint8Array;
}

export interface ApiMetrics {
  /** One finished HTTP request: endpoint label (route pattern), status, wall time. */
  recordApiRequest(endpoint: string, status: number, ms: number): void;
  /** Current number of open SSE subscriptions. */
  recordSseClients(count: number): void;
}

/** What POST /eth/v1/beacon/execution_proofs hands each envelope to (the p2p service). */
export interface ExecutionProofSubmitter {
  /** Gossip validation incl. verification; on accept the proof is stored and published. */
  submitProof(signed: SignedExecutionProof): Promise<GossipVerdict>;
}

/** The beacon-API execution_proofs endpoints (Lighthouse's EIP-8025 shape, envelope profiles only). */
export interface ExecutionProofsApiModule {
  /**
   * Resolved on every POST: the p2p service once it runs (the API starts first). Undefined: POST
   * answers 501, as Lighthouse does without a proof engine; GET still serves the store.
   */
  submitter: () => ExecutionProofSubmitter | undefined;
  /** Block root of our chain head, for block_id `head`; without it `head` is a 404. */
  head?: () => Uint8Array | undefined;
}

export interface ApiModules {
  logger: Logger;
  proofService: ProofService;
  store: ProofStore;
  proofTypes: ProofTypeTable;
  /** Decodes stored ExecutionProofs to serve raw proof bytes; defaults to the active profile's. */
  containers?: ProofContainers;
  metrics?: ApiMetrics;
  clock?: Clock;
  onForkchoiceUpdated?: (fcu: ForkchoiceNotification) => void | Promise<void>;
  /**
   * Wall clock and finality of the chain: with it, pushed payloads are admitted only inside the slot
   * window and up to the pending limits (the node always gives it; without it nothing is bounded).
   */
  chain?: ApiChainView;
  /** POST/GET /eth/v1/beacon/execution_proofs; without it GET serves the store and POST is a 501. */
  executionProofs?: ExecutionProofsApiModule;
  /** What GET /health reports (503 with the reason unless ok); without it 200 while serving. */
  health?: HealthCheck;
}
