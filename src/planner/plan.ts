// The capacity plan: picks the data of one (hardware, zkVM, EL), runs the slot simulation and adds
// GPU count, power and capex — what `eproof plan` prints.
import { predictProvingMs, seedModelFromRuns } from "../proving/models/seed.ts";
import { EproofError } from "../util/errors.ts";
import { loadProvingData, selectRuns } from "./provingData.ts";
import { isolatedSummary, type LatencySummary, type SimulationResult, simulate } from "./simulate.ts";

export interface PlanOptions {
  hardware: string;
  zkvm: string;
  el: string;
  clusters: number;
  deadlineMs?: number;
  intervalMs?: number;
  hedge?: boolean;
  jitter?: number;
  seed?: number;
  /** Power draw per GPU under load, W. */
  wattsPerGpu?: number;
  /** Purchase price per GPU (or per GPU share of a server), any currency. */
  capexPerGpu?: number;
  dataDir?: string;
}

export const defaultPlanOptions = {
  deadlineMs: 10_000,
  intervalMs: 12_000,
  hedge: false,
  jitter: 0,
  seed: 1,
} as const;

export interface Plan {
  hardware: string;
  zkvm: string;
  el: string;
  clusters: number;
  gpusPerCluster: number;
  gpus: number;
  deadlineMs: number;
  intervalMs: number;
  hedge: boolean;
  /** Blocks arriving every interval, clusters busy to completion. */
  realtime: SimulationResult;
  /** Each block alone on an idle cluster: the data's own figures. */
  isolated: LatencySummary;
  watts?: number;
  capex?: number;
}

export function planCapacity(opts: PlanOptions): Plan {
  const deadlineMs = opts.deadlineMs ?? defaultPlanOptions.deadlineMs;
  const intervalMs = opts.intervalMs ?? defaultPlanOptions.intervalMs;
  const hedge = opts.hedge ?? defaultPlanOptions.hedge;
  const data = loadProvingData(opts.dataDir);
  // Hardware names match case-insensitively (1xl40s is 1xL40s).
  const hwName =
    [...data.hardware.keys()].find((k) => k.toLowerCase() === opts.hardware.toLowerCase()) ?? opts.hardware;
  const hw = data.hardware.get(hwName);
  if (!hw) {
    throw new EproofError(
      "NOT_FOUND",
      `unknown hardware "${opts.hardware}" (known: ${[...data.hardware.keys()].join(", ")})`,
    );
  }
  const runs = selectRuns(data, hwName, opts.zkvm, opts.el);
  const model = seedModelFromRuns(runs);
  const blocks = runs.map((r) => ({ gasUsed: r.gasUsed, provingMs: r.provingMs }));
  const realtime = simulate(blocks, {
    clusters: opts.clusters,
    deadlineMs,
    intervalMs,
    hedge,
    predictMs: (gas) => predictProvingMs(model, gas).medianMs,
    crashBusyMs: model.medianMs,
    jitter: opts.jitter ?? defaultPlanOptions.jitter,
    seed: opts.seed ?? defaultPlanOptions.seed,
  });
  const gpusPerCluster = hw.gpuModels.length;
  const gpus = gpusPerCluster * opts.clusters;
  for (const [name, v] of [
    ["watts per GPU", opts.wattsPerGpu],
    ["capex per GPU", opts.capexPerGpu],
  ] as const) {
    if (v !== undefined && !(v >= 0))
      throw new EproofError("BAD_INPUT", `${name} must be a non-negative number`);
  }
  return {
    hardware: hwName,
    zkvm: opts.zkvm,
    el: opts.el,
    clusters: opts.clusters,
    gpusPerCluster,
    gpus,
    deadlineMs,
    intervalMs,
    hedge,
    realtime,
    isolated: isolatedSummary(blocks, deadlineMs),
    watts: opts.wattsPerGpu === undefined ? undefined : opts.wattsPerGpu * gpus,
    capex: opts.capexPerGpu === undefined ? undefined : opts.capexPerGpu * gpus,
  };
}

export type TargetPlan = { reached: true; plan: Plan } | { reached: false; plan: Plan; reason: string };

/**
 * The fewest clusters (1 … maxClusters) whose real-time coverage reaches `target` (0 … 1); otherwise
 * the best plan tried and why the target is out of reach: more clusters cannot beat the isolated view
 * (each block alone on an idle cluster), so a target above it is never reached.
 */
export function planForTarget(
  opts: Omit<PlanOptions, "clusters">,
  target: number,
  maxClusters = 64,
): TargetPlan {
  if (!(target > 0 && target <= 1)) throw new EproofError("BAD_INPUT", `target ${target} must be in (0, 1]`);
  const one = planCapacity({ ...opts, clusters: 1 });
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  if (one.isolated.coverage < target) {
    return {
      reached: false,
      plan: one,
      reason: `out of reach: even alone on an idle cluster only ${pct(one.isolated.coverage)} of the blocks prove within ${one.deadlineMs / 1000} s on ${one.hardware} (p50 ${(one.isolated.p50Ms / 1000).toFixed(1)} s), so no number of clusters reaches ${pct(target)}; try faster hardware, another zkVM or a longer deadline`,
    };
  }
  let best = one;
  for (let clusters = 1; clusters <= maxClusters; clusters++) {
    const plan = clusters === 1 ? one : planCapacity({ ...opts, clusters });
    if (plan.realtime.coverage >= target) return { reached: true, plan };
    if (plan.realtime.coverage > best.realtime.coverage) best = plan;
  }
  return {
    reached: false,
    plan: best,
    reason: `out of reach within ${maxClusters} clusters: the best was ${pct(best.realtime.coverage)} with ${best.clusters}`,
  };
}

/** The one-line JSON form (`eproof plan --json`); `figures` picks which view fills the top-level keys. */
export function planToJson(
  plan: Plan,
  figures: "realtime" | "isolated" = "realtime",
): Record<string, unknown> {
  const top = figures === "realtime" ? plan.realtime : plan.isolated;
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x) : null);
  return {
    coverage: Number(top.coverage.toFixed(4)),
    p50_ms: round(top.p50Ms),
    p90_ms: round(top.p90Ms),
    p99_ms: round(top.p99Ms),
    gpus: plan.gpus,
    figures,
    hardware: plan.hardware,
    zkvm: plan.zkvm,
    el: plan.el,
    clusters: plan.clusters,
    gpus_per_cluster: plan.gpusPerCluster,
    deadline_ms: plan.deadlineMs,
    interval_ms: plan.intervalMs,
    hedge: plan.hedge,
    blocks: plan.realtime.blocks,
    realtime: {
      coverage: Number(plan.realtime.coverage.toFixed(4)),
      p50_ms: round(plan.realtime.p50Ms),
      p90_ms: round(plan.realtime.p90Ms),
      p99_ms: round(plan.realtime.p99Ms),
      proved: plan.realtime.proved,
      on_time: plan.realtime.onTime,
      dropped: plan.realtime.dropped,
      crashed: plan.realtime.crashed,
      hedges: plan.realtime.hedges,
      utilization: Number(plan.realtime.utilization.toFixed(3)),
    },
    isolated: {
      coverage: Number(plan.isolated.coverage.toFixed(4)),
      p50_ms: round(plan.isolated.p50Ms),
      p90_ms: round(plan.isolated.p90Ms),
      p99_ms: round(plan.isolated.p99Ms),
    },
    ...(plan.watts === undefined ? {} : { watts: plan.watts }),
    ...(plan.capex === undefined ? {} : { capex: plan.capex }),
  };
}
