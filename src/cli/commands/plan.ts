// `eproof plan`: how many clusters of which hardware prove what share of blocks within the deadline,
// simulated on the real proving data.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  defaultPlanOptions,
  type Plan,
  planCapacity,
  planForTarget,
  planToJson,
} from "../../planner/plan.ts";
import { DEFAULT_PROVING_DATA_DIR } from "../../planner/provingData.ts";
import { EproofError } from "../../util/errors.ts";

interface PlanArgs {
  hardware: string;
  zkvm: string;
  el: string;
  clusters: number;
  target?: number;
  deadline: number;
  interval: number;
  hedge: boolean;
  jitter: number;
  seed: number;
  "gpu-watts"?: number;
  "gpu-capex"?: number;
  data: string;
  isolated: boolean;
  json: boolean;
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : "n/a";
}

function describePlan(plan: Plan): string {
  const r = plan.realtime;
  const i = plan.isolated;
  const lines = [
    `${plan.clusters} × ${plan.hardware} (${plan.gpus} GPUs), ${plan.zkvm} + ${plan.el}, deadline ${seconds(plan.deadlineMs)}, a block every ${seconds(plan.intervalMs)}${plan.hedge ? ", hedging" : ""}`,
    `real time: ${(r.coverage * 100).toFixed(1)}% of ${r.blocks} blocks proved in time; p50 ${seconds(r.p50Ms)}, p90 ${seconds(r.p90Ms)}, p99 ${seconds(r.p99Ms)}`,
    `           ${r.proved} proved, ${r.dropped} dropped (no free cluster before the deadline), ${r.crashed} crashed, ${r.hedges} hedges, utilization ${(r.utilization * 100).toFixed(0)}%`,
    `isolated (the data's own view, each block on an idle cluster): ${(i.coverage * 100).toFixed(1)}% in time; p50 ${seconds(i.p50Ms)}, p90 ${seconds(i.p90Ms)}, p99 ${seconds(i.p99Ms)}`,
  ];
  if (plan.watts !== undefined) lines.push(`power: ${plan.watts} W for the GPUs`);
  if (plan.capex !== undefined) lines.push(`capex: ${plan.capex.toLocaleString("en-US")} USD for the GPUs`);
  return lines.join("\n");
}

export const planCommand: CommandModule<object, PlanArgs> = {
  command: "plan",
  describe: "Simulate proving capacity (coverage, latency, GPUs, power, capex) on the real zkVM proving data",
  builder: (y: Argv) =>
    y
      .option("hardware", {
        type: "string",
        demandOption: true,
        describe: "Hardware of one cluster, as in hardware.json (e.g. 8x5090, 1xL40s)",
      })
      .option("zkvm", {
        type: "string",
        demandOption: true,
        describe: "zkVM and version, as in the data (e.g. zisk-v0.16.1)",
      })
      .option("el", {
        type: "string",
        demandOption: true,
        describe: "EL guest, as in the data (e.g. reth-v1.11.0)",
      })
      .option("clusters", {
        type: "number",
        default: 1,
        describe: "Number of clusters; each proves one block at a time",
      })
      .option("target", {
        type: "number",
        describe:
          "Find the fewest clusters whose real-time coverage reaches this share (e.g. 0.99), instead of --clusters; exit 1 and say why when it is out of reach",
      })
      .option("deadline", {
        type: "number",
        default: defaultPlanOptions.deadlineMs / 1000,
        describe: "Seconds after a block's arrival within which its proof counts",
      })
      .option("interval", {
        type: "number",
        default: defaultPlanOptions.intervalMs / 1000,
        describe: "Seconds between blocks (slot time)",
      })
      .option("hedge", {
        type: "boolean",
        default: false,
        describe: "Start a second copy on a free cluster when the first is predicted to miss",
      })
      .option("jitter", {
        type: "number",
        default: defaultPlanOptions.jitter,
        describe: "Assumed run-to-run spread (log-normal sigma) of proving times; 0 = the data as measured",
      })
      .option("seed", {
        type: "number",
        default: defaultPlanOptions.seed,
        describe: "Random seed for --jitter",
      })
      .option("gpu-watts", { type: "number", describe: "Power per GPU under load, W (adds total watts)" })
      .option("gpu-capex", { type: "number", describe: "Price per GPU in USD (adds total capex)" })
      .option("data", {
        type: "string",
        default: DEFAULT_PROVING_DATA_DIR,
        describe: "Folder holding proving-times.csv and hardware.json",
      })
      .option("isolated", {
        type: "boolean",
        default: true,
        describe:
          "Top-level JSON keys from the isolated view (each block on its own idle cluster: the data's own " +
          "figures, an upper bound); --no-isolated puts the real-time simulation there (a block every " +
          "--interval seconds on N clusters that stay busy until each prove finishes). Both are in the JSON.",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print one JSON line: coverage, p50_ms, p90_ms, p99_ms, gpus, and details",
      }) as unknown as Argv<PlanArgs>,
  handler: (args: ArgumentsCamelCase<PlanArgs>) => {
    const common = {
      hardware: args.hardware,
      zkvm: args.zkvm,
      el: args.el,
      deadlineMs: args.deadline * 1000,
      intervalMs: args.interval * 1000,
      hedge: args.hedge,
      jitter: args.jitter,
      seed: args.seed,
      wattsPerGpu: args["gpu-watts"],
      capexPerGpu: args["gpu-capex"],
      dataDir: args.data,
    };
    let plan: Plan;
    if (args.target !== undefined) {
      const found = planForTarget(common, args.target);
      if (!found.reached) throw new EproofError("BAD_INPUT", found.reason);
      plan = found.plan;
    } else plan = planCapacity({ ...common, clusters: args.clusters });
    process.stdout.write(
      args.json
        ? `${JSON.stringify(planToJson(plan, args.isolated ? "isolated" : "realtime"))}\n`
        : `${describePlan(plan)}\n`,
    );
  },
};
