// Per-endpoint proving-time model, learned online: a gas-linear baseline from a seed (the real
// benchmark data via src/proving/models/seed.ts, or configuration) times a correction ratio whose
// mean and variance are exponentially weighted over the endpoint's observed runs.
import { EproofError } from "../../util/errors.ts";

/** What a model starts from; `SeedModel` from src/proving/models/seed.ts satisfies it. */
export interface PredictorSeed {
  /** Baseline ≈ interceptMs + msPerMgas × gasUsed / 1e6. */
  interceptMs: number;
  msPerMgas: number;
  /** Median and p90 of actual / baseline in the seed data (default 1 and 1.25). */
  ratioP50?: number;
  ratioP90?: number;
}

export interface PredictorOpts {
  /** Weight of the newest observation (0 < alpha ≤ 1). */
  alpha: number;
  /** Floor of the ratio's standard deviation, so a lucky streak never makes the model certain. */
  minStdRatio: number;
}

export const defaultPredictorOpts: PredictorOpts = { alpha: 0.2, minStdRatio: 0.05 };

export interface Prediction {
  meanMs: number;
  stdMs: number;
}

// z of the 90th percentile of a normal distribution: turns the seed's p50..p90 gap into a std.
const Z90 = 1.2816;

export function validatePredictorSeed(seed: PredictorSeed, what: string): void {
  const ok =
    Number.isFinite(seed.interceptMs) &&
    seed.interceptMs >= 0 &&
    Number.isFinite(seed.msPerMgas) &&
    seed.msPerMgas >= 0 &&
    seed.interceptMs + seed.msPerMgas > 0 &&
    (seed.ratioP50 === undefined || (Number.isFinite(seed.ratioP50) && seed.ratioP50 > 0)) &&
    (seed.ratioP90 === undefined || (Number.isFinite(seed.ratioP90) && seed.ratioP90 > 0));
  if (!ok) {
    throw new EproofError(
      "BAD_CONFIG",
      `${what}: a proving-time seed needs non-negative interceptMs and msPerMgas (not both 0) and positive ratios`,
    );
  }
}

export class ProvingTimeModel {
  private readonly seed: PredictorSeed;
  private readonly opts: PredictorOpts;
  private ratioMean: number;
  private ratioVar: number;
  private observed = 0;

  constructor(seed: PredictorSeed, opts: PredictorOpts = defaultPredictorOpts) {
    validatePredictorSeed(seed, "predictor");
    if (!(opts.alpha > 0 && opts.alpha <= 1))
      throw new EproofError("BAD_CONFIG", `predictor alpha ${opts.alpha} is not in (0, 1]`);
    this.seed = seed;
    this.opts = opts;
    const p50 = seed.ratioP50 ?? 1;
    const p90 = Math.max(seed.ratioP90 ?? p50 * 1.25, p50);
    this.ratioMean = p50;
    const std = Math.max((p90 - p50) / Z90, opts.minStdRatio);
    this.ratioVar = std * std;
  }

  private baselineMs(gasUsed: number): number {
    return Math.max(1, this.seed.interceptMs + (this.seed.msPerMgas * Math.max(0, gasUsed)) / 1e6);
  }

  predict(gasUsed: number): Prediction {
    const base = this.baselineMs(gasUsed);
    const std = Math.max(Math.sqrt(this.ratioVar), this.opts.minStdRatio);
    return { meanMs: base * this.ratioMean, stdMs: base * std };
  }

  /** Learns from a finished run (or from a lower bound, e.g. a run abandoned after `ms`). */
  observe(gasUsed: number, ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    const r = ms / this.baselineMs(gasUsed);
    const a = this.opts.alpha;
    const diff = r - this.ratioMean;
    // Exponentially weighted mean and variance (West's incremental form).
    this.ratioMean += a * diff;
    this.ratioVar = (1 - a) * (this.ratioVar + a * diff * diff);
    this.observed++;
  }

  snapshot(): { ratioMean: number; ratioStd: number; observed: number; msPerMgas: number } {
    return {
      ratioMean: this.ratioMean,
      ratioStd: Math.sqrt(this.ratioVar),
      observed: this.observed,
      msPerMgas: this.seed.msPerMgas * this.ratioMean,
    };
  }
}
