// Pure codecs from a signed beacon block (SSZ bytes or Beacon API JSON, per fork via @lodestar/types)
// to the Engine API NewPayloadRequest and its root. No I/O.

import type { capella, deneb, electra, fulu, gloas } from "@lodestar/types";
import { ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeNpr, nprRoot } from "../spec/newPayloadRequest.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import type { ChainNewPayloadRequest } from "./interface.ts";

export const BLOCK_FORKS = [
  "phase0",
  "altair",
  "bellatrix",
  "capella",
  "deneb",
  "electra",
  "fulu",
  "gloas",
] as const;
export type BlockFork = (typeof BLOCK_FORKS)[number];

export type DecodedBlock =
  | { fork: "phase0" | "altair" | "bellatrix"; block: { message: { slot: number; parentRoot: Uint8Array } } }
  | { fork: "capella"; block: capella.SignedBeaconBlock }
  | { fork: "deneb"; block: deneb.SignedBeaconBlock }
  | { fork: "electra"; block: electra.SignedBeaconBlock }
  | { fork: "fulu"; block: fulu.SignedBeaconBlock }
  | { fork: "gloas"; block: gloas.SignedBeaconBlock };

const VERSIONED_HASH_VERSION_KZG = 0x01;

export function isBlockFork(fork: string): fork is BlockFork {
  return (BLOCK_FORKS as readonly string[]).includes(fork);
}

function requireFork(fork: string): BlockFork {
  const f = fork.toLowerCase();
  if (!isBlockFork(f)) {
    throw new EproofError(
      "UNKNOWN_FORK",
      `unsupported consensus fork "${fork}" (known: ${BLOCK_FORKS.join(", ")})`,
    );
  }
  return f;
}

function signedBlockType(fork: BlockFork) {
  switch (fork) {
    case "phase0":
      return ssz.phase0.SignedBeaconBlock;
    case "altair":
      return ssz.altair.SignedBeaconBlock;
    case "bellatrix":
      return ssz.bellatrix.SignedBeaconBlock;
    case "capella":
      return ssz.capella.SignedBeaconBlock;
    case "deneb":
      return ssz.deneb.SignedBeaconBlock;
    case "electra":
      return ssz.electra.SignedBeaconBlock;
    case "fulu":
      return ssz.fulu.SignedBeaconBlock;
    case "gloas":
      return ssz.gloas.SignedBeaconBlock;
  }
}

function wrap(fork: BlockFork, value: unknown): DecodedBlock {
  // The codec chosen by `fork` produced `value`, so the pairing below is sound.
  return { fork, block: value } as DecodedBlock;
}

/** Decodes `ssz.<fork>.SignedBeaconBlock` bytes (the fork from the Eth-Consensus-Version header). */
export function decodeSignedBlockSsz(fork: string, bytes: Uint8Array): DecodedBlock {
  const f = requireFork(fork);
  try {
    return wrap(f, signedBlockType(f).deserialize(bytes));
  } catch (e) {
    throw new EproofError(
      "SSZ_DECODE",
      `not a ${f} SignedBeaconBlock (${bytes.length} bytes): ${errorMessage(e)}`,
    );
  }
}

/** Decodes the Beacon API JSON `data` of `/eth/v2/beacon/blocks/{id}`. */
export function decodeSignedBlockJson(fork: string, json: unknown): DecodedBlock {
  const f = requireFork(fork);
  try {
    return wrap(f, signedBlockType(f).fromJson(json));
  } catch (e) {
    throw new EproofError("BAD_INPUT", `not a ${f} SignedBeaconBlock in JSON: ${errorMessage(e)}`);
  }
}

export function encodeSignedBlockSsz(decoded: DecodedBlock): Uint8Array {
  return signedBlockType(decoded.fork).serialize(decoded.block as never);
}

export function encodeSignedBlockJson(decoded: DecodedBlock): unknown {
  return signedBlockType(decoded.fork).toJson(decoded.block as never);
}

export function blockRootOf(decoded: DecodedBlock): Uint8Array {
  return signedBlockType(decoded.fork).fields.message.hashTreeRoot(decoded.block.message as never);
}

export function blockSlotOf(decoded: DecodedBlock): number {
  return decoded.block.message.slot;
}

/** EIP-4844 kzg_commitment_to_versioned_hash: 0x01 ‖ sha256(commitment)[1:]. */
export function kzgCommitmentToVersionedHash(commitment: Uint8Array): Uint8Array {
  const h = sha256(commitment);
  h[0] = VERSIONED_HASH_VERSION_KZG;
  return h;
}

export interface BuiltNpr {
  npr: ChainNewPayloadRequest;
  root: Uint8Array;
  blockHash: Uint8Array;
  parentHash: Uint8Array;
  blockNumber: number;
}

function finish(npr: ChainNewPayloadRequest): BuiltNpr {
  const payload = npr.value.executionPayload;
  return {
    npr,
    root: chainNprRoot(npr),
    blockHash: payload.blockHash,
    parentHash: payload.parentHash,
    blockNumber: payload.blockNumber,
  };
}

/** hash_tree_root of the NPR (capella..gloas). */
export function chainNprRoot(npr: ChainNewPayloadRequest): Uint8Array {
  return nprRoot(npr);
}

export function encodeChainNpr(npr: ChainNewPayloadRequest): Uint8Array {
  return encodeNpr(npr);
}

/**
 * The NPR a pre-Gloas block carries. Returns undefined for forks without an execution payload
 * (phase0, altair) and for bellatrix (no NPR container; eproof does not prove pre-Capella blocks).
 * Gloas blocks carry only a bid: use `buildGloasNpr` with the payload envelope.
 */
export function buildNprFromBlock(decoded: DecodedBlock): BuiltNpr | undefined {
  switch (decoded.fork) {
    case "phase0":
    case "altair":
    case "bellatrix":
      return undefined;
    case "capella":
      return finish({
        fork: "capella",
        value: { executionPayload: decoded.block.message.body.executionPayload },
      });
    case "deneb": {
      const m = decoded.block.message;
      return finish({
        fork: "deneb",
        value: {
          executionPayload: m.body.executionPayload,
          versionedHashes: m.body.blobKzgCommitments.map(kzgCommitmentToVersionedHash),
          parentBeaconBlockRoot: m.parentRoot,
        },
      });
    }
    case "electra":
    case "fulu": {
      const m = decoded.block.message;
      return finish({
        fork: decoded.fork,
        value: {
          executionPayload: m.body.executionPayload,
          versionedHashes: m.body.blobKzgCommitments.map(kzgCommitmentToVersionedHash),
          parentBeaconBlockRoot: m.parentRoot,
          executionRequests: m.body.executionRequests,
        },
      });
    }
    case "gloas":
      return undefined;
  }
}

/**
 * Gloas (EIP-7732): the payload and its execution requests come from the SignedExecutionPayloadEnvelope,
 * the versioned hashes from the blob commitments of the bid committed in the beacon block.
 */
export function buildGloasNpr(
  block: gloas.SignedBeaconBlock,
  envelope: gloas.SignedExecutionPayloadEnvelope,
): BuiltNpr {
  const bid = block.message.body.signedExecutionPayloadBid.message;
  const env = envelope.message;
  const blockRoot = ssz.gloas.BeaconBlock.hashTreeRoot(block.message);
  if (Buffer.compare(env.beaconBlockRoot, blockRoot) !== 0) {
    throw new EproofError("BAD_INPUT", "payload envelope is for another beacon block");
  }
  if (Buffer.compare(env.payload.blockHash, bid.blockHash) !== 0) {
    throw new EproofError("BAD_INPUT", "payload envelope's block hash differs from the committed bid");
  }
  return finish({
    fork: "gloas",
    value: {
      executionPayload: env.payload,
      versionedHashes: bid.blobKzgCommitments.map(kzgCommitmentToVersionedHash),
      parentBeaconBlockRoot: block.message.parentRoot,
      executionRequests: env.executionRequests,
    },
  });
}

export function decodeGloasEnvelopeSsz(bytes: Uint8Array): gloas.SignedExecutionPayloadEnvelope {
  try {
    return ssz.gloas.SignedExecutionPayloadEnvelope.deserialize(bytes);
  } catch (e) {
    throw new EproofError("SSZ_DECODE", `not a gloas SignedExecutionPayloadEnvelope: ${errorMessage(e)}`);
  }
}

export function decodeGloasEnvelopeJson(json: unknown): gloas.SignedExecutionPayloadEnvelope {
  try {
    return ssz.gloas.SignedExecutionPayloadEnvelope.fromJson(json);
  } catch (e) {
    throw new EproofError(
      "BAD_INPUT",
      `not a gloas SignedExecutionPayloadEnvelope in JSON: ${errorMessage(e)}`,
    );
  }
}
