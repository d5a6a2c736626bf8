// Options, shared services and metrics of the Engine API gateway. Defaults match the config
// schema (`gateway.*`): 127.0.0.1:9551, proofs-or-el, k = 1, a 4 s proof budget.
import type { ForkchoiceNotification } from "../api/options.ts";
import type { PayloadWitnessSink } from "../execution/engineWitness.ts";
import type { ProofService } from "../proving/interface.ts";
import type { SpecProfile } from "../spec/profile.ts";
import type { ProofStore } from "../store/interface.ts";
import type { Clock } from "../util/clock.ts";
import type { Logger } from "../util/logger.ts";

/**
 * proofs-only: a payload without the proofs in time is SYNCING.
 * proofs-or-el: it goes to the upstream execution client, whose answer is returned.
 */
export type GatewayMode = "proofs-only" | "proofs-or-el";

export interface GatewayUpstreamOpts {
  url: string;
  /** Hex secret file of the upstream execution client's Engine API (or the bytes directly). */
  jwtSecretFile?: string;
  jwtSecret?: Uint8Array;
  timeoutMs: number;
}

export interface GatewayOpts {
  host: string;
  /** 9551 by default (8551-style); 0 picks a free port. */
  port: number;
  /** Hex JWT secret file shared with the consensus client, or the 32 bytes directly. One is required. */
  jwtSecretFile?: string;
  jwtSecret?: Uint8Array;
  mode: GatewayMode;
  /** Distinct verified proof types needed for VALID. */
  k: number;
  /** Proof type ids that count toward k; empty = all. */
  allowedProofTypes: readonly number[];
  /** How long engine_newPayload waits for proofs before SYNCING / forwarding. */
  waitMs: number;
  upstream?: GatewayUpstreamOpts;
  /**
   * When VALID comes from proofs, still send newPayload / forkchoiceUpdated to the upstream in the
   * background so the execution client keeps following the chain.
   */
  mirrorToUpstream: boolean;
  maxBodyBytes: number;
  /** Most requests in one JSON-RPC batch. */
  maxBatchSize: number;
  /** Block hashes remembered for forkchoiceUpdated (hash → NPR root). */
  headIndexSize: number;
  corsOrigins: readonly string[];
  /**
   * Send engine_newPayloadV5 upstream as engine_newPayloadWithWitnessV5 and hand the witness to
   * `modules.payloadWitness` (needs both an upstream and that sink).
   */
  witnessFromEngine: boolean;
  /** After the upstream answered -32601 to the witness method, how long before it is tried again. */
  witnessReprobeMs: number;
}

export const defaultGatewayOpts: GatewayOpts = {
  host: "127.0.0.1",
  port: 9551,
  mode: "proofs-or-el",
  k: 1,
  allowedProofTypes: [],
  waitMs: 4_000,
  mirrorToUpstream: true,
  maxBodyBytes: 32 * 1024 * 1024,
  maxBatchSize: 32,
  headIndexSize: 1024,
  corsOrigins: [],
  witnessFromEngine: true,
  witnessReprobeMs: 3_600_000,
};

export const defaultUpstreamTimeoutMs = 8_000;

export type NewPayloadVerdict = "VALID" | "SYNCING" | "upstream" | "invalid_params" | "error";

export interface GatewayMetrics {
  /** One JSON-RPC call answered: method, whether it was an error, wall time. */
  recordRpcCall(method: string, ok: boolean, ms: number): void;
  /** How engine_newPayload was decided, and how long the answer took. */
  recordNewPayload(verdict: NewPayloadVerdict, ms: number): void;
  recordAuthFailure(reason: string): void;
  recordUpstreamCall(method: string, ok: boolean, ms: number): void;
}

export interface GatewayModules {
  logger: Logger;
  proofService: ProofService;
  /** Finds a head by block hash when it is not in the in-memory index (e.g. after a restart). */
  store?: ProofStore;
  metrics?: GatewayMetrics;
  clock?: Clock;
  /** Stops waits for proofs on shutdown. */
  signal?: AbortSignal;
  /** Each forkchoiceUpdated state (the node may wire it to pruning). */
  onForkchoiceUpdated?: (fcu: ForkchoiceNotification) => void | Promise<void>;
  /** Receives the witnesses of engine_newPayloadWithWitnessV5 answers (e.g. an EngineWitnessCache). */
  payloadWitness?: PayloadWitnessSink;
  /** The spec profile proofs are made under: which NPR root they are about (default: the default profile). */
  profile?: SpecProfile;
}
