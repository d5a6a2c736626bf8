import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import {
  decodeNpr,
  decodeNprAnyFork,
  encodeNpr,
  nprRoot,
  nprType,
} from "../../src/spec/newPayloadRequest.ts";
import { toHex } from "../../src/util/hex.ts";
import { readFixture } from "../support/fixtures.ts";

// The root zkboost and Lighthouse compute for this devnet block's NewPayloadRequest.
const ZKBOOST_NPR_ROOT = "0x2b1cf251b5b8cabf41828761b5105b307544c6280b5c8e66fd30170f7fe7ddbf";

describe("NewPayloadRequest from @lodestar/types", () => {
  const bytes = readFixture("zkboost-devnet/new_payload_request.ssz");

  it("decodes the zkboost-devnet NPR as electra and fulu, re-encodes byte-identically, and has the expected root", () => {
    for (const fork of ["electra", "fulu"] as const) {
      const npr = decodeNpr(fork, bytes);
      expect(Buffer.from(encodeNpr(npr)).equals(Buffer.from(bytes))).toBe(true);
      expect(toHex(nprRoot(npr))).toBe(ZKBOOST_NPR_ROOT);
    }
  });

  it("finds the fork by decoding", () => {
    const npr = decodeNprAnyFork(bytes);
    expect(npr.fork).toBe("fulu");
    const payload = (npr.value as { executionPayload: { blockNumber: number; transactions: Uint8Array[] } })
      .executionPayload;
    expect(payload.blockNumber).toBeGreaterThan(0);
  });

  it("rejects the bytes as a deneb NPR (no execution requests) and truncated or padded input", () => {
    expect(() => decodeNpr("deneb", bytes)).toThrow(/not a deneb NewPayloadRequest/);
    expect(() => decodeNprAnyFork(bytes.subarray(0, 100))).toThrow(/no NewPayloadRequest of any fork/);
    expect(() => decodeNpr("fulu", new Uint8Array([...bytes, 0]))).toThrow();
    expect(() => nprType("bellatrix")).toThrow(/no NewPayloadRequest for fork "bellatrix"/);
  });

  it("round-trips a gloas NPR (progressive container)", () => {
    const t = ssz.gloas.NewPayloadRequest;
    const value = t.defaultValue();
    const enc = t.serialize(value);
    const dec = decodeNpr("gloas", enc);
    expect(toHex(nprRoot(dec))).toBe(toHex(t.hashTreeRoot(value)));
  });
});
