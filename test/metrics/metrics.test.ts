import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createMetrics, metricsHandler } from "../../src/metrics/index.ts";

/** The value of one sample line `name{labels} value` in an exposition, or undefined. */
function sample(text: string, name: string, labels = ""): number | undefined {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe("EproofMetrics", () => {
  it("prefixes eproof's metrics with eproof_ and keeps the Node defaults under their standard names", async () => {
    const m = createMetrics();
    const text = await m.scrape();
    const names = text
      .split("\n")
      .filter((l) => l.startsWith("# TYPE "))
      .map((l) => l.split(" ")[2] ?? "");
    expect(names.length).toBeGreaterThan(40);
    expect(names.filter((n) => !/^(eproof|process|nodejs)_/.test(n))).toEqual([]);
    // What every Node dashboard queries.
    expect(names).toContain("process_cpu_seconds_total");
    expect(names).toContain("process_resident_memory_bytes");
    expect(names).toContain("nodejs_eventloop_lag_p99_seconds");
    expect(names.filter((n) => /^eproof_(process|nodejs)_/.test(n))).toEqual([]);
  });

  it("keeps separate registries per instance", async () => {
    const a = createMetrics({ processMetrics: false });
    const b = createMetrics({ processMetrics: false });
    a.recordGossipPublished("reth-zisk");
    expect(sample(await a.scrape(), "eproof_gossip_published_total", 'proof_type="reth-zisk"')).toBe(1);
    expect(
      sample(await b.scrape(), "eproof_gossip_published_total", 'proof_type="reth-zisk"'),
    ).toBeUndefined();
  });

  it("observes stage durations in seconds against 10 s-budget buckets", async () => {
    const m = createMetrics({ processMetrics: false });
    m.recordStage("prove", 7_500);
    m.recordStage("prove", 12_000);
    m.recordStage("prove", -1); // ignored: inconsistent clock
    const text = await m.scrape();
    expect(sample(text, "eproof_pipeline_stage_seconds_count", 'stage="prove"')).toBe(2);
    expect(sample(text, "eproof_pipeline_stage_seconds_sum", 'stage="prove"')).toBe(19.5);
    expect(sample(text, "eproof_pipeline_stage_seconds_bucket", 'le="8",stage="prove"')).toBe(1);
    expect(sample(text, "eproof_pipeline_stage_seconds_bucket", 'le="10",stage="prove"')).toBe(1);
    expect(sample(text, "eproof_pipeline_stage_seconds_bucket", 'le="12",stage="prove"')).toBe(2);
  });

  it("counts proof outcomes per type and endpoint and times only successes", async () => {
    const m = createMetrics({ processMetrics: false });
    m.recordProofOutcome("reth-zisk", "gpu0", "success", 8_000);
    m.recordProofOutcome("reth-zisk", "gpu0", "timeout", 10_000);
    m.recordProofOutcome("reth-zisk", "gpu1", "failure");
    const text = await m.scrape();
    expect(
      sample(text, "eproof_proofs_total", 'proof_type="reth-zisk",endpoint="gpu0",outcome="success"'),
    ).toBe(1);
    expect(
      sample(text, "eproof_proofs_total", 'proof_type="reth-zisk",endpoint="gpu0",outcome="timeout"'),
    ).toBe(1);
    expect(
      sample(text, "eproof_proofs_total", 'proof_type="reth-zisk",endpoint="gpu1",outcome="failure"'),
    ).toBe(1);
    expect(sample(text, "eproof_prove_seconds_count", 'proof_type="reth-zisk",endpoint="gpu0"')).toBe(1);
  });

  it("counts the flood defence's actions from the p2p service's running totals", async () => {
    const m = createMetrics({ processMetrics: false });
    m.recordFloodDefence({ cut_off: 1, refused: 2, dropped_unread: 30, throttled: 0 });
    m.recordFloodDefence({ cut_off: 1, refused: 5, dropped_unread: 30, throttled: 4 });
    const text = await m.scrape();
    const at = (action: string) => sample(text, "eproof_p2p_flood_defence_total", `action="${action}"`);
    expect([at("cut_off"), at("refused"), at("dropped_unread"), at("throttled")]).toEqual([1, 5, 30, 4]);
  });

  it("tracks rolling coverage over the last N blocks", async () => {
    const m = createMetrics({ processMetrics: false, coverageWindow: 4 });
    expect(m.coverageRatioNow()).toBeUndefined();
    for (const o of ["missed", "in_time", "in_time", "late"] as const) m.recordBlockOutcome(o);
    expect(sample(await m.scrape(), "eproof_coverage_ratio")).toBe(0.5);
    // The missed block falls out of the window.
    m.recordBlockOutcome("in_time", 1_500);
    const text = await m.scrape();
    expect(sample(text, "eproof_coverage_ratio")).toBe(0.75);
    expect(sample(text, "eproof_coverage_window_blocks")).toBe(4);
    expect(sample(text, "eproof_blocks_total", 'outcome="in_time"')).toBe(3);
    expect(sample(text, "eproof_deadline_margin_seconds_count")).toBe(1);
  });

  it("reports GPU telemetry, fleet power and capex against the EF targets", async () => {
    const m = createMetrics({ processMetrics: false, gpuPrices: { "RTX 5090": 2000, L40S: 8000 } });
    const gpu = (id: string, model: string, watts: number) => ({
      gpu: id,
      model,
      powerWatts: watts,
      utilization: 0.9,
      memoryUsedBytes: 20e9,
      memoryTotalBytes: 32e9,
      temperatureCelsius: 70,
    });
    m.recordGpuTelemetry([
      gpu("0", "NVIDIA GeForce RTX 5090", 550),
      gpu("1", "NVIDIA GeForce RTX 5090", 450),
      gpu("2", "NVIDIA L40S", 300),
      gpu("3", "Mystery GPU", 100),
    ]);
    const text = await m.scrape();
    expect(sample(text, "eproof_gpu_power_watts", 'gpu="0",model="NVIDIA GeForce RTX 5090"')).toBe(550);
    expect(sample(text, "eproof_gpu_temperature_celsius", 'gpu="2",model="NVIDIA L40S"')).toBe(70);
    expect(sample(text, "eproof_fleet_power_watts")).toBe(1400);
    expect(sample(text, "eproof_fleet_power_target_watts")).toBe(10_000);
    expect(sample(text, "eproof_fleet_capex_usd")).toBe(12_000);
    expect(sample(text, "eproof_fleet_capex_target_usd")).toBe(100_000);
    expect(sample(text, "eproof_fleet_unpriced_gpus")).toBe(1);
    expect(sample(text, "eproof_fleet_gpus", 'model="NVIDIA GeForce RTX 5090"')).toBe(2);
  });

  it("integrates GPU power over a prove into joules per proof", async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async () => {} };
    const m = createMetrics({ processMetrics: false, clock });
    const at = (t: number, watts: number) => {
      now = t;
      m.recordGpuTelemetry([
        {
          gpu: "0",
          model: "RTX 5090",
          powerWatts: watts,
          utilization: 1,
          memoryUsedBytes: 0,
          memoryTotalBytes: 0,
          temperatureCelsius: 60,
        },
      ]);
    };
    at(0, 100);
    at(1_000, 500);
    at(2_000, 500);
    // 0..1 s ramps 100 -> 500 W (300 J), 1..2 s flat 500 W (500 J).
    const joules = m.recordProveEnergy({ proofType: "reth-zisk", gpus: ["0"], startMs: 0, endMs: 2_000 });
    expect(joules).toBeCloseTo(800, 6);
    const text = await m.scrape();
    expect(sample(text, "eproof_proof_energy_joules_count", 'proof_type="reth-zisk"')).toBe(1);
    expect(sample(text, "eproof_energy_joules_total", 'proof_type="reth-zisk"')).toBeCloseTo(800, 6);
  });

  it("serves /metrics over node:http and refuses other methods", async () => {
    const m = createMetrics({ processMetrics: false });
    m.recordPeers(12, 5);
    const handler = metricsHandler(m);
    const server = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toContain("text/plain");
      const text = await res.text();
      expect(sample(text, "eproof_peers", 'kind="proof_aware"')).toBe(5);
      const post = await fetch(`http://127.0.0.1:${port}/metrics`, { method: "POST" });
      expect(post.status).toBe(405);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
