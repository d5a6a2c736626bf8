// Issue 18, defect 8: u64 fields above 2^53 must decode exactly (bigint) or be refused, so the root of a
// decoded value is always the root of its bytes.
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import { decodeSignedProof } from "../../src/p2p/gossip/validation.ts";
import { serveByRange } from "../../src/p2p/reqresp/handlers.ts";
import {
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  proofContainers,
} from "../../src/spec/containers.ts";
import { decodeNpr, decodeNprAnyFork, type NewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { getProfile, PROFILES } from "../../src/spec/profile.ts";
import { decodeNamed } from "../../src/spec/registry.ts";
import {
  decodeStatelessInput,
  encodeStatelessInput,
  executionNprFromGloas,
  SCHEMA_AMSTERDAM_R1,
  SCHEMA_OSAKA_CL,
} from "../../src/spec/stateless.ts";
import { assertExactNumbers } from "../../src/spec/uint64.ts";
import { EproofError } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";

const BIG = 2n ** 60n;

function u64le(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
}

/** Overwrites the unique 8-byte little-endian `marker` in `bytes` with `value`. */
function patchU64(bytes: Uint8Array, marker: bigint, value: bigint): Uint8Array {
  const needle = Buffer.from(u64le(marker));
  const at = Buffer.from(bytes).indexOf(needle);
  expect(at).toBeGreaterThanOrEqual(0);
  expect(Buffer.from(bytes).indexOf(needle, at + 1)).toBe(-1);
  const out = Uint8Array.from(bytes);
  out.set(u64le(value), at);
  return out;
}

function expectDecodeError(fn: () => unknown): EproofError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EproofError);
    expect((e as EproofError).code).toBe("SSZ_DECODE");
    expect((e as EproofError).message).toMatch(/2\^53/);
    return e as EproofError;
  }
  throw new Error("expected an SSZ_DECODE error");
}

const MARKER = 0x0badc0de_1234n;

function fuluNprWithTimestamp(ts: bigint): Uint8Array {
  const npr = ssz.electra.NewPayloadRequest.defaultValue();
  npr.executionPayload.timestamp = Number(MARKER);
  return patchU64(ssz.electra.NewPayloadRequest.serialize(npr), MARKER, ts);
}

describe("u64 above 2^53 (defect 8)", () => {
  it("ExecutionProofsByRangeRequest keeps start_slot and count exact: 2^60 + 1 and 2^60 differ", () => {
    const a = ExecutionProofsByRangeRequest.serialize({ startSlot: BIG + 1n, count: BIG, proofTypes: [] });
    const b = ExecutionProofsByRangeRequest.serialize({ startSlot: BIG, count: BIG, proofTypes: [] });
    const da = ExecutionProofsByRangeRequest.deserialize(a);
    expect(da.startSlot).toBe(BIG + 1n);
    expect(toHex(ExecutionProofsByRangeRequest.serialize(da))).toBe(toHex(a));
    expect(toHex(ExecutionProofsByRangeRequest.hashTreeRoot(da))).not.toBe(
      toHex(ExecutionProofsByRangeRequest.hashTreeRoot(ExecutionProofsByRangeRequest.deserialize(b))),
    );
    // Root of the decoded value = root computed over the bytes' tree.
    expect(toHex(ExecutionProofsByRangeRequest.hashTreeRoot(da))).toBe(
      toHex(ExecutionProofsByRangeRequest.deserializeToView(a).hashTreeRoot()),
    );
  });

  it("a range request beyond 2^53 is answered empty, not read as a nearby slot", async () => {
    let asked = false;
    const deps = {
      store: {
        proofsBySlotRange: async () => {
          asked = true;
          return [];
        },
      },
      chain: { finalizedSlot: () => 10, currentSlot: () => 100 },
      containers: proofContainers(),
      proofTypes: [1],
    } as unknown as Parameters<typeof serveByRange>[1];
    const out = await serveByRange({ startSlot: BIG + 1n, count: 4n, proofTypes: [] }, deps);
    expect(out).toEqual([]);
    expect(asked).toBe(false);
    await expect(serveByRange({ startSlot: 20n, count: BIG, proofTypes: [] }, deps)).rejects.toThrow(
      /count must be/,
    );
  });

  it("ExecutionProofStatus refuses a head slot above 2^53", () => {
    const bytes = ExecutionProofStatus.serialize({ blockRoot: new Uint8Array(32), slot: 7, proofTypes: [] });
    const bad = Uint8Array.from(bytes);
    bad.set(u64le(BIG + 1n), 32);
    expectDecodeError(() => ExecutionProofStatus.deserialize(bad));
  });

  it.each(Object.keys(PROFILES))("SignedExecutionProof (%s) refuses validator_index above 2^53", (name) => {
    const containers = proofContainers(getProfile(name));
    const signed = containers.SignedExecutionProof.defaultValue();
    signed.message.proofData = Uint8Array.of(1, 2, 3);
    signed.message.beaconBlockRoot = new Uint8Array(32).fill(9);
    signed.validatorIndex = Number(MARKER);
    const bad = patchU64(containers.SignedExecutionProof.serialize(signed), MARKER, BIG + 1n);
    expectDecodeError(() => containers.SignedExecutionProof.deserialize(bad));
    expect(decodeSignedProof(bad, containers)).toEqual({ result: "reject", reason: "malformed_ssz" });
    const edge = patchU64(containers.SignedExecutionProof.serialize(signed), MARKER, 2n ** 53n - 1n);
    expect(containers.SignedExecutionProof.deserialize(edge).validatorIndex).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("a NewPayloadRequest with a timestamp above 2^53 is refused by every decode path", () => {
    const bad = fuluNprWithTimestamp(BIG + 1n);
    expectDecodeError(() => decodeNpr("fulu", bad));
    expect(() => decodeNprAnyFork(bad)).toThrow(EproofError);
    expect(() => decodeNamed("NewPayloadRequest", bad, "fulu", getProfile())).toThrow(EproofError);
    const ok = fuluNprWithTimestamp(2n ** 53n - 1n);
    expect(decodeNpr("fulu", ok).value).toMatchObject({
      executionPayload: { timestamp: Number.MAX_SAFE_INTEGER },
    });
  });

  it("a StatelessInput with a u64 above 2^53 is refused (CL schema and 0x1501)", () => {
    const witness = { state: [], codes: [], headers: [] };
    const npr = ssz.electra.NewPayloadRequest.defaultValue() as NewPayloadRequest;
    (npr as ReturnType<typeof ssz.electra.NewPayloadRequest.defaultValue>).executionPayload.gasLimit =
      Number(MARKER);
    const cl = encodeStatelessInput(
      {
        newPayloadRequest: { schema: "cl", npr: { fork: "fulu", value: npr } },
        witness,
        chainConfig: { chainId: 1 },
        publicKeys: [],
      },
      SCHEMA_OSAKA_CL,
    );
    expectDecodeError(() => decodeStatelessInput(patchU64(cl, MARKER, BIG + 1n)));

    const gloas = ssz.gloas.NewPayloadRequest.defaultValue();
    gloas.executionPayload.timestamp = Number(MARKER);
    const el = encodeStatelessInput(
      {
        newPayloadRequest: { schema: "amsterdam-r1", value: executionNprFromGloas(gloas) },
        witness,
        chainConfig: { chainId: 1 },
        publicKeys: [],
      },
      SCHEMA_AMSTERDAM_R1,
      "v0.8.4",
    );
    const badEl = patchU64(el, MARKER, BIG + 1n);
    expect(() => decodeStatelessInput(badEl, "v0.8.4")).toThrow(/2\^53/);
    expect(() => decodeStatelessInput(badEl)).toThrow(EproofError);
  });

  it("assertExactNumbers names the first inexact field", () => {
    expect(() => assertExactNumbers({ a: [1, { b: 2 ** 60 }] }, "x")).toThrow(/a\[1\]\.b/);
    expect(() => assertExactNumbers({ a: new Uint8Array(4), b: 5n, c: 2 ** 53 - 1 }, "x")).not.toThrow();
  });
});
