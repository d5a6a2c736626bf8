import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planCapacity, planForTarget, planToJson } from "../../src/planner/plan.ts";
import { parseHardwareJson, parseProvingTimesCsv } from "../../src/planner/provingData.ts";
import { isolatedSummary, type SimBlock, simulate } from "../../src/planner/simulate.ts";
import { EproofError } from "../../src/util/errors.ts";

const base = {
  deadlineMs: 10_000,
  intervalMs: 12_000,
  hedge: false,
  predictMs: () => 8_000,
  crashBusyMs: 8_000,
};
const blocks = (ms: Array<number | undefined>): SimBlock[] =>
  ms.map((provingMs) => ({ gasUsed: 1e7, provingMs }));

describe("simulate", () => {
  it("covers every block when one cluster is fast enough", () => {
    const r = simulate(blocks([5_000, 6_000, 9_000, 7_000]), { ...base, clusters: 1 });
    expect(r).toMatchObject({ coverage: 1, proved: 4, dropped: 0, crashed: 0, p50Ms: 6_500 });
  });

  it("keeps a cluster busy to completion and drops blocks that cannot start before their deadline", () => {
    // 25 s blocks on one cluster: block 1 (t=12) and 2 (t=24) find it busy; 2 starts at 25 s.
    const r = simulate(blocks([25_000, 25_000, 25_000]), { ...base, clusters: 1 });
    expect(r.dropped).toBe(1);
    expect(r.proved).toBe(2);
    expect(r.coverage).toBe(0);
    const two = simulate(blocks([25_000, 25_000, 25_000]), { ...base, clusters: 3 });
    expect(two.dropped).toBe(0);
  });

  it("counts a crashed run as a miss", () => {
    const r = simulate(blocks([5_000, undefined, 5_000]), { ...base, clusters: 1 });
    expect(r).toMatchObject({ crashed: 1, onTime: 2, proved: 2 });
    expect(r.coverage).toBeCloseTo(2 / 3, 9);
  });

  it("hedges a block predicted to miss on a second free cluster and only with spare clusters", () => {
    const slow = { ...base, predictMs: () => 12_000 };
    expect(simulate(blocks([12_000, 12_000]), { ...slow, clusters: 1, hedge: true }).hedges).toBe(0);
    // Two clusters: hedging would leave none idle for the next block, so it does not.
    expect(simulate(blocks([12_000, 12_000]), { ...slow, clusters: 2, hedge: true }).hedges).toBe(0);
    const h = simulate(blocks([12_000, 12_000]), { ...slow, clusters: 3, hedge: true });
    expect(h.hedges).toBe(2);
    // With run-to-run spread the faster copy wins, so hedged latencies are never worse on average.
    const spread = Array.from({ length: 200 }, () => 10_500);
    const alone = simulate(blocks(spread), { ...slow, clusters: 3, jitter: 0.1 });
    const hedged = simulate(blocks(spread), { ...slow, clusters: 3, jitter: 0.1, hedge: true });
    expect(hedged.coverage).toBeGreaterThan(alone.coverage);
  });

  it("refuses bad parameters", () => {
    expect(() => simulate(blocks([1]), { ...base, clusters: 0 })).toThrow(EproofError);
    expect(() => simulate(blocks([1]), { ...base, clusters: 1, deadlineMs: Number.NaN })).toThrow(
      EproofError,
    );
    expect(() => simulate([], { ...base, clusters: 1 })).toThrow(EproofError);
  });

  it("summarizes the isolated view with crashes as misses", () => {
    expect(isolatedSummary(blocks([5_000, 15_000, undefined, 9_000]), 10_000)).toMatchObject({
      coverage: 0.5,
      p50Ms: 9_000,
    });
  });
});

describe("proving data parsing", () => {
  it("refuses a CSV without the needed columns or with a bad status", () => {
    expect(() => parseProvingTimesCsv("a,b\n1,2\n")).toThrow(/no "hardware" column/);
    const header = "hardware,el_client,zkvm,block_number,gas_used,status,proving_ms,proof_bytes,verify_ms\n";
    expect(() => parseProvingTimesCsv(`${header}h,e,z,1,2,weird,,,\n`)).toThrow(/line 2: status/);
    expect(() => parseProvingTimesCsv(`${header}h,e,z,1,2,ok,,,\n`)).toThrow(/no proving_ms/);
    expect(() => parseHardwareJson("{")).toThrow(EproofError);
  });
});

describe("planCapacity on the real data (8x5090, ZisK v0.16.1, reth v1.11.0)", () => {
  const opts = { hardware: "8x5090", zkvm: "zisk-v0.16.1", el: "reth-v1.11.0" };

  it("reproduces the data's figures: median 16.1 s, 8% under 10 s", () => {
    const plan = planCapacity({ ...opts, clusters: 1, wattsPerGpu: 575, capexPerGpu: 2000 });
    expect(plan.isolated.p50Ms).toBe(16_115);
    expect(plan.isolated.coverage).toBeCloseTo(0.08, 6);
    expect(plan.gpus).toBe(8);
    expect(plan.watts).toBe(4600);
    expect(plan.capex).toBe(16_000);
    // One cluster cannot keep up with 12 s slots (mean > 16 s): real time is worse than isolated.
    expect(plan.realtime.coverage).toBeLessThan(plan.isolated.coverage);
    expect(plan.realtime.dropped).toBeGreaterThan(0);
  });

  it("reaches the isolated figures once there are enough clusters", () => {
    const plan = planCapacity({ ...opts, clusters: 4 });
    expect(plan.realtime.coverage).toBeCloseTo(0.08, 6);
    expect(plan.realtime.p50Ms).toBe(16_115);
    expect(plan.gpus).toBe(32);
    const hedged = planCapacity({ ...opts, clusters: 4, hedge: true, jitter: 0.1 });
    expect(hedged.realtime.hedges).toBeGreaterThan(0);
    expect(hedged.realtime.dropped).toBe(0);
    const json = planToJson(plan);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(["coverage", "p50_ms", "p90_ms", "p99_ms", "gpus"]),
    );
  });

  it("finds the fewest clusters for a target, or says why it is out of reach (--target)", () => {
    const found = planForTarget({ ...opts, deadlineMs: 30_000 }, 0.9);
    expect(found.reached).toBe(true);
    expect(found.plan.realtime.coverage).toBeGreaterThanOrEqual(0.9);
    expect(found.plan.clusters).toBe(2);
    expect(planCapacity({ ...opts, deadlineMs: 30_000, clusters: 1 }).realtime.coverage).toBeLessThan(0.9);
    const out = planForTarget(opts, 0.99);
    expect(out.reached).toBe(false);
    expect(!out.reached && out.reason).toMatch(
      /out of reach: even alone on an idle cluster only 8\.0% .* within 10 s/,
    );
    const bin = fileURLToPath(new URL("../../bin/eproof.js", import.meta.url));
    const cli = (() => {
      try {
        execFileSync(
          process.execPath,
          [
            bin,
            "plan",
            "--hardware",
            "8x5090",
            "--zkvm",
            "zisk-v0.16.1",
            "--el",
            "reth-v1.11.0",
            "--target",
            "0.99",
          ],
          { encoding: "utf8", stdio: "pipe" },
        );
        return undefined;
      } catch (e) {
        return e as { status: number; stderr: string };
      }
    })();
    expect(cli?.status).toBe(1);
    expect(cli?.stderr).toMatch(/^eproof: out of reach: /);
  });

  it("matches hardware, zkVM and EL names case-insensitively", () => {
    const plan = planCapacity({ hardware: "8X5090", zkvm: "ZisK-v0.16.1", el: "Reth-v1.11.0", clusters: 1 });
    expect(plan.isolated.p50Ms).toBe(16_115);
    expect(plan.gpus).toBe(8);
  });

  it("names known hardware when asked for an unknown one", () => {
    expect(() => planCapacity({ ...opts, hardware: "64x5090", clusters: 1 })).toThrow(
      /known: 8x5090, 1xL40s/,
    );
  });

  it("prints one JSON line from the CLI", () => {
    const bin = fileURLToPath(new URL("../../bin/eproof.js", import.meta.url));
    const out = execFileSync(
      process.execPath,
      [
        bin,
        "plan",
        "--hardware",
        "8x5090",
        "--zkvm",
        "zisk-v0.16.1",
        "--el",
        "reth-v1.11.0",
        "--clusters",
        "1",
        "--json",
      ],
      { encoding: "utf8" },
    );
    expect(out.trim().split("\n")).toHaveLength(1);
    // The acceptance command reproduces the data's own figures (median 16.1 s, 8 % under 10 s).
    expect(JSON.parse(out)).toMatchObject({ coverage: 0.08, p50_ms: 16115, gpus: 8, figures: "isolated" });
    const realtime = JSON.parse(
      execFileSync(
        process.execPath,
        [
          bin,
          "plan",
          "--hardware",
          "8x5090",
          "--zkvm",
          "zisk-v0.16.1",
          "--el",
          "reth-v1.11.0",
          "--clusters",
          "1",
          "--json",
          "--no-isolated",
        ],
        { encoding: "utf8" },
      ),
    ) as { figures: string; coverage: number };
    expect(realtime.figures).toBe("realtime");
    // One cluster cannot keep up with a block every 12 s when the median prove takes 16 s.
    expect(realtime.coverage).toBeLessThan(0.08);
  });
});
