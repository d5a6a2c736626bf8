// The execution side's contract: where witnesses and chain configs come from, what the StatelessInput
// assembler produces, and the metrics this folder records.
import type { PayloadEvent } from "../beacon/interface.ts";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { ExecutionWitnessValue } from "../spec/stateless.ts";
import type { GethChainConfig } from "../stateless/common.ts";

export type WitnessMethod =
  | "debug_executionWitnessByBlockHash"
  | "debug_executionWitness"
  | "eth_getProof_fallback"
  /** Delivered by the EL in its engine_newPayloadWithWitnessV5 answer (through the gateway). */
  | "engine_newPayloadWithWitnessV5";

export interface WitnessRequest {
  blockHash: Uint8Array;
  blockNumber: number;
  /** The payload itself: the eth_getProof fallback executes it to learn what it touches. */
  npr?: ForkedNewPayloadRequest;
}

export interface FetchedWitness {
  witness: ExecutionWitnessValue;
  method: WitnessMethod;
  ms: number;
  /** The source already re-executed the payload on this witness with the stateless engine. */
  engineChecked?: boolean;
}

/** Anything that yields the execution witness of a block (an EL's debug API, or the eth_getProof builder). */
export interface WitnessSource {
  fetchWitness(req: WitnessRequest, signal?: AbortSignal): Promise<FetchedWitness>;
}

export interface ChainConfigSource {
  chainConfig(signal?: AbortSignal): Promise<GethChainConfig>;
}

export interface StatelessInputReady {
  /** Schema-prefixed SSZ StatelessInput: what a prover's stdin receives. */
  bytes: Uint8Array;
  schemaId: number;
  /** new_payload_request_root as the StatelessInput's schema computes it (= the event's root for CL schemas). */
  root: Uint8Array;
  event: PayloadEvent;
  witnessMethod: WitnessMethod;
  /** Time from the payload event's seenAt to ready, on the injected clock. */
  sinceSeenMs: number;
}

export interface ExecutionMetrics {
  recordRpcCall(method: string, ms: number, ok: boolean): void;
  recordWitnessFetch(method: WitnessMethod, ms: number, ok: boolean): void;
  recordInputBuilt(ms: number, bytes: number): void;
  recordWitnessRejected(reason: string): void;
}
