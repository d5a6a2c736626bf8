import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { CpuBackend } from "../../../src/proving/backends/cpu.ts";
import { ProveFailure } from "../../../src/proving/interface.ts";
import { decodeNprAnyFork, nprRoot } from "../../../src/spec/newPayloadRequest.ts";
import { CPU_PROOF_TYPE_ID } from "../../../src/spec/proofTypes.ts";
import {
  decodeValidationResult,
  encodeStatelessInput,
  SCHEMA_OSAKA_CL,
  witnessFromRpcJson,
} from "../../../src/spec/stateless.ts";
import type { GethChainConfig } from "../../../src/stateless/common.ts";
import { openReexecProof, proveReexec, verifyReexec } from "../../../src/stateless/cpuProof.ts";
import { toHex } from "../../../src/util/hex.ts";

const ZK = new URL("../../../../shared/fixtures/zkboost-devnet/", import.meta.url).pathname;

describe("eproof-reexec on the CPU backend (zkboost devnet block)", () => {
  let input: Uint8Array;
  let root: Uint8Array;
  let config: GethChainConfig;
  let backend: CpuBackend;

  beforeAll(() => {
    const npr = decodeNprAnyFork(readFileSync(join(ZK, "new_payload_request.ssz")));
    const witness = witnessFromRpcJson(JSON.parse(readFileSync(join(ZK, "execution_witness.json"), "utf8")));
    config = JSON.parse(readFileSync(join(ZK, "chain_config.json"), "utf8")) as GethChainConfig;
    input = encodeStatelessInput(
      {
        newPayloadRequest: { schema: "cl", npr },
        witness,
        chainConfig: { chainId: 3151908 },
        publicKeys: [],
      },
      SCHEMA_OSAKA_CL,
    );
    root = nprRoot(npr);
    backend = new CpuBackend({ chainConfig: config });
  });

  it("declares kind cpu and type 0xF0", () => {
    expect(backend.kind).toBe("cpu");
    expect(backend.capabilities().prove).toEqual([CPU_PROOF_TYPE_ID]);
    expect(backend.capabilities().verify).toEqual([CPU_PROOF_TYPE_ID]);
  });

  it("proves: compressed input as proof_data, the SSZ result as public values", async () => {
    const p = await backend.prove({
      proofType: CPU_PROOF_TYPE_ID,
      statelessInput: input,
      newPayloadRequestRoot: root,
    });
    expect(p.proofData.length).toBeLessThan(input.length);
    expect(toHex(openReexecProof(p.proofData))).toBe(toHex(input));
    const result = decodeValidationResult(p.publicValues);
    expect(result.successfulValidation).toBe(true);
    expect(toHex(result.newPayloadRequestRoot)).toBe(toHex(root));
    expect(result.chainConfig.chainId).toBe(3151908);
  });

  it("verifies its proof, and refuses it for another NPR root", async () => {
    const proofData = proveReexec(input);
    const ok = await backend.verify({ proofType: CPU_PROOF_TYPE_ID, proofData, newPayloadRequestRoot: root });
    expect(ok).toMatchObject({ valid: true });
    const other = root.map((b, i) => (i === 31 ? b ^ 0xff : b));
    const wrong = await backend.verify({
      proofType: CPU_PROOF_TYPE_ID,
      proofData,
      newPayloadRequestRoot: other,
    });
    expect(wrong.valid).toBe(false);
    expect(wrong.reason).toMatch(/expected/);
  });

  it("refuses garbage, truncated and wrong-type proofs without throwing", async () => {
    const proofData = proveReexec(input);
    const cases = [new Uint8Array([1, 2, 3]), proofData.subarray(0, proofData.length >> 1), new Uint8Array()];
    for (const bytes of cases) {
      const r = await backend.verify({
        proofType: CPU_PROOF_TYPE_ID,
        proofData: bytes,
        newPayloadRequestRoot: root,
      });
      expect(r.valid).toBe(false);
      expect(r.reason).toBeTruthy();
    }
    const typed = await backend.verify({ proofType: 6, proofData, newPayloadRequestRoot: root });
    expect(typed.valid).toBe(false);
  });

  it("bounds decompression (a small proof cannot expand past the limit)", () => {
    const bomb = new Uint8Array(brotliCompressSync(new Uint8Array(4 * 1024 * 1024)));
    expect(bomb.length).toBeLessThan(1024);
    expect(() => openReexecProof(bomb, 1024 * 1024)).toThrow(/at most 1048576 bytes/);
  });

  it("refuses a proof whose input fails validation (witness without the parent header)", async () => {
    const npr = decodeNprAnyFork(readFileSync(join(ZK, "new_payload_request.ssz")));
    const witness = witnessFromRpcJson(JSON.parse(readFileSync(join(ZK, "execution_witness.json"), "utf8")));
    const broken = encodeStatelessInput(
      {
        newPayloadRequest: { schema: "cl", npr },
        witness: { ...witness, headers: [] },
        chainConfig: { chainId: 3151908 },
        publicKeys: [],
      },
      SCHEMA_OSAKA_CL,
    );
    const r = await verifyReexec(proveReexec(broken), root, config);
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/parent header/);
    await expect(
      backend.prove({ proofType: CPU_PROOF_TYPE_ID, statelessInput: broken, newPayloadRequestRoot: root }),
    ).rejects.toBeInstanceOf(ProveFailure);
  });

  it("needs a chain config for the input's chain id", async () => {
    const r = await verifyReexec(proveReexec(input), root);
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/no chain config for chain id 3151908/);
  });
});
