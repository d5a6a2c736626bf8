// Seed models: predicted proving time vs gas for one (hardware, zkVM, EL guest), from the real
// benchmark data, so the scheduler's online per-endpoint model starts from measured figures.
import { loadProvingData, type ProvingRun, quantile, selectRuns } from "../../planner/provingData.ts";
import { EproofError } from "../../util/errors.ts";

export interface SeedBucket {
  /** Gas range [minGas, maxGas] of the blocks in this bucket. */
  minGas: number;
  maxGas: number;
  samples: number;
  medianMs: number;
  p90Ms: number;
}

export interface SeedModel {
  hardware: string;
  zkvm: string;
  el: string;
  /** Runs in the data, including crashed ones. */
  samples: number;
  /** Share of runs that crashed (count as failures). */
  crashRate: number;
  medianMs: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Least-squares fit over ok runs: provingMs ≈ interceptMs + msPerMgas × gasUsed / 1e6. */
  interceptMs: number;
  msPerMgas: number;
  /** Quantiles of actual / fitted time, so a prediction keeps the data's spread at any gas. */
  ratioP50: number;
  ratioP90: number;
  /** Equal-count gas buckets (up to 5), for display and sanity checks. */
  buckets: SeedBucket[];
}

export interface ProvingTimePrediction {
  medianMs: number;
  p90Ms: number;
}

const BUCKETS = 5;

/** Builds a seed model from runs of one combination (pure). */
export function seedModelFromRuns(runs: readonly ProvingRun[]): SeedModel {
  const first = runs[0];
  const ok = runs.filter((r): r is ProvingRun & { provingMs: number } => r.provingMs !== undefined);
  if (!first || ok.length < 2) {
    throw new EproofError("BAD_INPUT", "a seed model needs at least two successful runs");
  }
  const times = ok.map((r) => r.provingMs).sort((a, b) => a - b);
  const n = ok.length;
  const meanGas = ok.reduce((s, r) => s + r.gasUsed / 1e6, 0) / n;
  const meanMs = times.reduce((s, t) => s + t, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const r of ok) {
    const dx = r.gasUsed / 1e6 - meanGas;
    sxy += dx * (r.provingMs - meanMs);
    sxx += dx * dx;
  }
  const msPerMgas = sxx > 0 ? Math.max(0, sxy / sxx) : 0;
  const interceptMs = Math.max(1, meanMs - msPerMgas * meanGas);
  const ratios = ok
    .map((r) => r.provingMs / (interceptMs + (msPerMgas * r.gasUsed) / 1e6))
    .sort((a, b) => a - b);

  const byGas = [...ok].sort((a, b) => a.gasUsed - b.gasUsed);
  const buckets: SeedBucket[] = [];
  const size = Math.ceil(n / BUCKETS);
  for (let i = 0; i < n; i += size) {
    const slice = byGas.slice(i, i + size);
    const sorted = slice.map((r) => r.provingMs).sort((a, b) => a - b);
    buckets.push({
      minGas: slice[0]?.gasUsed ?? 0,
      maxGas: slice[slice.length - 1]?.gasUsed ?? 0,
      samples: slice.length,
      medianMs: quantile(sorted, 0.5),
      p90Ms: quantile(sorted, 0.9),
    });
  }
  return {
    hardware: first.hardware,
    zkvm: first.zkvm,
    el: first.elClient,
    samples: runs.length,
    crashRate: (runs.length - n) / runs.length,
    medianMs: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    p99Ms: quantile(times, 0.99),
    meanMs,
    interceptMs,
    msPerMgas,
    ratioP50: quantile(ratios, 0.5),
    ratioP90: quantile(ratios, 0.9),
    buckets,
  };
}

/**
 * Seed model for one combination from the shared data, e.g.
 * `seedModel("8x5090", "zisk-v0.16.1", "reth-v1.11.0")`. Unknown names throw NOT_FOUND listing
 * the known combinations.
 */
export function seedModel(
  hardware: string,
  zkvm: string,
  el: string,
  opts: { dataDir?: string } = {},
): SeedModel {
  return seedModelFromRuns(selectRuns(loadProvingData(opts.dataDir), hardware, zkvm, el));
}

/** Predicted median and p90 proving time for a block of `gasUsed` gas (pure). */
export function predictProvingMs(model: SeedModel, gasUsed: number | bigint): ProvingTimePrediction {
  const mgas = Number(gasUsed) / 1e6;
  const fitted = model.interceptMs + model.msPerMgas * mgas;
  return { medianMs: fitted * model.ratioP50, p90Ms: fitted * model.ratioP90 };
}

export interface SeedCombination {
  hardware: string;
  zkvm: string;
  el: string;
  runs: number;
}

/** Every (hardware, zkVM, EL) combination the data holds, for config validation and `--help`. */
export function listSeedCombinations(opts: { dataDir?: string } = {}): SeedCombination[] {
  const counts = new Map<string, SeedCombination>();
  for (const r of loadProvingData(opts.dataDir).runs) {
    const key = `${r.hardware}\u0000${r.zkvm}\u0000${r.elClient}`;
    const c = counts.get(key) ?? { hardware: r.hardware, zkvm: r.zkvm, el: r.elClient, runs: 0 };
    c.runs++;
    counts.set(key, c);
  }
  return [...counts.values()];
}

function versionKey(zkvm: string): number[] {
  return (/v(\d+(?:\.\d+)*)/.exec(zkvm)?.[1] ?? "0").split(".").map(Number);
}

function newerFirst(a: SeedCombination, b: SeedCombination): number {
  const va = versionKey(a.zkvm);
  const vb = versionKey(b.zkvm);
  for (let i = 0; i < Math.max(va.length, vb.length); i++) {
    const d = (vb[i] ?? 0) - (va[i] ?? 0);
    if (d !== 0) return d;
  }
  return b.runs - a.runs;
}

/**
 * Seed model for a proof type name such as "reth-zisk" on `hardware`: the newest zkVM version of
 * that family with that EL guest in the data, or undefined when the data has none (e.g. SP1 on 8x5090).
 */
export function seedModelForProofType(
  proofTypeName: string,
  hardware: string,
  opts: { dataDir?: string } = {},
): SeedModel | undefined {
  const [el, family] = proofTypeName.split("-");
  if (!el || !family) return undefined;
  const best = listSeedCombinations(opts)
    .filter(
      (c) =>
        c.hardware === hardware &&
        c.zkvm.startsWith(`${family}-`) &&
        (c.el === el || c.el.startsWith(`${el}-`)),
    )
    .sort(newerFirst)[0];
  return best ? seedModel(best.hardware, best.zkvm, best.el, opts) : undefined;
}
