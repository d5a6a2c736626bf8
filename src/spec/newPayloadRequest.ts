// The Engine API NewPayloadRequest per fork, from @lodestar/types (never hand-written), and its root.
import { ssz } from "@lodestar/types";
import { EproofError, errorMessage } from "../util/errors.ts";
import { assertExactNumbers } from "./uint64.ts";

// Capella has no versioned hashes or parent root: @lodestar/types defines its NPR as {executionPayload}.
// eproof accepts it so pre-Deneb devnets (Lodestar 1.5.1) can be proved end to end.
export const NPR_FORKS = ["capella", "deneb", "electra", "fulu", "gloas"] as const;
export type NprFork = (typeof NPR_FORKS)[number];

type CapellaNpr = typeof ssz.capella.NewPayloadRequest;
type DenebNpr = typeof ssz.deneb.NewPayloadRequest;
type ElectraNpr = typeof ssz.electra.NewPayloadRequest;
type GloasNpr = typeof ssz.gloas.NewPayloadRequest;
export type NprType = CapellaNpr | DenebNpr | ElectraNpr | GloasNpr;

export type CapellaNewPayloadRequest = ReturnType<CapellaNpr["defaultValue"]>;
export type DenebNewPayloadRequest = ReturnType<DenebNpr["defaultValue"]>;
export type ElectraNewPayloadRequest = ReturnType<ElectraNpr["defaultValue"]>;
export type GloasNewPayloadRequest = ReturnType<GloasNpr["defaultValue"]>;
export type NewPayloadRequest =
  | CapellaNewPayloadRequest
  | DenebNewPayloadRequest
  | ElectraNewPayloadRequest
  | GloasNewPayloadRequest;

/** A NewPayloadRequest with the fork whose types decode it. */
export interface ForkedNewPayloadRequest {
  fork: NprFork;
  value: NewPayloadRequest;
}

export function isNprFork(fork: string): fork is NprFork {
  return (NPR_FORKS as readonly string[]).includes(fork);
}

export function nprType(fork: string): NprType {
  switch (fork) {
    case "capella":
      return ssz.capella.NewPayloadRequest;
    case "deneb":
      return ssz.deneb.NewPayloadRequest;
    case "electra":
    case "fulu": // Fulu changed no execution-side container: the Electra type is the Fulu type.
      return ssz.electra.NewPayloadRequest;
    case "gloas":
      return ssz.gloas.NewPayloadRequest;
    default:
      throw new EproofError(
        "UNKNOWN_FORK",
        `no NewPayloadRequest for fork "${fork}" (known: ${NPR_FORKS.join(", ")})`,
      );
  }
}

export function decodeNpr(fork: NprFork, bytes: Uint8Array): ForkedNewPayloadRequest {
  let value: NewPayloadRequest;
  try {
    value = nprType(fork).deserialize(bytes) as NewPayloadRequest;
  } catch (e) {
    throw new EproofError("SSZ_DECODE", `not a ${fork} NewPayloadRequest: ${errorMessage(e)}`);
  }
  // @lodestar/types reads timestamp, gas and indices as numbers: one above 2^53 would change the root.
  assertExactNumbers(value, `${fork} NewPayloadRequest`);
  return { fork, value };
}

/**
 * Decodes without a known fork, trying the newest fork first (as zkboost does: the fork is found by
 * decoding). Electra and Fulu share one type, so such bytes report "fulu".
 */
export function decodeNprAnyFork(bytes: Uint8Array): ForkedNewPayloadRequest {
  const errors: string[] = [];
  for (const fork of ["gloas", "fulu", "deneb", "capella"] as const) {
    try {
      const value = nprType(fork).deserialize(bytes) as NewPayloadRequest;
      // A round trip guards against a lenient decode into the wrong shape and against u64 numbers
      // above 2^53 (which re-encode to a neighbour).
      if (Buffer.compare(nprType(fork).serialize(value as never), bytes) === 0) return { fork, value };
      errors.push(`${fork}: re-encoding differs`);
    } catch (e) {
      errors.push(`${fork}: ${errorMessage(e)}`);
    }
  }
  throw new EproofError("SSZ_DECODE", `bytes are no NewPayloadRequest of any fork (${errors.join("; ")})`);
}

export function nprRoot(npr: ForkedNewPayloadRequest): Uint8Array {
  return nprType(npr.fork).hashTreeRoot(npr.value as never);
}

export function encodeNpr(npr: ForkedNewPayloadRequest): Uint8Array {
  return nprType(npr.fork).serialize(npr.value as never);
}
