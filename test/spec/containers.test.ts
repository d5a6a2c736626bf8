import { describe, expect, it } from "vitest";
import {
  buildPublicInput,
  decodeStoredProof,
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  ExecutionProofsByRootRequest,
  isResolved,
  ProofByRootIdentifier,
  proofContainers,
} from "../../src/spec/containers.ts";
import { PROFILES } from "../../src/spec/profile.ts";
import { ProofTypeTable } from "../../src/spec/proofTypes.ts";
import { toHex } from "../../src/util/hex.ts";

const root = new Uint8Array(32).fill(0x11);

describe("EIP-8025 containers per spec profile", () => {
  for (const profile of Object.values(PROFILES)) {
    it(`${profile.name}: ExecutionProof and SignedExecutionProof round-trip with stable roots`, () => {
      const c = proofContainers(profile);
      const proof = {
        proofData: Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff),
        proofType: 6,
        publicInput: buildPublicInput(profile, root, 1n),
        beaconBlockRoot: new Uint8Array(32).fill(0x22),
      };
      const signed = { message: proof, validatorIndex: 12345, signature: new Uint8Array(96).fill(3) };
      const bytes = c.SignedExecutionProof.serialize(signed);
      const back = c.SignedExecutionProof.deserialize(bytes);
      expect(back.validatorIndex).toBe(12345);
      expect(back.message.proofData).toEqual(proof.proofData);
      expect(Buffer.from(c.SignedExecutionProof.serialize(back)).equals(Buffer.from(bytes))).toBe(true);
      expect(toHex(c.ExecutionProof.hashTreeRoot(back.message))).toBe(
        toHex(c.ExecutionProof.hashTreeRoot(proof)),
      );
      expect(bytes.length).toBeLessThanOrEqual(c.maxSignedProofBytes);
      // A different proof byte changes the root.
      const flipped = { ...proof, proofData: Uint8Array.from(proof.proofData) };
      flipped.proofData[0] ^= 1;
      expect(toHex(c.ExecutionProof.hashTreeRoot(flipped))).not.toBe(
        toHex(c.ExecutionProof.hashTreeRoot(proof)),
      );
    });
  }

  it("the envelope form names the block, not the payload: decoded envelopes are unresolved until told", () => {
    const c = proofContainers(PROFILES["consensus-specs-v1.7.0-beta.4"]);
    const blockRoot = new Uint8Array(32).fill(0x22);
    const bytes = c.ExecutionProof.serialize({
      proofData: Uint8Array.of(1, 2, 3),
      proofType: 2,
      publicInput: { newPayloadRequestRoot: root },
      beaconBlockRoot: blockRoot,
    });
    // offset (4) + type (1) + block root (32), then the data: no public input on the wire.
    expect(bytes.length).toBe(4 + 1 + 32 + 3);
    const decoded = c.ExecutionProof.deserialize(bytes);
    expect(isResolved(decoded)).toBe(false);
    expect(decoded.beaconBlockRoot).toEqual(blockRoot);
    const stored = decodeStoredProof(c, bytes, root);
    expect(isResolved(stored)).toBe(true);
    expect(stored.publicInput.newPayloadRequestRoot).toEqual(root);
    // Without a block root there is no envelope to send.
    expect(() =>
      c.ExecutionProof.serialize({
        proofData: Uint8Array.of(1),
        proofType: 2,
        publicInput: { newPayloadRequestRoot: root },
      }),
    ).toThrow(/beacon block root/);
  });

  it("bounded ProofData rejects a proof above MAX_PROOF_SIZE; truncated bytes fail to decode", () => {
    const c = proofContainers(PROFILES["consensus-specs-fulu-2025"]);
    const big = {
      message: {
        proofData: new Uint8Array(300 * 1024 + 1),
        proofType: 1,
        publicInput: { newPayloadRequestRoot: root },
      },
      validatorIndex: 1,
      signature: new Uint8Array(96),
    };
    expect(() => c.SignedExecutionProof.deserialize(c.SignedExecutionProof.serialize(big))).toThrow();
    const ok = c.SignedExecutionProof.serialize({
      ...big,
      message: { ...big.message, proofData: new Uint8Array(10) },
    });
    expect(() => c.SignedExecutionProof.deserialize(ok.subarray(0, ok.length - 20))).toThrow();
  });

  it("req/resp containers round-trip", () => {
    const id = { blockRoot: root, proofTypes: [1, 6, 0xf0] };
    expect(ProofByRootIdentifier.deserialize(ProofByRootIdentifier.serialize(id))).toEqual(id);
    const req = [id, { blockRoot: new Uint8Array(32), proofTypes: [] }];
    expect(ExecutionProofsByRootRequest.deserialize(ExecutionProofsByRootRequest.serialize(req))).toEqual(
      req,
    );
    const range = { startSlot: 100n, count: 64n, proofTypes: [6] };
    expect(ExecutionProofsByRangeRequest.deserialize(ExecutionProofsByRangeRequest.serialize(range))).toEqual(
      range,
    );
    const status = { blockRoot: root, slot: 7, proofTypes: [1] };
    expect(
      toHex(
        ExecutionProofStatus.hashTreeRoot(
          ExecutionProofStatus.deserialize(ExecutionProofStatus.serialize(status)),
        ),
      ),
    ).toBe(toHex(ExecutionProofStatus.hashTreeRoot(status)));
    // More than MAX_EXECUTION_PROOFS_PER_PAYLOAD proof types is not a valid identifier.
    const tooMany = ProofByRootIdentifier.serialize({ blockRoot: root, proofTypes: [1, 2, 3, 4, 5] });
    expect(() => ProofByRootIdentifier.deserialize(tooMany)).toThrow();
  });
});

describe("proof-type table", () => {
  it("resolves names and ids and refuses duplicates and unknowns", () => {
    const t = new ProofTypeTable();
    expect(t.resolve("reth-zisk").id).toBe(6);
    expect(t.resolve("0xf0").name).toBe("eproof-reexec");
    expect(t.resolve(1).name).toBe("ethrex-openvm");
    expect(() => t.resolve("risc0")).toThrow(/unknown proof type "risc0" \(known: .*reth-zisk/);
    // Names in any case; an unknown id lists the valid ones too.
    expect(t.resolve("Reth-ZisK").name).toBe("reth-zisk");
    expect(() => t.resolve(200)).toThrow(/unknown proof type id 200 \(known: .*reth-zisk/);
    expect(
      () =>
        new ProofTypeTable([
          { id: 1, name: "a", kind: "zkvm" },
          { id: 1, name: "b", kind: "zkvm" },
        ]),
    ).toThrow(/listed twice/);
    expect(() => new ProofTypeTable([{ id: 256, name: "a", kind: "zkvm" }])).toThrow(/not a u8/);
  });
});
