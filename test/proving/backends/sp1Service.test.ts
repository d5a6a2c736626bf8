// Everything that verifies a proof goes through the proof service's verifyProof: with an sp1 backend
// configured, SP1 proofs are checked in process there, and a type without a vk cannot be verified.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sp1Backend } from "../../../src/proving/backends/sp1.ts";
import { Sp1ProgramVks } from "../../../src/proving/backends/sp1Vks.ts";
import { DefaultProofService } from "../../../src/proving/service.ts";
import { proofContainers } from "../../../src/spec/containers.ts";
import { ProofTypeTable } from "../../../src/spec/proofTypes.ts";
import type { ProofStore } from "../../../src/store/interface.ts";
import { openProofStore } from "../../../src/store/levelStore.ts";
import { systemClock } from "../../../src/util/clock.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { fixturePath, readFixture } from "../../support/fixtures.ts";

describe("proof service with the in-process SP1 backend", () => {
  let dir: string;
  let store: ProofStore;
  let service: DefaultProofService;
  let backend: Sp1Backend;
  const root = new Uint8Array(32).fill(9);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "eproof-sp1-service-"));
    store = await openProofStore(dir);
    backend = new Sp1Backend({
      vks: new Sp1ProgramVks([
        { proofType: 5, name: "reth-sp1", source: { file: fixturePath("zkvm-proofs/sp1/program_vk.bin") } },
      ]),
      chainId: 560048n,
    });
    service = new DefaultProofService({
      store,
      backends: [backend],
      proofTypes: new ProofTypeTable(),
      containers: proofContainers(),
      witnessProvider: async () => {
        throw new Error("no proving here");
      },
      logger: silentLogger(),
      clock: systemClock,
    });
  });
  afterAll(async () => {
    await service.close();
    await backend.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists reth-sp1 as verifiable and ethrex-sp1 (no vk) as not", () => {
    const types = service.proofTypes();
    expect(types.find((t) => t.proofType === 5)).toMatchObject({ canVerify: true, canProve: false });
    expect(types.find((t) => t.proofType === 2)).toMatchObject({ canVerify: false });
  });

  it("refuses a real SP1 proof whose output is not this payload's result, with the reason", async () => {
    const r = await service.verifyProof(root, 5, readFixture("zkvm-proofs/sp1/proof.bin"));
    expect(r.valid).toBe(false);
    expect(r.reason).toMatch(/do not match the expected 0x0909/);
  });

  it("a proof type without a vk is an error (gossip IGNOREs it), never a verdict", async () => {
    await expect(service.verifyProof(root, 2, readFixture("zkvm-proofs/sp1/proof.bin"))).rejects.toThrow(
      /no configured backend verifies ethrex-sp1/,
    );
  });
});
