// The in-process SP1 verifier against ere's real SP1 Hypercube fixture proof (../shared/fixtures/zkvm-proofs):
// it verifies, and every alteration of proof, vk or public values is refused with a reason.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publicValuesMismatch } from "../../../src/proving/backends/ereGuestIo.ts";
import { Sp1Backend, verifySp1Proof } from "../../../src/proving/backends/sp1.ts";
import { Sp1VerifierPool } from "../../../src/proving/backends/sp1Pool.ts";
import {
  decodeSp1ProgramVk,
  encodeSp1ProgramVk,
  KOALABEAR_P,
  readSp1Proof,
  SP1_PV,
  sp1VkWordsBytes,
} from "../../../src/proving/backends/sp1Proof.ts";
import { Sp1ProgramVks } from "../../../src/proving/backends/sp1Vks.ts";
import { getProfile } from "../../../src/spec/profile.ts";
import { EproofError } from "../../../src/util/errors.ts";

const FIXTURES = new URL("../../../../shared/fixtures/zkvm-proofs/", import.meta.url);
const read = (path: string) => new Uint8Array(readFileSync(new URL(path, FIXTURES)));
const proof = read("sp1/proof.bin");
const vkBytes = read("sp1/program_vk.bin");
const publicValues = read("sp1/public_values.bin");
const vk = decodeSp1ProgramVk(vkBytes);
const exactly = (pv: Uint8Array) => publicValuesMismatch(pv, publicValues);

/** Byte offset of recursion public value i (after the u32 mode tag, the 26-element vk, the u64 length). */
const pvOffset = (i: number) => 4 + 26 * 4 + 8 + 4 * i;

function flipped(bytes: Uint8Array, at: number, mask = 0x01): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[at] = (out[at] ?? 0) ^ mask;
  return out;
}

describe("SP1 proof layout (sp1 v6.1.0, ere ProofFromNetwork)", () => {
  it("reads the fixture: output, version, vk digest, exit code", () => {
    const view = readSp1Proof(proof);
    expect(view.sp1Version).toBe("v6.1.0");
    expect(view.publicValues).toEqual(publicValues);
    expect([...view.sp1VkDigest]).toEqual([...vk]);
    expect(view.exitCode).toBe(0);
    expect(view.isComplete).toBe(1);
    expect(view.recursionPublicValues.length).toBe(187);
  });

  it("ere's 32-byte vk round-trips through 8 canonical words and packs little-endian for the wasm", () => {
    expect(encodeSp1ProgramVk(vk)).toEqual(vkBytes);
    const le = sp1VkWordsBytes(vk);
    expect(new DataView(le.buffer).getUint32(0, true)).toBe(vk[0]);
    expect(new DataView(le.buffer).getUint32(28, true)).toBe(vk[7]);
  });

  it("refuses vks that are not 8 canonical elements", () => {
    expect(() => decodeSp1ProgramVk(new Uint8Array(31))).toThrow(/32 bytes/);
    expect(() => decodeSp1ProgramVk(new Uint8Array(32).fill(0xab))).toThrow(/canonical/);
    const words = Uint32Array.from(vk);
    words[3] = KOALABEAR_P; // p itself is not canonical
    let n = 0n;
    for (const w of words) n = (n << 31n) | BigInt(w);
    const bytes = Uint8Array.from(Buffer.from(n.toString(16).padStart(64, "0"), "hex"));
    expect(() => decodeSp1ProgramVk(bytes)).toThrow(/canonical/);
  });

  it("refuses malformed proofs with a reason before any STARK work", () => {
    expect(() => readSp1Proof(new Uint8Array(0))).toThrow(/shorter than its fixed head/);
    expect(() => readSp1Proof(proof.subarray(0, 500))).toThrow(/shorter/);
    expect(() => readSp1Proof(proof.subarray(0, proof.length - 1))).toThrow(/sp1_version|public values/);
    expect(() => readSp1Proof(flipped(proof, 0, 0x01))).toThrow(/proof mode core/);
    expect(() => readSp1Proof(flipped(proof, 0, 0x02))).toThrow(/proof mode groth16/);
    expect(() => readSp1Proof(flipped(proof, pvOffset(SP1_PV.committedValueDigest + 3)))).toThrow(
      /do not hash \(sha256\) to its committed digest/,
    );
    // the guest output in the proof's tail changed: its hash no longer matches
    expect(() => readSp1Proof(flipped(proof, proof.length - 6 - 8 - 10))).toThrow(/do not hash/);
    expect(() => readSp1Proof(read("zisk/proof.bin"))).toThrow(EproofError);
    expect(() => readSp1Proof(read("openvm/proof.bin"))).toThrow(EproofError);
  });
});

describe("verifySp1Proof on the worker pool (real wasm verifier)", () => {
  let pool: Sp1VerifierPool;
  beforeAll(() => {
    pool = new Sp1VerifierPool({ workers: 1, timeoutMs: 30_000 });
  });
  afterAll(async () => {
    await pool.close();
  });

  it("accepts ere's real SP1 proof with its vk and public values", async () => {
    const r = await verifySp1Proof(pool, proof, vk, exactly);
    expect(r).toMatchObject({ valid: true });
    expect(r.proof?.sp1Version).toBe("v6.1.0");
  });

  it("refuses a single-byte flip at each sampled position, each with a reason", async () => {
    const positions = [
      0, // proof mode
      20, // compress vk: initial global cumulative sum
      0x68, // compress vk: enable_untrusted_programs
      0x6c, // length of the recursion public values
      pvOffset(SP1_PV.committedValueDigest),
      pvOffset(SP1_PV.sp1VkDigest + 2),
      pvOffset(SP1_PV.isComplete),
      pvOffset(SP1_PV.exitCode),
      pvOffset(SP1_PV.digest + 1),
      4_000, // shard proof body
      Math.floor(proof.length / 2),
      proof.length - 6 - 8 - 53 - 8 - 200, // merkle proof of the recursion vk
      proof.length - 6 - 8 - 53, // first byte of the guest output
      proof.length - 1, // sp1_version
    ];
    for (const at of positions) {
      const r = await verifySp1Proof(pool, flipped(proof, at), vk, exactly);
      expect(r.valid, `flip at ${at}`).toBe(false);
      expect(r.reason, `flip at ${at}`).toBeTruthy();
    }
  });

  it("refuses another program's vk, other public values, truncated and empty proofs, other zkVMs", async () => {
    const otherVk = Uint32Array.from(vk);
    otherVk[0] = ((otherVk[0] ?? 0) + 1) % KOALABEAR_P;
    expect((await verifySp1Proof(pool, proof, otherVk, exactly)).reason).toMatch(/is for program vk/);

    const otherOutput = flipped(publicValues, 20);
    const r = await verifySp1Proof(pool, proof, vk, (pv) => publicValuesMismatch(pv, otherOutput));
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/do not match the expected/);

    for (const bad of [new Uint8Array(0), proof.subarray(0, 100_000), proof.subarray(0, proof.length - 20)]) {
      const v = await verifySp1Proof(pool, bad, vk, exactly);
      expect(v.valid).toBe(false);
      expect(v.reason).toMatch(/not an SP1 compressed proof|do not hash/);
    }
    for (const other of ["zisk/proof.bin", "openvm/proof.bin"]) {
      const v = await verifySp1Proof(pool, read(other), vk, exactly);
      expect(v.valid, other).toBe(false);
      expect(v.reason, other).toMatch(/not an SP1 compressed proof/);
    }
  });

  it("keeps the event loop turning while a proof verifies", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      const r = await verifySp1Proof(pool, proof, vk, exactly);
      expect(r.valid).toBe(true);
    } finally {
      clearInterval(timer);
    }
    // On the event loop the interval could not fire at all during the ~80 ms STARK check.
    expect(ticks).toBeGreaterThan(2);
  });
});

describe("Sp1VerifierPool failure handling (worker double)", () => {
  const workerUrl = new URL("./sp1WorkerDouble.ts", import.meta.url);
  const ok = Uint8Array.of(1, 1);

  it("a hung verification times out, its worker is replaced and the next proof verifies", async () => {
    const pool = new Sp1VerifierPool({ workerUrl, timeoutMs: 300 });
    try {
      await expect(pool.verifyStark(Uint8Array.of(0xff), new Uint8Array(32))).rejects.toThrow(/timed out/);
      expect(pool.stats().timeouts).toBe(1);
      await expect(pool.verifyStark(ok, new Uint8Array(32))).resolves.toBe(true);
      await expect(pool.verifyStark(Uint8Array.of(1, 0), new Uint8Array(32))).resolves.toBe(false);
    } finally {
      await pool.close();
    }
  });

  it("a crashing worker fails only its proof; queued proofs go to a fresh worker", async () => {
    const pool = new Sp1VerifierPool({ workerUrl, timeoutMs: 20_000 });
    try {
      const crash = pool.verifyStark(Uint8Array.of(0xfe), new Uint8Array(32));
      const after = pool.verifyStark(ok, new Uint8Array(32));
      await expect(crash).rejects.toThrow(/worker crashed: exited with code 3/);
      await expect(after).resolves.toBe(true);
      await expect(pool.verifyStark(Uint8Array.of(0xfd), new Uint8Array(32))).rejects.toThrow(/crashed/);
      await expect(pool.verifyStark(ok, new Uint8Array(32))).resolves.toBe(true);
      expect(pool.stats().crashes).toBe(2);
    } finally {
      await pool.close();
    }
  });

  it("refuses work beyond its queue bound, and after close", async () => {
    const pool = new Sp1VerifierPool({ workerUrl, timeoutMs: 2_000, maxQueue: 1 });
    const hung = pool.verifyStark(Uint8Array.of(0xff), new Uint8Array(32)).catch((e: Error) => e);
    const queued = pool.verifyStark(ok, new Uint8Array(32)).catch((e: Error) => e);
    await expect(pool.verifyStark(ok, new Uint8Array(32))).rejects.toThrow(/busy/);
    await pool.close();
    expect(String(await hung)).toMatch(/closed/);
    expect(String(await queued)).toMatch(/closed/);
    await expect(pool.verifyStark(ok, new Uint8Array(32))).rejects.toThrow(/closed/);
  });
});

describe("Sp1Backend", () => {
  const root = new Uint8Array(32).fill(7);

  it("verifies only types with a vk; without one it cannot verify (never valid)", async () => {
    const vks = new Sp1ProgramVks([
      { proofType: 5, name: "reth-sp1", source: { hex: `0x${Buffer.from(vkBytes).toString("hex")}` } },
    ]);
    const backend = new Sp1Backend({ proofTypes: [2, 5], vks, chainId: 560048n, nameOf: (t) => `type-${t}` });
    try {
      expect(backend.capabilities()).toMatchObject({ prove: [], verify: [5] });
      await expect(
        backend.verify({ proofType: 2, proofData: proof, newPayloadRequestRoot: root }),
      ).rejects.toThrow(/no program vk for type-2/);
      await expect(
        backend.verify({ proofType: 3, proofData: proof, newPayloadRequestRoot: root }),
      ).rejects.toThrow(/not type-3/);
      expect(
        (await backend.verify({ proofType: 5, proofData: new Uint8Array(0), newPayloadRequestRoot: root }))
          .valid,
      ).toBe(false);
      // A real proof, but its output is a test program's, not this payload's StatelessValidationResult.
      const r = await backend.verify({ proofType: 5, proofData: proof, newPayloadRequestRoot: root });
      expect(r.valid).toBe(false);
      expect(r.reason).toMatch(/public values .* do not match the expected 0x0707/);
      expect((await backend.health()).detail).toMatch(/in-process SP1 Hypercube verifier 0\.2\.0/);
      await expect(
        backend.prove({ proofType: 5, statelessInput: new Uint8Array(1), newPayloadRequestRoot: root }),
      ).rejects.toThrow(/only verifies/);
    } finally {
      await backend.close();
    }
  });

  it("a 43-byte result for this root and chain id is what it would take", () => {
    const profile = getProfile("consensus-specs-v1.7.0-beta.4");
    expect(profile.publicValues).toBe("ssz_result_43");
  });
});
