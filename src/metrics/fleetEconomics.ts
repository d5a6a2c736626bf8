// Fleet cost and power against the EF's real-time proving targets: at most 10 kW and $100k of hardware.
// Prices come from config (`metrics.gpuPrices`), keyed by a model name fragment such as "RTX 5090".

export const FLEET_POWER_TARGET_WATTS = 10_000;
export const FLEET_CAPEX_TARGET_USD = 100_000;

/**
 * The configured price of a GPU model as nvidia-smi names it ("NVIDIA GeForce RTX 5090"): an exact
 * key wins, else the longest key contained in the model name (case-insensitive); undefined if none.
 */
export function gpuPrice(prices: Readonly<Record<string, number>>, model: string): number | undefined {
  const exact = prices[model];
  if (exact !== undefined) return exact;
  const lower = model.toLowerCase();
  let best: { key: string; usd: number } | undefined;
  for (const [key, usd] of Object.entries(prices)) {
    if (key.length === 0 || !lower.includes(key.toLowerCase())) continue;
    if (best === undefined || key.length > best.key.length) best = { key, usd };
  }
  return best?.usd;
}

export interface FleetCapex {
  usd: number;
  /** Models with no configured price (not counted in `usd`). */
  unpriced: string[];
}

export function fleetCapex(prices: Readonly<Record<string, number>>, models: readonly string[]): FleetCapex {
  let usd = 0;
  const unpriced = new Set<string>();
  for (const model of models) {
    const price = gpuPrice(prices, model);
    if (price === undefined) unpriced.add(model);
    else usd += price;
  }
  return { usd, unpriced: [...unpriced] };
}
