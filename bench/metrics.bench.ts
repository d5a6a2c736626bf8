// Observability cost on the hot path: recording functions, a full /metrics scrape with realistic
// series counts, the per-block log line, and a dashboard snapshot of a full ring.
import { Writable } from "node:stream";
import { pino } from "pino";
import { DashboardState } from "../src/dashboard/index.ts";
import { BlockTimeline, createMetrics } from "../src/metrics/index.ts";
import { type BenchFigure, medianMs } from "./figure.ts";

export async function run(): Promise<BenchFigure[]> {
  const m = createMetrics({ gpuPrices: { "RTX 5090": 2000 } });
  const gpus = Array.from({ length: 16 }, (_, i) => ({
    gpu: String(i),
    model: "NVIDIA GeForce RTX 5090",
    powerWatts: 450,
    utilization: 0.9,
    memoryUsedBytes: 20e9,
    memoryTotalBytes: 32e9,
    temperatureCelsius: 70,
  }));
  // Realistic label spread before scraping: 4 proof types x 8 endpoints, 16 GPUs, every stage.
  for (let t = 0; t < 4; t++) {
    for (let e = 0; e < 8; e++) m.recordAttemptResult(`gpu${e}`, t + 1, "ok", 8_000, 7_000);
  }
  for (const stage of ["npr_build", "witness_fetch", "prove", "sign", "publish", "total"] as const) {
    m.recordStage(stage, 1_000);
  }
  m.recordGpuTelemetry(gpus);

  const recordN = 10_000;
  const recordMs = await medianMs(() => {
    for (let i = 0; i < recordN; i++) m.recordStage("prove", 7_000 + (i % 100));
  }, 9);
  const telemetryMs = await medianMs(() => m.recordGpuTelemetry(gpus), 31);
  const scrapeMs = await medianMs(() => m.scrape(), 15);
  const scrapeBytes = (await m.scrape()).length;

  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  const timeline = new BlockTimeline({ logger: pino({ level: "info" }, sink), metrics: m });
  let root = 0;
  const blockMs = await medianMs(() => {
    const key = `0x${(root++).toString(16)}`;
    const t0 = Date.now();
    timeline.begin(key, { slot: root, blockHash: "0xab", gasUsed: 30_000_000, txs: 200, seenAt: t0 });
    timeline.mark(key, "witness", t0 + 500);
    timeline.mark(key, "requested", t0 + 600);
    timeline.mark(key, "proved", t0 + 7_000);
    timeline.mark(key, "signed", t0 + 7_010);
    timeline.proofPublished(key, "reth-zisk", t0 + 7_050);
  }, 201);

  const state = new DashboardState({ maxSlots: 64 });
  for (let slot = 0; slot < 64; slot++) {
    state.recordBlock({
      slot,
      blockHash: "0xab",
      gasUsed: 30_000_000,
      txs: 200,
      stages: { witness: 500, prove: 6_000, publish: 50 },
      provedMs: 7_000,
      proofTypes: ["reth-zisk", "ethrex-zisk"],
      verifiedBy: 5,
    });
  }
  for (let i = 0; i < 240; i++) state.recordGpu(gpus);
  const snapshotMs = await medianMs(() => JSON.stringify(state.snapshot()), 31);

  return [
    { name: "metrics: recordStage (histogram observe)", value: (recordMs * 1e6) / recordN, unit: "ns/call" },
    { name: "metrics: GPU telemetry round (16 GPUs)", value: telemetryMs * 1000, unit: "µs" },
    { name: "metrics: /metrics scrape", value: scrapeMs, unit: "ms" },
    { name: "metrics: /metrics body size", value: scrapeBytes / 1024, unit: "KiB" },
    { name: "blockLog: one block (marks + log line)", value: blockMs * 1000, unit: "µs" },
    { name: "dashboard: snapshot JSON (64 slots, 16 GPUs)", value: snapshotMs, unit: "ms" },
  ];
}
