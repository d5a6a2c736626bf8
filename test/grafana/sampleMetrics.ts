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
  m.recordVerification(6, 4, true);
  m.recordVerification("reth-zisk", 5, false);
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
  // Domain contracts (SchedulerMetrics, ProofServiceMetrics, ExecutionMetrics, GatewayMetrics, ApiMetrics,
  // P2pMetrics, FleetMetrics).
  m.recordScheduled(6, "gpu0", round % 2 === 0, 8_000);
  m.recordDropped(6, "stale");
  m.recordAttemptResult("gpu0", 6, "ok", 7_500 + round, 8_000);
  m.recordAttemptResult("gpu1", 6, "proving_timeout", 12_000, 8_000);
  m.recordProofLatency(6, 8_200 + round, true);
  m.recordQueueDepth("gpu0", round % 3);
  m.recordProofStored("local", 6, 300_000);
  m.recordProofFailure(6, "proving_timeout");
  m.recordWitnessFetch(700 + round, true);
  m.recordWitnessFetch("debug_executionWitness", 650 + round, true);
  m.recordRpcCall("eth_getBlockByHash", 12, true);
  m.recordRpcCall("engine_newPayloadV4", true, 30);
  m.recordInputBuilt(40, 4_000_000);
  m.recordWitnessRejected("missing trie node");
  m.recordNewPayload("VALID", 900);
  m.recordAuthFailure("expired iat");
  m.recordUpstreamCall("engine_forkchoiceUpdatedV3", true, 20);
  m.recordApiRequest("/v1/execution_proofs/:root/:type", 200, 3);
  m.recordSseClients(2);
  m.recordGossipReceived();
  m.recordGossipAccepted();
  m.recordGossipIgnored("already_seen");
  m.recordGossipRejected("invalid_proof");
  m.recordGossipValidationMs(2);
  m.recordReqRespServed("execution_proofs_by_range", 4);
  m.recordReqRespError("execution_proofs_by_root", 3);
  m.recordFloodDefence({ cut_off: 1 + round, refused: 3 * round, dropped_unread: 40, throttled: round });
  m.recordGpu({
    index: 1,
    uuid: "GPU-1",
    name: "NVIDIA GeForce RTX 5090",
    powerDrawW: 500,
    utilizationPct: 95,
    memoryUsedMiB: 20_000,
    memoryTotalMiB: 32_607,
    temperatureC: 70,
  });
  m.recordGpuSampleError("nvidia-smi exited 9");
}
