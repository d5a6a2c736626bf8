import { readFileSync } from "node:fs";
import { ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  blockRootOf,
  buildGloasNpr,
  buildNprFromBlock,
  chainNprRoot,
  decodeSignedBlockJson,
  decodeSignedBlockSsz,
  encodeChainNpr,
  encodeSignedBlockJson,
  encodeSignedBlockSsz,
  kzgCommitmentToVersionedHash,
} from "../../src/beacon/blockToNpr.ts";
import { decodeNprAnyFork, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { EproofError } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";
import { FIXTURES, fuluBlockAround, zkboostNpr } from "./beaconTestServer.ts";

const fixtureBytes = readFileSync(new URL("zkboost-devnet/new_payload_request.ssz", FIXTURES));
const fixtureRoot = nprRoot(decodeNprAnyFork(fixtureBytes));

describe("block → NewPayloadRequest", () => {
  const npr = zkboostNpr();
  const parent = npr.parentBeaconBlockRoot;

  it("rebuilds the zkboost-devnet NPR (root and bytes) from a fulu block served as SSZ", () => {
    const block = fuluBlockAround(npr, 40, parent);
    const decoded = decodeSignedBlockSsz("fulu", encodeSignedBlockSsz(block));
    const built = buildNprFromBlock(decoded);
    expect(built).toBeDefined();
    expect(toHex(built?.root ?? new Uint8Array())).toBe(toHex(fixtureRoot));
    expect(
      Buffer.compare(
        encodeChainNpr(
          built?.npr ?? { fork: "capella", value: ssz.capella.NewPayloadRequest.defaultValue() },
        ),
        fixtureBytes,
      ),
    ).toBe(0);
    expect(built?.blockNumber).toBe(npr.executionPayload.blockNumber);
  });

  it("gives the same NPR root from the JSON encoding of the block", () => {
    const block = fuluBlockAround(npr, 40, parent);
    const json = JSON.parse(JSON.stringify(encodeSignedBlockJson(block)));
    const decoded = decodeSignedBlockJson("fulu", json);
    expect(toHex(blockRootOf(decoded))).toBe(toHex(blockRootOf(block)));
    expect(toHex(buildNprFromBlock(decoded)?.root ?? new Uint8Array())).toBe(toHex(fixtureRoot));
  });

  it("computes versioned hashes from blob commitments (0x01 ‖ sha256[1:])", () => {
    const commitment = new Uint8Array(48).fill(7);
    const vh = kzgCommitmentToVersionedHash(commitment);
    expect(vh[0]).toBe(1);
    expect(toHex(vh.subarray(1))).toBe(toHex(sha256(commitment).subarray(1)));
    const block = fuluBlockAround(npr, 41, parent);
    if (block.fork !== "fulu") throw new Error("fulu expected");
    block.block.message.body.blobKzgCommitments = [commitment];
    const built = buildNprFromBlock(block);
    const value = built?.npr.value;
    expect(value && "versionedHashes" in value ? value.versionedHashes.map(toHex) : []).toEqual([toHex(vh)]);
    expect(toHex(built?.root ?? new Uint8Array())).not.toBe(toHex(fixtureRoot));
  });

  it("builds the capella NPR (payload only) for pre-Deneb devnets", () => {
    const block = ssz.capella.SignedBeaconBlock.defaultValue();
    block.message.slot = 5;
    block.message.body.executionPayload.blockNumber = 77;
    const decoded = decodeSignedBlockJson("capella", ssz.capella.SignedBeaconBlock.toJson(block));
    const built = buildNprFromBlock(decoded);
    expect(built?.npr.fork).toBe("capella");
    expect(built?.blockNumber).toBe(77);
    expect(toHex(built?.root ?? new Uint8Array())).toBe(
      toHex(
        ssz.capella.NewPayloadRequest.hashTreeRoot({ executionPayload: block.message.body.executionPayload }),
      ),
    );
  });

  it("has no NPR for a phase0 block", () => {
    const b = ssz.phase0.SignedBeaconBlock.defaultValue();
    expect(
      buildNprFromBlock(decodeSignedBlockSsz("phase0", ssz.phase0.SignedBeaconBlock.serialize(b))),
    ).toBeUndefined();
  });

  it("builds a gloas NPR from the envelope and the committed bid, and refuses a mismatching envelope", () => {
    const block = ssz.gloas.SignedBeaconBlock.defaultValue();
    block.message.slot = 9;
    const commitment = new Uint8Array(48).fill(3);
    const bid = block.message.body.signedExecutionPayloadBid.message;
    bid.blobKzgCommitments = [commitment];
    bid.blockHash = new Uint8Array(32).fill(0xaa);
    const env = ssz.gloas.SignedExecutionPayloadEnvelope.defaultValue();
    env.message.beaconBlockRoot = ssz.gloas.BeaconBlock.hashTreeRoot(block.message);
    env.message.payload.blockHash = new Uint8Array(32).fill(0xaa);
    env.message.payload.blockNumber = 12;
    const built = buildGloasNpr(block, env);
    expect(built.npr.fork).toBe("gloas");
    expect(toHex(built.root)).toBe(toHex(chainNprRoot(built.npr)));
    const value = built.npr.value;
    expect("versionedHashes" in value ? value.versionedHashes.map(toHex) : []).toEqual([
      toHex(kzgCommitmentToVersionedHash(commitment)),
    ]);
    env.message.payload.blockHash = new Uint8Array(32).fill(0xbb);
    expect(() => buildGloasNpr(block, env)).toThrow(/differs from the committed bid/);
  });

  it("rejects truncated SSZ and unknown forks with an EproofError", () => {
    const bytes = encodeSignedBlockSsz(fuluBlockAround(npr, 40, parent));
    expect(() => decodeSignedBlockSsz("fulu", bytes.subarray(0, 100))).toThrow(EproofError);
    expect(() => decodeSignedBlockSsz("fulu", bytes.subarray(0, 100))).toThrow(
      /not a fulu SignedBeaconBlock/,
    );
    expect(() => decodeSignedBlockSsz("osaka", bytes)).toThrow(/unsupported consensus fork/);
    expect(() => decodeSignedBlockJson("fulu", { message: 3 })).toThrow(EproofError);
  });
});
