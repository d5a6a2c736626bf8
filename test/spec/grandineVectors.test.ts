// Grandine's EIP-8025 container and signing vectors (../shared/fixtures/interop): made with the older
// ProgressiveByteList proof data, so the roots are reproduced under that variant of the v1.7 profile;
// the SSZ bytes and PublicInput do not depend on it and are checked under the default profile too.
import { readFileSync } from "node:fs";
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import { computeExecutionProofDomain } from "../../src/signing/domain.ts";
import { buildPublicInput, proofContainers } from "../../src/spec/containers.ts";
import { getProfile, type SpecProfile } from "../../src/spec/profile.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";

interface Case {
  proof_data_len: number;
  envelope_ssz: string | null;
  signed_envelope_ssz_len: number;
  envelope_root_progressive_proof_data: string;
  signed_envelope_root_progressive_proof_data: string;
  execution_proof_root_progressive_proof_data: string;
}
const vectors = JSON.parse(
  readFileSync(
    new URL("../../../shared/fixtures/interop/grandine-eip8025-vectors.json", import.meta.url),
    "utf8",
  ),
) as {
  inputs: {
    new_payload_request_root: string;
    beacon_block_root: string;
    proof_type: number;
    validator_index: number;
    chain_id: number;
  };
  public_input_ssz: string;
  public_input_root: string;
  cases: Case[];
  signing_vector: { domain: string; envelope_root: string; signing_root: string };
};

const current = getProfile("consensus-specs-v1.7.0-beta.4");
const progressive: SpecProfile = {
  ...current,
  name: "v1.7-progressive-proof-data",
  progressiveProofData: true,
};
const seq = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 256);
const nprRoot = fromHex(`0x${vectors.inputs.new_payload_request_root}`);
const blockRoot = fromHex(`0x${vectors.inputs.beacon_block_root}`);
const hex = (b: Uint8Array) => toHex(b).slice(2);

function proofOf(len: number) {
  return {
    proofData: seq(len),
    proofType: vectors.inputs.proof_type,
    beaconBlockRoot: blockRoot,
    publicInput: buildPublicInput(current, nprRoot, BigInt(vectors.inputs.chain_id)),
  };
}
const signedOf = (len: number) => ({
  message: proofOf(len),
  validatorIndex: vectors.inputs.validator_index,
  signature: seq(96),
});

describe("Grandine EIP-8025 vectors", () => {
  it("PublicInput (ProgressiveContainer) SSZ and root", () => {
    const c = proofContainers(current);
    const pi = buildPublicInput(current, nprRoot, BigInt(vectors.inputs.chain_id));
    expect(hex(c.PublicInput.serialize(pi))).toBe(vectors.public_input_ssz);
    expect(hex(c.PublicInput.hashTreeRoot(pi))).toBe(vectors.public_input_root);
  });

  for (const v of vectors.cases) {
    it(`proof data of ${v.proof_data_len} bytes: envelope SSZ and roots`, () => {
      const pc = proofContainers(progressive);
      const cc = proofContainers(current);
      for (const c of [pc, cc]) {
        const bytes = c.ExecutionProof.serialize(proofOf(v.proof_data_len));
        if (v.envelope_ssz !== null) expect(hex(bytes)).toBe(v.envelope_ssz);
        expect(c.SignedExecutionProof.serialize(signedOf(v.proof_data_len)).length).toBe(
          v.signed_envelope_ssz_len,
        );
      }
      expect(hex(pc.ExecutionProof.hashTreeRoot(proofOf(v.proof_data_len)))).toBe(
        v.envelope_root_progressive_proof_data,
      );
      expect(hex(pc.SignedExecutionProof.hashTreeRoot(signedOf(v.proof_data_len)))).toBe(
        v.signed_envelope_root_progressive_proof_data,
      );
      // ByteList proof data changes the roots (README of the fixture).
      expect(hex(cc.ExecutionProof.hashTreeRoot(proofOf(v.proof_data_len)))).not.toBe(
        v.envelope_root_progressive_proof_data,
      );
      // The pre-envelope ExecutionProof{proof_data, proof_type, public_input} of the same revision.
      const older = proofContainers({ ...progressive, name: "v1.7-proof-form", wire: "proof" });
      expect(hex(older.ExecutionProof.hashTreeRoot(proofOf(v.proof_data_len)))).toBe(
        v.execution_proof_root_progressive_proof_data,
      );
    });
  }

  it("signing vector: domain 0x0F000000 at fork 0x00000001, zero GVR", () => {
    const domain = computeExecutionProofDomain(Uint8Array.of(0, 0, 0, 1), new Uint8Array(32), current);
    expect(hex(domain)).toBe(vectors.signing_vector.domain);
    const objectRoot = proofContainers(progressive).ExecutionProof.hashTreeRoot(proofOf(100));
    expect(hex(objectRoot)).toBe(vectors.signing_vector.envelope_root);
    expect(hex(ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain }))).toBe(
      vectors.signing_vector.signing_root,
    );
  });

  it("the envelope decodes back and is bounded by MAX_SIGNED_EXECUTION_PROOF_ENVELOPE_SIZE", () => {
    const c = proofContainers(current);
    expect(c.maxSignedProofBytes).toBe(4194449);
    const back = c.SignedExecutionProof.deserialize(c.SignedExecutionProof.serialize(signedOf(673)));
    expect(back.message.beaconBlockRoot).toEqual(blockRoot);
    expect(back.message.proofData).toEqual(seq(673));
    expect(back.validatorIndex).toBe(vectors.inputs.validator_index);
    // One byte over MAX_PROOF_SIZE does not decode.
    const huge = {
      ...signedOf(0),
      message: { ...proofOf(0), proofData: new Uint8Array(current.maxProofSize + 1) },
    };
    const bytes = proofContainers(progressive).SignedExecutionProof.serialize(huge);
    expect(() => c.SignedExecutionProof.deserialize(bytes)).toThrow();
  });
});
