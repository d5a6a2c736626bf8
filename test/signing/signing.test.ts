import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SecretKey } from "@chainsafe/blst";
import { createChainForkConfig } from "@lodestar/config";
import { mainnetChainConfig } from "@lodestar/config/networks";
import { describe, expect, it } from "vitest";
import {
  computeExecutionProofDomain,
  createKeystoreJson,
  DoubleSignGuard,
  executionProofDomainAtSlot,
  executionProofSigningRoot,
  loadKeystore,
  ProofSigner,
  verifyProofSignature,
  verifySignatureSetsBatch,
} from "../../src/signing/index.ts";
import { type ExecutionProof, proofContainers } from "../../src/spec/containers.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { fromHex } from "../../src/util/hex.ts";
import { tempDir } from "../support/tempDir.ts";

const profile = getProfile();
const containers = proofContainers(profile);
const gvr = fromHex("0x4b363db94e286120d76eb905340fdd4e54bfe9f06bf33ff6cf5ad27f511bfe95"); // mainnet
const key = SecretKey.fromKeygen(new Uint8Array(32).fill(7));
const otherKey = SecretKey.fromKeygen(new Uint8Array(32).fill(9));

function proof(byte = 1): ExecutionProof {
  return {
    proofData: new Uint8Array([byte, 2, 3, 4]),
    proofType: 0xf0,
    publicInput: { newPayloadRequestRoot: new Uint8Array(32).fill(0xab) },
    beaconBlockRoot: new Uint8Array(32).fill(0xbc),
  };
}

const tmp = () => tempDir("eproof-signing-");

describe("signing domain", () => {
  it("matches compute_domain for the fork active at the slot", () => {
    const config = createChainForkConfig(mainnetChainConfig);
    const slot = 411392 * 32 + 5; // Fulu
    const atSlot = executionProofDomainAtSlot(config, gvr, slot, profile);
    const explicit = computeExecutionProofDomain(mainnetChainConfig.FULU_FORK_VERSION, gvr, profile);
    expect(Buffer.from(atSlot).toString("hex")).toBe(Buffer.from(explicit).toString("hex"));
    expect(atSlot.subarray(0, 4)).toEqual(profile.domainExecutionProof);
    const electra = computeExecutionProofDomain(mainnetChainConfig.ELECTRA_FORK_VERSION, gvr, profile);
    expect(Buffer.from(electra).equals(Buffer.from(explicit))).toBe(false);
  });
});

describe("sign and verify", () => {
  const domain = computeExecutionProofDomain(mainnetChainConfig.FULU_FORK_VERSION, gvr, profile);

  it("verifies a signed proof and refuses wrong domain, wrong key and flipped bits", () => {
    const signer = new ProofSigner({
      secretKey: key,
      validatorIndex: 42,
      guard: new DoubleSignGuard(tmp()),
      containers,
      domainAtSlot: () => domain,
    });
    const signed = signer.sign(proof(), 100);
    const root = executionProofSigningRoot(signed.message, domain, containers);
    const pk = key.toPublicKey().toBytes();
    expect(signed.validatorIndex).toBe(42);
    expect(verifyProofSignature(pk, root, signed.signature)).toBe(true);

    const otherDomain = computeExecutionProofDomain(mainnetChainConfig.ELECTRA_FORK_VERSION, gvr, profile);
    expect(
      verifyProofSignature(
        pk,
        executionProofSigningRoot(signed.message, otherDomain, containers),
        signed.signature,
      ),
    ).toBe(false);
    expect(verifyProofSignature(otherKey.toPublicKey().toBytes(), root, signed.signature)).toBe(false);

    const flippedProof = proof();
    flippedProof.proofData[0] ^= 1;
    expect(
      verifyProofSignature(pk, executionProofSigningRoot(flippedProof, domain, containers), signed.signature),
    ).toBe(false);
    const flippedSig = Uint8Array.from(signed.signature);
    flippedSig[10] ^= 1;
    expect(verifyProofSignature(pk, root, flippedSig)).toBe(false);
    expect(verifyProofSignature(pk, root, new Uint8Array(96))).toBe(false);
  });

  it("batch-verifies and fails the batch when one set is bad", () => {
    const sets = [1, 2, 3].map((b) => {
      const p = proof(b);
      const signingRoot = executionProofSigningRoot(p, domain, containers);
      return { pubkey: key.toPublicKey().toBytes(), signingRoot, signature: key.sign(signingRoot).toBytes() };
    });
    expect(verifySignatureSetsBatch(sets)).toBe(true);
    const bad = [...sets, { ...sets[0], signingRoot: sets[1].signingRoot }];
    expect(verifySignatureSetsBatch(bad)).toBe(false);
  });
});

describe("double-sign guard", () => {
  it("refuses a conflicting second signature, also after a restart", () => {
    const dir = tmp();
    const domain = computeExecutionProofDomain(mainnetChainConfig.FULU_FORK_VERSION, gvr, profile);
    const make = () =>
      new ProofSigner({
        secretKey: key,
        validatorIndex: 1,
        guard: new DoubleSignGuard(dir),
        containers,
        domainAtSlot: () => domain,
      });
    const first = make();
    const a = first.sign(proof(1), 10);
    // The same proof again is fine (deterministic BLS: same signature).
    expect(first.sign(proof(1), 10).signature).toEqual(a.signature);
    expect(() => first.sign(proof(2), 10)).toThrow(/refusing to sign a second/);

    const restarted = make();
    expect(() => restarted.sign(proof(2), 10)).toThrow(/refusing to sign a second/);
    // Another proof type for the same payload is a different pair.
    expect(() => restarted.sign({ ...proof(2), proofType: 6 }, 10)).not.toThrow();
  });

  it("survives a torn last line, and a record appended after it survives the next restart", () => {
    const dir = tmp();
    const guard = new DoubleSignGuard(dir);
    guard.check(new Uint8Array(32).fill(1), 1, new Uint8Array(32).fill(2), 5);
    guard.check(new Uint8Array(32).fill(3), 1, new Uint8Array(32).fill(4), 50);
    guard.close();
    writeFileSync(join(dir, "signed-proofs.jsonl"), '{"root":"0x', { flag: "a" });
    const reopened = new DoubleSignGuard(dir);
    expect(reopened.size()).toBe(2);
    expect(() => reopened.check(new Uint8Array(32).fill(1), 1, new Uint8Array(32).fill(9), 5)).toThrow();
    reopened.check(new Uint8Array(32).fill(5), 1, new Uint8Array(32).fill(6), 60);
    reopened.close();
    const again = new DoubleSignGuard(dir);
    expect(again.size()).toBe(3);
    expect(() => again.check(new Uint8Array(32).fill(5), 1, new Uint8Array(32).fill(7), 60)).toThrow(
      /refusing to sign a second/,
    );
    again.close();
  });

  it("never forgets a pair on finality, and refuses new pairs at or below the finalized slot", () => {
    const dir = tmp();
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(3);
    const guard = new DoubleSignGuard(dir);
    guard.check(a, 1, new Uint8Array(32).fill(2), 5);
    guard.finalized(64);
    expect(guard.size()).toBe(1);
    guard.close();

    // Restart: the pair signed before finality is still held, and so is the floor.
    const reopened = new DoubleSignGuard(dir);
    expect(reopened.size()).toBe(1);
    expect(reopened.finalizedSlot()).toBe(64);
    expect(() => reopened.check(a, 1, new Uint8Array(32).fill(9), 5)).toThrow(/refusing to sign a second/);
    // The very proof signed before may be signed again (same BLS signature).
    expect(() => reopened.check(a, 1, new Uint8Array(32).fill(2), 5)).not.toThrow();
    // Nothing new for a finalized slot (the floor itself included), whatever slot is claimed later.
    expect(() => reopened.check(b, 1, new Uint8Array(32).fill(4), 64)).toThrow(/finalized/);
    expect(() => reopened.check(b, 1, new Uint8Array(32).fill(4), 65)).not.toThrow();
    // A lower finality never lowers the floor.
    reopened.finalized(10);
    expect(reopened.finalizedSlot()).toBe(64);
    reopened.close();
    expect(new DoubleSignGuard(dir).size()).toBe(2);
  });
});

describe("keystores", () => {
  it("loads an EIP-2335 keystore and refuses a wrong password", async () => {
    const dir = tmp();
    const json = await createKeystoreJson(key, "correct horse");
    writeFileSync(join(dir, "ks.json"), json);
    writeFileSync(join(dir, "pw"), "correct horse\n");
    writeFileSync(join(dir, "bad"), "battery staple");
    const loaded = await loadKeystore(join(dir, "ks.json"), join(dir, "pw"));
    expect(loaded.pubkey).toEqual(key.toPublicKey().toBytes());
    await expect(loadKeystore(join(dir, "ks.json"), join(dir, "bad"))).rejects.toThrow(/wrong password/);
    await expect(loadKeystore(join(dir, "missing.json"), join(dir, "pw"))).rejects.toThrow(
      /cannot read keystore/,
    );
  });
});
