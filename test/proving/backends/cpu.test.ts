import { readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { CpuBackend } from "../../../src/proving/backends/cpu.ts";
import { expectedPublicValues } from "../../../src/proving/backends/ereGuestIo.ts";
import { ProveFailure } from "../../../src/proving/interface.ts";
import { decodeNprAnyFork, nprRoot } from "../../../src/spec/newPayloadRequest.ts";
import { CPU_PROOF_TYPE_ID } from "../../../src/spec/proofTypes.ts";
import {
  decodeStatelessInput,
  decodeValidationResult,
  encodeStatelessInput,
  encodeValidationResult,
  SCHEMA_AMSTERDAM_R1,
  SCHEMA_OSAKA_CL,
  statelessNprRoot,
  witnessFromRpcJson,
} from "../../../src/spec/stateless.ts";
import { commonForTest, parseBlockchainTests } from "../../../src/stateless/blockchainTest.ts";
import { EEST_ZKEVM_V033_EXCLUDED_EIPS, type GethChainConfig } from "../../../src/stateless/common.ts";
import { openReexecProof, proveReexec, verifyReexec } from "../../../src/stateless/cpuProof.ts";
import { fromHex, toHex } from "../../../src/util/hex.ts";

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

describe("eproof-reexec on Amsterdam 0x1501 inputs (tests-zkevm v0.8.4 / v21.0.1)", () => {
  const EEST = new URL(
    "../../../../shared/fixtures/eest-zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_bytecodes_system_contracts/witness_codes_empty_block_has_system_contracts.json",
    import.meta.url,
  ).pathname;
  const INTEROP = new URL("../../../../shared/fixtures/interop/", import.meta.url).pathname;

  /** A valid Amsterdam block (EEST zkevm v0.3.3, schema 0x1400) rewritten as a 0x1501 input. */
  function validAmsterdam(revision: "v0.8.4" | "v21.0.1") {
    const [entry] = parseBlockchainTests(JSON.parse(readFileSync(EEST, "utf8")), EEST);
    if (!entry) throw new Error("no test");
    const test = entry[1];
    const r0 = decodeStatelessInput(fromHex(test.blocks[0]?.statelessInputBytes ?? "0x")).value;
    if (r0.newPayloadRequest.schema !== "amsterdam-r0") throw new Error("not 0x1400");
    const p = r0.newPayloadRequest.value;
    expect(p.executionRequests.length).toBe(0);
    const npr = {
      schema: "amsterdam-r1" as const,
      value: {
        executionPayload: p.executionPayload,
        versionedHashes: p.versionedHashes,
        parentBeaconBlockRoot: p.parentBeaconBlockRoot,
        executionRequests: {
          deposits: [],
          withdrawals: [],
          consolidations: [],
          builderDeposits: [],
          builderExits: [],
        },
      },
    };
    const input = encodeStatelessInput(
      { ...r0, newPayloadRequest: npr, publicKeys: revision === "v21.0.1" ? [] : r0.publicKeys },
      SCHEMA_AMSTERDAM_R1,
      revision,
    );
    return {
      input,
      root: statelessNprRoot(npr),
      common: commonForTest(test, EEST_ZKEVM_V033_EXCLUDED_EIPS),
      chainId: r0.chainConfig.chainId,
    };
  }

  it.each(["v0.8.4", "v21.0.1"] as const)(
    "%s: proves a valid block with the 43-byte result and verifies it",
    async (revision) => {
      const a = validAmsterdam(revision);
      for (const backend of [
        new CpuBackend({ chainConfig: a.common }),
        new CpuBackend({ chainConfig: a.common, statelessRevision: revision }),
      ]) {
        const p = await backend.prove({
          proofType: CPU_PROOF_TYPE_ID,
          statelessInput: a.input,
          newPayloadRequestRoot: a.root,
        });
        expect(p.publicValues.length).toBe(43);
        expect(toHex(p.publicValues)).toBe(
          toHex(expectedPublicValues("ssz_result_43", a.root, BigInt(a.chainId))),
        );
        const ok = await backend.verify({
          proofType: CPU_PROOF_TYPE_ID,
          proofData: p.proofData,
          newPayloadRequestRoot: a.root,
        });
        expect(ok).toMatchObject({ valid: true });
      }
    },
  );

  it("refuses an input of another revision than the configured one", async () => {
    const a = validAmsterdam("v0.8.4");
    const backend = new CpuBackend({ chainConfig: a.common, statelessRevision: "v21.0.1" });
    await expect(
      backend.prove({ proofType: CPU_PROOF_TYPE_ID, statelessInput: a.input, newPayloadRequestRoot: a.root }),
    ).rejects.toBeInstanceOf(ProveFailure);
    const r = await backend.verify({
      proofType: CPU_PROOF_TYPE_ID,
      proofData: proveReexec(a.input),
      newPayloadRequestRoot: a.root,
    });
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/v21\.0\.1/);
  });

  it.each(["v0.8.4", "v21.0.1"] as const)(
    "%s fixture: the invalid block re-executes to successful_validation = false, written as statelessOutputBytes",
    async (revision) => {
      const file = join(INTEROP, `tests-zkevm-${revision}`, "eip6110_invalid_deposit_layout.json");
      const [entry] = parseBlockchainTests(JSON.parse(readFileSync(file, "utf8")), file);
      if (!entry) throw new Error("no test");
      const block = entry[1].blocks[0];
      const input = fromHex(block?.statelessInputBytes ?? "0x");
      const common = commonForTest(entry[1]);
      const root = fromHex("0xda0926e5c936988bfbbbc293a2aa9ae2bd90203a70498bf223584e6cc8e4fd4d");
      const r = await verifyReexec(proveReexec(input), root, common);
      expect(r.valid).toBe(false);
      expect(r.reason).toMatch(/deposit/);
      expect(r.outcome?.result.successfulValidation).toBe(false);
      const out = r.outcome?.result;
      if (!out) throw new Error("no outcome");
      expect(toHex(encodeValidationResult(out, SCHEMA_AMSTERDAM_R1, revision))).toBe(
        block?.statelessOutputBytes,
      );
      await expect(
        new CpuBackend({ chainConfig: common }).prove({
          proofType: CPU_PROOF_TYPE_ID,
          statelessInput: input,
          newPayloadRequestRoot: root,
        }),
      ).rejects.toMatchObject({ reason: "proving_error" });
    },
  );
});
