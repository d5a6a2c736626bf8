import { describe, expect, it } from "vitest";
import { ProveFailure } from "../../src/proving/interface.ts";
import { seedModel } from "../../src/proving/models/seed.ts";
import { ProvingTimeModel } from "../../src/proving/scheduler/predictor.ts";
import {
  classifyFailure,
  defaultSchedulerOpts,
  type EndpointSpec,
  type JobSpec,
  type PredictorSeed,
  Scheduler,
  type SchedulerMetrics,
  type SchedulerOpts,
} from "../../src/proving/scheduler.ts";
import { EproofError } from "../../src/util/errors.ts";
import { FakeClock } from "../support/fakeClock.ts";

// Real figures: ZisK v0.16.1 + reth on 8×RTX 5090 (median 16.1 s per mainnet block).
const zisk = seedModel("8x5090", "zisk-v0.16.1", "reth-v1.11.0");
const ZISK = 6;
const CPU = 0xf0;
// A wide spread (p90 = 1.6 × median): a run may well finish far sooner or later than predicted.
const noisy: PredictorSeed = { interceptMs: 2_000, msPerMgas: 400, ratioP50: 1, ratioP90: 1.6 };

function ere(id: string, seed: PredictorSeed = zisk, proofTypes: readonly number[] = [ZISK]): EndpointSpec {
  return { id, proofTypes, concurrency: 1, runsToCompletion: true, seed };
}

function setup(opts: Partial<SchedulerOpts> = {}, endpoints: EndpointSpec[] = [ere("gpu0"), ere("gpu1")]) {
  const clock = new FakeClock();
  const events: string[] = [];
  const metrics: SchedulerMetrics = {
    recordScheduled: (t, ep, hedge) => events.push(`scheduled ${t} ${ep}${hedge ? " hedge" : ""}`),
    recordDropped: (t, reason) => events.push(`dropped ${t} ${reason}`),
    recordAttemptResult: (ep, t, outcome) => events.push(`result ${ep} ${t} ${outcome}`),
    recordProofLatency: (t, ms, met) => events.push(`latency ${t} ${ms} ${met}`),
    recordQueueDepth: () => {},
  };
  const s = new Scheduler({ ...defaultSchedulerOpts, ...opts }, clock, metrics);
  for (const e of endpoints) s.addEndpoint(e);
  return { clock, s, events };
}

function job(clock: FakeClock, n: number, over: Partial<JobSpec> = {}): JobSpec {
  return {
    rootHex: `0x${n.toString(16).padStart(64, "0")}`,
    proofType: ZISK,
    gasUsed: 20e6,
    seenAt: clock.now(),
    ...over,
  };
}

describe("ProvingTimeModel", () => {
  it("starts from the seed and learns an endpoint's real speed", () => {
    const m = new ProvingTimeModel(zisk);
    const before = m.predict(30e6).meanMs;
    // The seed's own fit: intercept + rate × gas, times the median ratio.
    expect(before).toBeCloseTo((zisk.interceptMs + zisk.msPerMgas * 30) * zisk.ratioP50, 3);
    for (let i = 0; i < 20; i++) m.observe(30e6, before * 2);
    expect(m.predict(30e6).meanMs).toBeGreaterThan(before * 1.9);
    expect(m.snapshot().observed).toBe(20);
  });

  it("rejects a seed that predicts nothing", () => {
    expect(() => new ProvingTimeModel({ interceptMs: 0, msPerMgas: 0 })).toThrow(EproofError);
  });
});

describe("Scheduler", () => {
  it("picks the endpoint predicted to finish first", () => {
    const slow = { ...zisk, msPerMgas: zisk.msPerMgas * 3 };
    const { clock, s } = setup({ hedge: false }, [ere("slow", slow), ere("fast")]);
    const d = s.submit(job(clock, 1));
    expect(d.kind).toBe("scheduled");
    if (d.kind !== "scheduled") return;
    expect(d.attempts.map((a) => a.endpointId)).toEqual(["fast"]);
  });

  it("queues behind a busy endpoint only while that still beats an idle slower one", () => {
    const slow = { ...zisk, msPerMgas: zisk.msPerMgas * 1.5 };
    const { clock, s } = setup({ hedge: false, staleAfterMs: 60_000 }, [ere("slow", slow), ere("fast")]);
    s.submit(job(clock, 1));
    expect(s.takeDispatches().dispatches.map((d) => d.endpointId)).toEqual(["fast"]);
    // fast is busy for ~15 s: an idle slow endpoint (~21 s) finishes a new job sooner than queueing.
    const d = s.submit(job(clock, 2));
    expect(d.kind === "scheduled" && d.attempts[0]?.endpointId).toBe("slow");
  });

  it("hedges on a second endpoint when the first is predicted to miss the 10 s deadline", () => {
    const { clock, s, events } = setup({}, [ere("gpu0", noisy), ere("gpu1", noisy)]);
    // ~9.2 s expected, but its p90 is ~14.7 s: likely to miss, and a second run may well make it.
    const d = s.submit(job(clock, 1, { gasUsed: 18e6 }));
    expect(d.kind === "scheduled" && d.attempts.map((a) => [a.endpointId, a.hedge])).toEqual([
      ["gpu0", false],
      ["gpu1", true],
    ]);
    expect(events).toContain("scheduled 6 gpu1 hedge");
    expect(s.takeDispatches().dispatches).toHaveLength(2);
  });

  it("does not hedge when the primary is predicted to meet the deadline, or hedging is off", () => {
    const quick = { interceptMs: 1_000, msPerMgas: 100, ratioP50: 1, ratioP90: 1.1 };
    const a = setup({}, [ere("gpu0", quick), ere("gpu1", quick)]);
    const d1 = a.s.submit(job(a.clock, 1, { gasUsed: 20e6 }));
    expect(d1.kind === "scheduled" && d1.attempts).toHaveLength(1);
    const b = setup({ hedge: false });
    const d2 = b.s.submit(job(b.clock, 1));
    expect(d2.kind === "scheduled" && d2.attempts).toHaveLength(1);
  });

  it("does not hedge onto a busy endpoint, nor when the hedge could not make the deadline either", () => {
    const a = setup({}, [ere("gpu0", noisy), ere("gpu1", noisy)]);
    a.s.submit(job(a.clock, 1, { gasUsed: 40e6 }));
    a.s.takeDispatches();
    // Job 1 runs on both GPUs (primary and hedge): with no idle endpoint, job 2 gets one queued attempt.
    const d = a.s.submit(job(a.clock, 2, { gasUsed: 18e6 }));
    expect(d.kind === "scheduled" && d.attempts).toHaveLength(1);
    // Real ZisK figures: a 20 Mgas block takes ~15 s on any 8×5090 box; a hedge cannot rescue it.
    const b = setup();
    const d2 = b.s.submit(job(b.clock, 1, { gasUsed: 20e6 }));
    expect(d2.kind === "scheduled" && d2.attempts).toHaveLength(1);
  });

  it("cancels the hedge loser, whose GPU stays busy until its run would end", async () => {
    const { clock, s } = setup({}, [ere("gpu0", noisy), ere("gpu1", noisy)]);
    s.submit(job(clock, 1, { gasUsed: 18e6 }));
    const [p, h] = s.takeDispatches().dispatches;
    if (!p || !h) throw new Error("expected two dispatches");
    await clock.advance(12_000);
    const done = s.complete(p.attemptId, { ok: true, elapsedMs: 12_000 });
    expect(done).toMatchObject({
      kind: "job_complete",
      cancel: [h.attemptId],
      latencyMs: 12_000,
      metDeadline: false,
    });
    // The loser's late answer is ignored.
    expect(s.complete(h.attemptId, { ok: true, elapsedMs: 13_000 })).toEqual({ kind: "ignored" });

    const busy = s.status().find((e) => e.id === "gpu1");
    expect(busy?.busyUntil).toBeGreaterThan(clock.now());
    // gpu0 is idle, gpu1 still proves the abandoned block: a big next job goes to gpu0 alone (a
    // hedge queued behind gpu1's leftover run could not beat it)...
    s.submit(job(clock, 2, { gasUsed: 40e6 }));
    expect(s.takeDispatches().dispatches.map((d) => d.endpointId)).toEqual(["gpu0"]);
    // ...and a job queued on gpu1 waits until the estimate has passed.
    const d = s.submit(job(clock, 3, { gasUsed: 1e6 }));
    expect(d.kind === "scheduled" && d.attempts[0]?.endpointId).toBe("gpu1");
    expect(s.takeDispatches().dispatches).toEqual([]);
    const wake = s.nextWakeAt();
    expect(wake).toBe(busy?.busyUntil);
    await clock.advance((wake ?? 0) - clock.now());
    expect(s.takeDispatches().dispatches.map((x) => x.endpointId)).toEqual(["gpu1"]);
  });

  it("frees a CPU endpoint at once when its run is abandoned", async () => {
    const cpu: EndpointSpec = { id: "cpu", proofTypes: [CPU], concurrency: 1, runsToCompletion: false };
    const { clock, s } = setup({ proveTimeoutMs: 5_000 }, [cpu]);
    s.submit(job(clock, 1, { proofType: CPU }));
    const [d] = s.takeDispatches().dispatches;
    if (!d) throw new Error("expected a dispatch");
    await clock.advance(5_000);
    const r = s.complete(d.attemptId, {
      ok: false,
      reason: "proving_timeout",
      error: "timed out",
      elapsedMs: 5_000,
    });
    expect(r).toMatchObject({ kind: "job_failed", reason: "proving_timeout" });
    expect(s.status()[0]?.busyUntil).toBe(0);
  });

  it("keeps an ere endpoint busy after a client timeout and learns the lower bound", async () => {
    const { clock, s } = setup({ hedge: false, proveTimeoutMs: 30_000 }, [ere("gpu0")]);
    const before = s.predict("gpu0", ZISK, 20e6)?.meanMs ?? 0;
    s.submit(job(clock, 1));
    const [d] = s.takeDispatches().dispatches;
    if (!d) throw new Error("expected a dispatch");
    await clock.advance(30_000);
    s.complete(d.attemptId, { ok: false, reason: "proving_timeout", error: "timed out", elapsedMs: 30_000 });
    expect(s.predict("gpu0", ZISK, 20e6)?.meanMs).toBeGreaterThan(before);
    expect(s.status()[0]?.busyUntil).toBeGreaterThan(clock.now());
  });

  it("retries a proving error once on an endpoint not tried yet, then fails the job", () => {
    const { clock, s, events } = setup({ hedge: false });
    s.submit(job(clock, 1));
    const [first] = s.takeDispatches().dispatches;
    if (!first) throw new Error("expected a dispatch");
    const r1 = s.complete(first.attemptId, {
      ok: false,
      reason: "proving_error",
      error: "guest panicked",
      elapsedMs: 10,
    });
    expect(r1.kind === "pending" && r1.retry?.endpointId).toBe("gpu1");
    const [second] = s.takeDispatches().dispatches;
    if (!second) throw new Error("expected the retry");
    const r2 = s.complete(second.attemptId, {
      ok: false,
      reason: "proving_error",
      error: "guest panicked",
      elapsedMs: 10,
    });
    expect(r2).toEqual({
      kind: "job_failed",
      rootHex: job(clock, 1).rootHex,
      proofType: ZISK,
      reason: "proving_error",
      error: "guest panicked",
    });
    expect(events.filter((e) => e.startsWith("result"))).toEqual([
      "result gpu0 6 proving_error",
      "result gpu1 6 proving_error",
    ]);
    expect(s.jobCount()).toBe(0);
  });

  it("drops queued work that goes stale and refuses work already stale", async () => {
    const { clock, s, events } = setup({ hedge: false }, [ere("gpu0")]);
    s.submit(job(clock, 1));
    s.submit(job(clock, 2));
    expect(s.takeDispatches().dispatches).toHaveLength(1);
    await clock.advance(defaultSchedulerOpts.staleAfterMs + 1);
    const { dispatches, dropped } = s.takeDispatches();
    expect(dispatches).toEqual([]);
    expect(dropped).toMatchObject([
      { rootHex: job(clock, 2).rootHex, dropReason: "stale", reason: "proving_timeout" },
    ]);
    const old = s.submit(job(clock, 3, { seenAt: clock.now() - 20_000 }));
    expect(old).toMatchObject({ kind: "rejected", dropReason: "stale", reason: "proving_timeout" });
    expect(events.filter((e) => e.startsWith("dropped"))).toEqual(["dropped 6 stale", "dropped 6 stale"]);
  });

  it("drops every job of an orphaned payload and cancels its running attempts", () => {
    const { clock, s } = setup();
    const j = job(clock, 7);
    s.submit(j);
    s.submit({ ...j, proofType: 3 });
    const running = s.takeDispatches().dispatches.map((d) => d.attemptId);
    const { cancel, dropped } = s.dropPayload(j.rootHex);
    expect(cancel.sort()).toEqual(running.sort());
    expect(dropped.map((d) => [d.proofType, d.dropReason])).toEqual([[ZISK, "orphaned"]]);
    expect(s.hasJob(j.rootHex, ZISK)).toBe(false);
  });

  it("accepts a duplicate in-flight job once and refuses types no endpoint proves", () => {
    const { clock, s } = setup();
    expect(s.submit(job(clock, 1)).kind).toBe("scheduled");
    expect(s.submit(job(clock, 1)).kind).toBe("duplicate");
    expect(s.submit(job(clock, 1, { proofType: 2 }))).toMatchObject({
      kind: "rejected",
      reason: "internal_error",
    });
  });

  it("rejects invalid options and endpoints", () => {
    const clock = new FakeClock();
    expect(() => new Scheduler({ ...defaultSchedulerOpts, deadlineMs: 0 }, clock)).toThrow(/deadlineMs/);
    expect(() => new Scheduler({ ...defaultSchedulerOpts, maxProofTypes: 5 }, clock)).toThrow(/at most 4/);
    const s = new Scheduler(defaultSchedulerOpts, clock);
    s.addEndpoint(ere("gpu0"));
    expect(() => s.addEndpoint(ere("gpu0"))).toThrow(/twice/);
    expect(() => s.addEndpoint({ ...ere("gpu1"), concurrency: 0 })).toThrow(/concurrency/);
  });
});

describe("classifyFailure", () => {
  it("keeps a backend's reason and classifies the rest by phase and kind", () => {
    expect(classifyFailure(new ProveFailure("proving_error", "bad guest"), "prove")).toBe("proving_error");
    // A witness failure names what failed; witness_timeout is only for timeouts.
    expect(classifyFailure(new Error("rpc down"), "witness")).toBe("witness_unavailable");
    expect(classifyFailure(new EproofError("TIMEOUT", "slow EL"), "witness")).toBe("witness_timeout");
    expect(classifyFailure(new EproofError("BAD_INPUT", "witness misses a node"), "witness")).toBe(
      "witness_invalid",
    );
    expect(classifyFailure(new EproofError("UNKNOWN_FORK", "no 0x1501"), "witness")).toBe("fork_mismatch");
    expect(classifyFailure(new DOMException("aborted", "AbortError"), "prove")).toBe("proving_timeout");
    expect(classifyFailure(new EproofError("TIMEOUT", "slow"), "prove")).toBe("proving_timeout");
    expect(classifyFailure(new EproofError("PROVER", "zkvm err"), "prove")).toBe("proving_error");
    expect(classifyFailure(new TypeError("x is undefined"), "prove")).toBe("internal_error");
    expect(classifyFailure(new EproofError("STORE", "disk full"), "store")).toBe("internal_error");
  });
});
