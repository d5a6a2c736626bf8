import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { type BlockSummary, BlockTimeline, createMetrics } from "../../src/metrics/index.ts";
import type { Logger } from "../../src/util/logger.ts";

function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l));
      cb();
    },
  });
  return { logger: pino({ level: "info", base: undefined }, dest), lines };
}

function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, sleep: async () => {}, set: (t: number) => (now = t) };
}

/** pino writes through a stream; give it a turn to flush. */
const flush = () => new Promise((r) => setImmediate(r));

const ROOT = "0xAB".padEnd(66, "0");

describe("BlockTimeline", () => {
  it("writes exactly one info line with the stage timings when the proof is published", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const metrics = createMetrics({ processMetrics: false });
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, metrics });
    tl.begin(ROOT, { slot: 42, blockHash: "0xbeef", gasUsed: 30_000_000n, txs: 150, seenAt: t0 });
    tl.mark(ROOT, "npr", t0 + 100);
    tl.mark(ROOT, "witness", t0 + 900);
    tl.mark(ROOT, "requested", t0 + 1_000);
    tl.mark(ROOT, "proved", t0 + 7_000);
    tl.mark(ROOT, "signed", t0 + 7_010);
    tl.proofPublished(ROOT, "reth-zisk", t0 + 7_060);
    await flush();
    expect(lines).toHaveLength(1);
    const line = lines[0];
    expect(line).toMatchObject({
      level: 30,
      slot: 42,
      block: "0xbeef",
      gas: 30_000_000,
      txs: 150,
      witness_ms: 800,
      prove_ms: 6_000,
      sign_ms: 10,
      publish_ms: 50,
      // Timed to the proof being ready, not to its publication.
      total_ms: 7_000,
      margin_ms: 3_000,
      proofTypes: ["reth-zisk"],
      published: ["reth-zisk"],
      outcome: "in_time",
      msg: "block proved",
    });
    const text = await metrics.scrape();
    expect(text).toContain('eproof_pipeline_stage_seconds_count{stage="prove"} 1');
    expect(text).toContain('eproof_pipeline_stage_seconds_count{stage="total"} 1');
    expect(text).toContain('eproof_pipeline_stage_seconds_sum{stage="witness_fetch"} 0.8');
    // npr_build comes from the chain follower, not from here.
    expect(text).not.toContain('eproof_pipeline_stage_seconds_count{stage="npr_build"}');
    expect(text).toContain('eproof_blocks_total{outcome="in_time"} 1');
  });

  it("keeps one line under repeated and out-of-order calls, using the earliest timestamps", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const t0 = clock.now();
    const settled: BlockSummary[] = [];
    const tl = new BlockTimeline({ logger, clock, onSettled: (s) => settled.push(s) });
    const proofTypes = ["reth-zisk", "ethrex-sp1"];
    // Stages arrive before begin() and out of order.
    tl.mark(ROOT, "signed", t0 + 5_020);
    tl.mark(ROOT, "proved", t0 + 5_000);
    tl.begin(ROOT, { slot: 7, blockHash: "0x01", gasUsed: 1, txs: 1, seenAt: t0, proofTypes });
    tl.mark(ROOT, "requested", t0 + 600);
    tl.mark(ROOT, "requested", t0 + 500); // earlier repeat wins
    tl.mark(ROOT, "proved", t0 + 9_000); // later repeat ignored
    tl.proofPublished(ROOT, "reth-zisk", t0 + 5_100);
    tl.proofPublished(ROOT, "reth-zisk", t0 + 5_200);
    await flush();
    expect(lines).toHaveLength(0); // ethrex-sp1 still outstanding
    tl.proofFailed(ROOT, "ethrex-sp1", "proving_timeout");
    tl.proofPublished(ROOT, "ethrex-sp1", t0 + 9_500); // after settling: ignored
    tl.mark(ROOT, "witness", t0 + 1);
    tl.fail(ROOT, "late failure");
    await flush();
    expect(lines).toHaveLength(1);
    expect(settled).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      prove_ms: 4_500,
      sign_ms: 20,
      publish_ms: 80,
      total_ms: 5_000,
      proofTypes: ["reth-zisk"],
      failed: { "ethrex-sp1": "proving_timeout" },
    });
    expect(tl.openBlocks).toBe(0);
  });

  it("settles a block with no proof once the deadline passes, as missed", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const metrics = createMetrics({ processMetrics: false });
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, metrics, deadlineMs: 10_000 });
    tl.begin(ROOT, { slot: 9, blockHash: "0x02", gasUsed: 5, txs: 2, seenAt: t0 });
    tl.mark(ROOT, "witness", t0 + 2_000);
    expect(tl.sweep(t0 + 9_999)).toBe(0);
    expect(tl.sweep(t0 + 10_000)).toBe(1);
    expect(tl.sweep(t0 + 20_000)).toBe(0);
    tl.proofPublished(ROOT, "reth-zisk", t0 + 12_000);
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      slot: 9,
      outcome: "missed",
      total_ms: null,
      margin_ms: null,
      prove_ms: null,
    });
    expect(await metrics.scrape()).toContain('eproof_blocks_total{outcome="missed"} 1');
  });

  it("counts a proof published after the deadline but before settling as late", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, deadlineMs: 10_000, settleMs: 30_000 });
    tl.begin(ROOT, { slot: 1, blockHash: "0x03", gasUsed: 5, txs: 2, seenAt: t0 });
    clock.set(t0 + 12_000);
    tl.proofPublished(ROOT, "reth-zisk");
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: "late", total_ms: 12_000, margin_ms: -2_000 });
  });

  it("bounds open blocks by settling the oldest", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const tl = new BlockTimeline({ logger, clock, maxOpen: 2 });
    for (let slot = 0; slot < 5; slot++) {
      tl.begin(`0x${slot}`, { slot, blockHash: "0x", gasUsed: 0, txs: 0, seenAt: clock.now() });
    }
    await flush();
    expect(tl.openBlocks).toBe(2);
    expect(lines.map((l) => l.slot)).toEqual([0, 1, 2]);
  });
});

describe("timelineInfoFromPayload", () => {
  it("reads slot, hash, gas and tx count from a Fulu NewPayloadRequest", async () => {
    const { nprRoot, nprType } = await import("../../src/spec/newPayloadRequest.ts");
    const { timelineInfoFromPayload } = await import("../../src/metrics/index.ts");
    const value = nprType("fulu").defaultValue() as ReturnType<ReturnType<typeof nprType>["defaultValue"]>;
    const payload = value.executionPayload;
    payload.gasUsed = 21_000_000;
    payload.transactions = [new Uint8Array([1]), new Uint8Array([2]), new Uint8Array([3])];
    payload.blockHash = new Uint8Array(32).fill(0xab);
    const npr = { fork: "fulu", value } as Parameters<typeof nprRoot>[0];
    const info = timelineInfoFromPayload(
      {
        type: "payload",
        npr,
        root: nprRoot(npr),
        slot: 321,
        blockRoot: new Uint8Array(32),
        blockHash: payload.blockHash,
        parentHash: payload.parentHash,
        blockNumber: payload.blockNumber,
        seenAt: 1_000,
      },
      ["reth-zisk"],
    );
    expect(info).toMatchObject({ slot: 321, seenAt: 1_000, proofTypes: ["reth-zisk"], txs: 3 });
    expect(Number(info.gasUsed)).toBe(21_000_000);
    expect(info.blockHash).toEqual(new Uint8Array(32).fill(0xab));
  });
});

describe("BlockTimeline with proofs requested before the witness is in", () => {
  it("measures witness (via input), queue and prove from the marks that really precede them", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock });
    tl.begin(ROOT, { slot: 3, blockHash: "0x04", gasUsed: 9, txs: 1, seenAt: t0 });
    tl.mark(ROOT, "npr", t0 + 20);
    tl.mark(ROOT, "requested", t0 + 25);
    tl.mark(ROOT, "input", t0 + 1_025);
    tl.mark(ROOT, "proved", t0 + 8_025);
    tl.mark(ROOT, "signed", t0 + 8_030);
    tl.proofPublished(ROOT, "reth-zisk", t0 + 8_100);
    await flush();
    expect(lines[0]).toMatchObject({
      npr_ms: 20,
      witness_ms: 1_005,
      input_ms: null,
      queue_ms: 5,
      prove_ms: 7_000,
      sign_ms: 5,
      publish_ms: 70,
      total_ms: 8_025,
    });
  });
});

describe("BlockTimeline on a verify-only node", () => {
  it("logs one line per block but keeps it out of coverage", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const metrics = createMetrics({ processMetrics: false });
    const settled: BlockSummary[] = [];
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, metrics, onSettled: (s) => settled.push(s) });
    tl.begin(ROOT, { slot: 11, blockHash: "0x05", gasUsed: 1, txs: 1, seenAt: t0, proofTypes: [] });
    tl.mark(ROOT, "npr", t0 + 10);
    expect(tl.sweep(t0 + 10_000)).toBe(1);
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ slot: 11, outcome: "not_proving", msg: "block seen (not proving)" });
    expect(metrics.coverageRatioNow()).toBeUndefined();
    expect(await metrics.scrape()).not.toContain("eproof_blocks_total{");
    const { DashboardState, dashboardBlockFromSummary } = await import("../../src/dashboard/index.ts");
    const state = new DashboardState();
    state.recordBlock(dashboardBlockFromSummary(settled[0] as BlockSummary));
    expect(state.snapshot().slots[0]?.outcome).toBe("not_proving");
    expect(state.snapshot().coverage).toEqual({ blocks: 0, inTime: 0, ratio: null });
  });
});

describe("BlockTimeline outcomes tell the truth", () => {
  it("reports a proved block on a node without a signing key as proved, in time, with coverage", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const metrics = createMetrics({ processMetrics: false });
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, metrics, publishes: false });
    tl.begin(ROOT, {
      slot: 5,
      blockHash: "0x06",
      gasUsed: 1,
      txs: 1,
      seenAt: t0,
      proofTypes: ["eproof-reexec"],
    });
    tl.mark(ROOT, "requested", t0 + 10);
    tl.proofReady(ROOT, "eproof-reexec", t0 + 1_500);
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      outcome: "in_time",
      total_ms: 1_500,
      proofTypes: ["eproof-reexec"],
      published: [],
      msg: "block proved (not published: no signing key)",
    });
    expect(metrics.coverageRatioNow()).toBe(1);
    const text = await metrics.scrape();
    expect(text).toContain('eproof_blocks_total{outcome="in_time"} 1');
    expect(text).toContain("eproof_coverage_ratio 1");
  });

  it("counts a proof ready within the deadline as in time even when it is published after it", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, deadlineMs: 10_000, settleMs: 30_000 });
    tl.begin(ROOT, { slot: 6, blockHash: "0x07", gasUsed: 1, txs: 1, seenAt: t0, proofTypes: ["reth-zisk"] });
    tl.proofReady(ROOT, "reth-zisk", t0 + 9_000);
    await flush();
    expect(lines).toHaveLength(0); // waits for the publication
    tl.proofPublished(ROOT, "reth-zisk", t0 + 11_000);
    await flush();
    expect(lines[0]).toMatchObject({ outcome: "in_time", total_ms: 9_000, publish_ms: 2_000 });
  });

  it("settles an orphaned block as orphaned, apart from missed, and leaves it out of the coverage", async () => {
    const { logger, lines } = capturingLogger();
    const clock = fakeClock();
    const metrics = createMetrics({ processMetrics: false });
    const settled: BlockSummary[] = [];
    const t0 = clock.now();
    const tl = new BlockTimeline({ logger, clock, metrics, onSettled: (s) => settled.push(s) });
    tl.begin(ROOT, { slot: 8, blockHash: "0x08", gasUsed: 1, txs: 1, seenAt: t0, proofTypes: ["reth-zisk"] });
    tl.orphaned(ROOT);
    tl.proofFailed(ROOT, "reth-zisk", "internal_error"); // the drop's failure comes after: ignored
    await flush();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ outcome: "orphaned", msg: "block orphaned (dropped by a reorg)" });
    expect(metrics.coverageRatioNow()).toBeUndefined();
    expect(await metrics.scrape()).toContain('eproof_blocks_total{outcome="orphaned"} 1');
    const { DashboardState, dashboardBlockFromSummary } = await import("../../src/dashboard/index.ts");
    const state = new DashboardState();
    state.recordBlock(dashboardBlockFromSummary(settled[0] as BlockSummary));
    expect(state.snapshot().slots[0]?.outcome).toBe("orphaned");
    expect(state.snapshot().coverage).toEqual({ blocks: 0, inTime: 0, ratio: null });
  });
});
