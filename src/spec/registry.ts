// Named SSZ types for the CLI and tools: `eproof ssz root --type <Type> [--fork <fork>]`.
import { EproofError, errorMessage } from "../util/errors.ts";
import {
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  ExecutionProofsByRootRequest,
  ProofByRootIdentifier,
  proofContainers,
  type SszCodec,
} from "./containers.ts";
import { decodeNprAnyFork, isNprFork, NPR_FORKS, nprType } from "./newPayloadRequest.ts";
import type { SpecProfile } from "./profile.ts";

export interface DecodedSsz {
  /** The fork the bytes were decoded with, for forked types. */
  fork?: string;
  root: Uint8Array;
  json: unknown;
  /** Re-encoding of the decoded value (a round trip must give the input back). */
  reencoded: Uint8Array;
}

interface NamedType {
  forked: boolean;
  decode(bytes: Uint8Array, fork: string | undefined, profile: SpecProfile): DecodedSsz;
}

function plain<T>(codecOf: (profile: SpecProfile) => SszCodec<T>): NamedType {
  return {
    forked: false,
    decode(bytes, _fork, profile) {
      const codec = codecOf(profile);
      const value = codec.deserialize(bytes);
      return {
        root: codec.hashTreeRoot(value),
        json: codec.toJson(value),
        reencoded: codec.serialize(value),
      };
    },
  };
}

const TYPES: Record<string, NamedType> = {
  NewPayloadRequest: {
    forked: true,
    decode(bytes, fork) {
      if (fork === undefined) {
        const npr = decodeNprAnyFork(bytes);
        const t = nprType(npr.fork);
        return {
          fork: npr.fork,
          root: t.hashTreeRoot(npr.value as never),
          json: t.toJson(npr.value as never),
          reencoded: t.serialize(npr.value as never),
        };
      }
      if (!isNprFork(fork)) {
        throw new EproofError(
          "UNKNOWN_FORK",
          `unknown fork "${fork}" for NewPayloadRequest (known: ${NPR_FORKS.join(", ")})`,
        );
      }
      const t = nprType(fork);
      const value = t.deserialize(bytes);
      return {
        fork,
        root: t.hashTreeRoot(value as never),
        json: t.toJson(value as never),
        reencoded: t.serialize(value as never),
      };
    },
  },
  ExecutionProof: plain((p) => proofContainers(p).ExecutionProof),
  SignedExecutionProof: plain((p) => proofContainers(p).SignedExecutionProof),
  PublicInput: plain((p) => proofContainers(p).PublicInput),
  ProofByRootIdentifier: plain(() => ProofByRootIdentifier as unknown as SszCodec<unknown>),
  ExecutionProofStatus: plain(() => ExecutionProofStatus as unknown as SszCodec<unknown>),
  ExecutionProofsByRangeRequest: plain(() => ExecutionProofsByRangeRequest as unknown as SszCodec<unknown>),
  ExecutionProofsByRootRequest: plain(() => ExecutionProofsByRootRequest as unknown as SszCodec<unknown>),
};

/** Registers more named types (the execution-layer side adds StatelessInput and friends). */
export function registerSszType(name: string, type: NamedType): void {
  TYPES[name] = type;
}

export function sszTypeNames(): string[] {
  return Object.keys(TYPES);
}

export function decodeNamed(
  name: string,
  bytes: Uint8Array,
  fork: string | undefined,
  profile: SpecProfile,
): DecodedSsz {
  const type = TYPES[name];
  if (!type)
    throw new EproofError("UNKNOWN_TYPE", `unknown SSZ type "${name}" (known: ${sszTypeNames().join(", ")})`);
  if (fork !== undefined && !type.forked) {
    throw new EproofError("BAD_USAGE", `--fork does not apply to ${name}, which is the same in every fork`);
  }
  let decoded: DecodedSsz;
  try {
    decoded = type.decode(bytes, fork, profile);
  } catch (e) {
    if (e instanceof EproofError) throw e;
    throw new EproofError(
      "SSZ_DECODE",
      `${bytes.length} bytes are not a valid ${name}${fork ? ` (${fork})` : ""}: ${errorMessage(e)}`,
    );
  }
  // Canonical round trip: a value that writes other bytes back (a u64 above 2^53 read as a number) would
  // report a root that is not the root of the input.
  if (Buffer.compare(decoded.reencoded, bytes) !== 0) {
    throw new EproofError(
      "SSZ_DECODE",
      `${bytes.length} bytes do not decode exactly as ${name}${fork ? ` (${fork})` : ""}: re-encoding gives other bytes (a u64 above 2^53?)`,
    );
  }
  return decoded;
}

export type { NamedType };
