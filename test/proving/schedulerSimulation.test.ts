// Discrete-event simulation of the scheduler on real proving times (ZisK v0.16.1 + reth, 8×RTX 5090):
// blocks every 12 s, three simulated ere-servers of unequal speed that prove FIFO, one at a time,
// and finish every started prove even after the client gave up. Fully deterministic.
import { describe, expect, it } from "vitest";
import { loadProvingData, type ProvingRun, selectRuns } from "../../src/planner/provingData.ts";
import type { ProofFailureReason } from "../../src/proving/interface.ts";
import { seedModel } from "../../src/proving/models/seed.ts";
import { type AttemptOutcome, defaultSchedulerOpts, Scheduler } from "../../src/proving/scheduler.ts";
import type { Clock } from "../../src/util/clock.ts";

const ZISK = 6;
const SLOT_MS = 12_000;
const BLOCKS = 150;
const runs: ProvingRun[] = selectRuns(loadProvingData(), "8x5090", "zisk-v0.16.1", "reth-v1.11.0").slice(
  0,
  BLOCKS,
);
const seed = seedModel("8x5090", "zisk-v0.16.1", "reth-v1.11.0");

interface SimOpts {
  /** Real speed of each GPU relative to the data (unknown to the scheduler: it has to learn it). */
  speeds: Record<string, number>;
  runsToCompletion: boolean;
  hedge: boolean;
  proveTimeoutMs: number;
  /** Seed each endpoint with the data scaled to its true speed (an operator who measured the box). */
  knownSpeeds?: boolean;
}

/** Deterministic run-to-run variation of ±25% per (block, GPU): the same block is not equally hard twice. */
function noise(run: ProvingRun, id: string): number {
  let h = run.blockNumber;
  for (const c of id) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b) >>> 0;
  return 0.75 + (h / 0xffffffff) * 0.5;
}

interface Request {
  attemptId: number;
  run: ProvingRun;
  abandoned: boolean;
}

interface SimResult {
  /** Dispatches that found their GPU still busy (mostly with abandoned runs). */
  waitedAtGpu: number;
  dispatches: number;
  proved: number;
  metDeadline: number;
  failed: Map<ProofFailureReason, number>;
  dropped: number;
  resolvedTwice: number;
  ratio: Record<string, number>;
}

function simulate({ speeds, runsToCompletion, hedge, proveTimeoutMs, knownSpeeds }: SimOpts): SimResult {
  let now = 1_700_000_000_000;
  const clock: Clock = {
    now: () => now,
    sleep: () => Promise.reject(new Error("the scheduler must not sleep")),
  };
  const s = new Scheduler({ ...defaultSchedulerOpts, hedge, proveTimeoutMs, staleAfterMs: 24_000 }, clock);
  for (const [id, speed] of Object.entries(speeds)) {
    const scaled = { ...seed, interceptMs: seed.interceptMs * speed, msPerMgas: seed.msPerMgas * speed };
    s.addEndpoint({
      id,
      proofTypes: [ZISK],
      concurrency: 1,
      runsToCompletion,
      seed: knownSpeeds ? scaled : seed,
    });
  }

  // Each simulated GPU: FIFO, one prove at a time, runs to completion whatever the client does.
  const gpus = new Map<string, { queue: Request[]; busyUntil: number; current?: Request }>(
    Object.keys(speeds).map((id) => [id, { queue: [], busyUntil: 0 }]),
  );
  const events: { at: number; seq: number; fn: () => void }[] = [];
  let seq = 0;
  const at = (t: number, fn: () => void) => events.push({ at: t, seq: seq++, fn });
  const requests = new Map<number, Request>();
  const runOf = new Map<string, ProvingRun>();
  const resolved = new Set<string>();
  const r: SimResult = {
    waitedAtGpu: 0,
    dispatches: 0,
    proved: 0,
    metDeadline: 0,
    failed: new Map(),
    dropped: 0,
    resolvedTwice: 0,
    ratio: {},
  };
  const resolve = (key: string) => {
    if (resolved.has(key)) r.resolvedTwice++;
    resolved.add(key);
  };

  const complete = (attemptId: number, outcome: AttemptOutcome) => {
    const d = s.complete(attemptId, outcome);
    if (d.kind === "job_complete") {
      r.proved++;
      if (d.metDeadline) r.metDeadline++;
      resolve(d.rootHex);
      for (const id of d.cancel) {
        const req = requests.get(id);
        if (req) req.abandoned = true;
      }
    } else if (d.kind === "job_failed") {
      r.failed.set(d.reason, (r.failed.get(d.reason) ?? 0) + 1);
      resolve(d.rootHex);
    }
  };

  const startNext = (id: string) => {
    const gpu = gpus.get(id);
    if (!gpu || gpu.current) return;
    const req = gpu.queue.shift();
    if (!req) return;
    gpu.current = req;
    const ms =
      req.run.provingMs === undefined ? 5_000 : req.run.provingMs * (speeds[id] ?? 1) * noise(req.run, id);
    gpu.busyUntil = now + ms;
    const startedAt = now;
    at(now + ms, () => {
      gpu.current = undefined;
      if (!req.abandoned) {
        req.abandoned = true;
        complete(
          req.attemptId,
          req.run.status === "ok"
            ? { ok: true, elapsedMs: now - startedAt }
            : { ok: false, reason: "proving_error", error: "zkVM crashed", elapsedMs: now - startedAt },
        );
      }
      startNext(id);
    });
  };

  const pump = () => {
    const { dispatches, dropped } = s.takeDispatches();
    for (const d of dropped) {
      r.dropped++;
      resolve(d.rootHex);
    }
    for (const d of dispatches) {
      const run = runOf.get(d.rootHex);
      const gpu = gpus.get(d.endpointId);
      if (!run || !gpu) throw new Error("dispatch for an unknown block or GPU");
      r.dispatches++;
      if (gpu.current || gpu.queue.length > 0) r.waitedAtGpu++;
      const req: Request = { attemptId: d.attemptId, run, abandoned: false };
      requests.set(d.attemptId, req);
      gpu.queue.push(req);
      const sent = now;
      at(now + d.timeoutMs, () => {
        if (req.abandoned) return;
        req.abandoned = true;
        complete(d.attemptId, {
          ok: false,
          reason: "proving_timeout",
          error: "client timeout",
          elapsedMs: now - sent,
        });
      });
      startNext(d.endpointId);
    }
    const wake = s.nextWakeAt();
    if (wake !== undefined) at(wake, () => {});
  };

  const start = now;
  runs.forEach((run, i) => {
    at(start + i * SLOT_MS, () => {
      const rootHex = `0x${run.blockNumber.toString(16).padStart(64, "0")}`;
      runOf.set(rootHex, run);
      const d = s.submit({ rootHex, proofType: ZISK, gasUsed: run.gasUsed, seenAt: now });
      if (d.kind === "rejected") {
        r.dropped++;
        resolve(rootHex);
      }
    });
  });

  while (events.length > 0) {
    events.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const e = events.shift();
    if (!e) break;
    now = Math.max(now, e.at);
    e.fn();
    pump();
  }
  for (const st of s.status()) r.ratio[st.id] = st.models[0]?.ratioMean ?? Number.NaN;
  expect(resolved.size).toBe(runs.length);
  expect(s.jobCount()).toBe(0);
  return r;
}

describe("scheduler simulation on real proving times", () => {
  // Three boxes of unequal speed, a client timeout shorter than many runs: abandoned runs abound.
  const uneven = { fast: 0.7, mid: 0.9, slow: 1.2 };
  const tracked = simulate({ speeds: uneven, runsToCompletion: true, hedge: true, proveTimeoutMs: 15_000 });
  const untracked = simulate({
    speeds: uneven,
    runsToCompletion: false,
    hedge: true,
    proveTimeoutMs: 15_000,
  });
  // Measured boxes ~1.7× as fast as the data: blocks land around the 10 s deadline.
  const near = { a: 0.6, b: 0.6, c: 0.6 };
  const common = { speeds: near, runsToCompletion: true, proveTimeoutMs: 60_000, knownSpeeds: true };
  const hedged = simulate({ ...common, hedge: true });
  const single = simulate({ ...common, hedge: false });
  if (process.env.SIM_DEBUG) {
    const show = (v: unknown) => JSON.stringify(v, (_k, x) => (x instanceof Map ? [...x] : x));
    console.log(show({ tracked, untracked, hedged, single }));
  }

  it("resolves every block exactly once", () => {
    for (const r of [tracked, untracked, hedged, single]) {
      expect(r.resolvedTwice).toBe(0);
      expect(r.proved + r.dropped + [...r.failed.values()].reduce((a, b) => a + b, 0)).toBe(BLOCKS);
    }
  });

  it("learns which GPU is fast", () => {
    const { fast, mid, slow } = tracked.ratio;
    expect(fast).toBeLessThan(mid ?? 0);
    expect(mid).toBeLessThan(slow ?? 0);
    // Near the true factor 0.7 (the seed's own ratio is ~1).
    expect(fast).toBeGreaterThan(0.55);
    expect(fast).toBeLessThan(0.85);
  });

  it("keeps GPUs still running abandoned proves out of the plan", () => {
    expect(untracked.waitedAtGpu).toBeGreaterThan(0);
    expect(tracked.waitedAtGpu).toBeLessThan(untracked.waitedAtGpu);
    // Fewer client timeouts, because no prove is sent to a GPU that still has an unwanted one.
    expect(tracked.failed.get("proving_timeout") ?? 0).toBeLessThan(
      untracked.failed.get("proving_timeout") ?? 0,
    );
  });

  it("hedging meets the deadline at least as often as one endpoint per block", () => {
    expect(hedged.metDeadline).toBeGreaterThan(single.metDeadline);
    expect(hedged.dispatches).toBeGreaterThan(single.dispatches);
  });
});
