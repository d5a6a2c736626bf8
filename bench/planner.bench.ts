// Capacity planner figures on the real proving data (8x5090, ZisK v0.16.1, reth v1.11.0): real-time
// coverage for 1/2/4/8 clusters, with and without hedging, and the planner's own run time.
import { planCapacity } from "../src/planner/plan.ts";
import { type BenchFigure, medianMs } from "./figure.ts";

const combo = { hardware: "8x5090", zkvm: "zisk-v0.16.1", el: "reth-v1.11.0" };

export async function run(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [];
  const isolated = planCapacity({ ...combo, clusters: 1 }).isolated;
  figures.push({
    name: "planner.isolated_coverage",
    value: isolated.coverage * 100,
    unit: "%",
    target: "data: 8%",
  });
  figures.push({
    name: "planner.isolated_p50_ms",
    value: isolated.p50Ms,
    unit: "ms",
    target: "data: 16.1 s",
  });
  for (const clusters of [1, 2, 4, 8]) {
    for (const hedge of [false, true]) {
      const plan = planCapacity({ ...combo, clusters, hedge, jitter: hedge ? 0.1 : 0 });
      const tag = `planner.coverage_${clusters}c${hedge ? "_hedge_jitter0.1" : ""}`;
      figures.push({ name: tag, value: plan.realtime.coverage * 100, unit: "%" });
    }
  }
  figures.push({
    name: "planner.simulate_500_blocks_8c_ms",
    value: await medianMs(() => planCapacity({ ...combo, clusters: 8, hedge: true }), 9, 2),
    unit: "ms",
  });
  return figures;
}
