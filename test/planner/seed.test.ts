import { describe, expect, it } from "vitest";
import { parseProvingTimesCsv } from "../../src/planner/provingData.ts";
import {
  listSeedCombinations,
  predictProvingMs,
  seedModel,
  seedModelForProofType,
  seedModelFromRuns,
} from "../../src/proving/models/seed.ts";
import { EproofError } from "../../src/util/errors.ts";

describe("seedModel", () => {
  it("reproduces the data's figures for ZisK v0.16.1 + reth on 8x5090", () => {
    const m = seedModel("8x5090", "zisk-v0.16.1", "reth-v1.11.0");
    expect(m.samples).toBe(500);
    expect(m.crashRate).toBeCloseTo(1 / 500, 6);
    expect(m.medianMs).toBe(16115);
    expect(m.p90Ms).toBeGreaterThan(m.medianMs);
    expect(m.msPerMgas).toBeGreaterThan(0);
    expect(m.buckets.length).toBe(5);
  });

  it("predicts longer times for heavier blocks, p90 above median", () => {
    const m = seedModel("8x5090", "zisk-v0.16.1", "reth-v1.11.0");
    const light = predictProvingMs(m, 10_000_000);
    const heavy = predictProvingMs(m, 40_000_000n);
    expect(heavy.medianMs).toBeGreaterThan(light.medianMs);
    expect(light.p90Ms).toBeGreaterThan(light.medianMs);
    // Typical mainnet block (~20 Mgas) lands near the data's median.
    expect(predictProvingMs(m, 20_000_000).medianMs).toBeGreaterThan(12_000);
    expect(predictProvingMs(m, 20_000_000).medianMs).toBeLessThan(20_000);
  });

  it("names the known combinations when asked for an unknown one", () => {
    expect(() => seedModel("8x5090", "zisk-v9", "reth")).toThrow(/known: .*zisk-v0\.16\.1 reth-v1\.11\.0/);
  });

  it("refuses too few successful runs", () => {
    const runs = parseProvingTimesCsv(
      "hardware,el_client,zkvm,block_number,gas_used,status,proving_ms,proof_bytes,verify_ms\n" +
        "h,e,z,1,100,crashed,,,\nh,e,z,2,100,ok,5,1,\n",
    );
    expect(() => seedModelFromRuns(runs)).toThrow(EproofError);
  });
});

describe("seedModelForProofType", () => {
  it("picks the newest zkVM version of the family with that EL guest", () => {
    const m = seedModelForProofType("reth-zisk", "8x5090");
    expect(m).toMatchObject({ zkvm: "zisk-v0.16.1", el: "reth-v1.11.0", medianMs: 16115 });
    expect(seedModelForProofType("ethrex-zisk", "8x5090")?.zkvm).toBe("zisk-v0.16.1");
    expect(seedModelForProofType("reth-sp1", "1xL40s")?.zkvm).toBe("sp1-v5.2.2");
  });

  it("returns undefined when the data has no such combination", () => {
    expect(seedModelForProofType("reth-sp1", "8x5090")).toBeUndefined();
    expect(seedModelForProofType("eproof-reexec", "8x5090")).toBeUndefined();
    expect(listSeedCombinations().length).toBe(16);
  });
});
