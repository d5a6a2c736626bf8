// Records one sample through every recording function, so a scrape shows every series eproof exports.
import { createMetrics, type EproofMetrics } from "../../src/metrics/index.ts";

export function metricsWithSamples(): EproofMetrics {
  const m = createMetrics({ gpuPrices: { "RTX 5090": 2000 }, version: "test" });
  recordSamples(m, 0);
  return m;
}

/** One round of every recording function; `round` varies the values so rates are non-zero. */
export function recordSamples(m: EproofMetrics, round: number): void {
  for (const stage of [
    "npr_build",
    "witness_fetch",
    "proof_queue",
    "prove",
    "sign",
    "publish",
    "total",
  ] as const) {
    m.recordStage(stage, 500 + round * 100);
  }
  m.recordStage("gossip_verify", 3);
  m.recordProofOutcome("reth-zisk", "gpu0", "success", 7_000 + round);
  m.recordProofOutcome("reth-zisk", "gpu0", "failure");
  m.recordProofOutcome("ethrex-sp1", "gpu1", "timeout");
  m.recordBlockOutcome(round % 5 === 4 ? "missed" : "in_time", 2_500);
  m.recordVerification("reth-zisk", "valid", 4);
  m.recordGossipMessage("accept");
  m.recordGossipMessage("reject");
  m.recordGossipPublished("reth-zisk");
  m.recordPeers(30 + round, 8);
  m.recordStoreSize(100 + round, 30_000_000);
  m.recordUpstreamHealth("beacon", true);
  m.recordUpstreamError("execution", "timeout");
  m.recordGpuTelemetry([
    {
      gpu: "0",
      model: "NVIDIA GeForce RTX 5090",
      powerWatts: 450 + round,
      utilization: 0.9,
      memoryUsedBytes: 20e9,
      memoryTotalBytes: 32e9,
      temperatureCelsius: 71,
    },
  ]);
  const now = Date.now();
  m.recordProveEnergy({ proofType: "reth-zisk", gpus: ["0"], startMs: now - 7_000, endMs: now });
  m.recordBlockSeen();
  m.recordPayloadEmitted("fulu");
  m.recordReorg(1);
  m.recordGapFilled(2);
  m.recordStreamReconnect();
  m.recordHeadSlot(13_000_000 + round);
  m.recordFinalizedEpoch(406_000);
  m.recordHttpRequest("api", "/v1/proof_types", 200, 2);
}
