// `eproof gpus`: the GPUs of this host (nvidia-smi) and the health of each proving endpoint.
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { loadConfig } from "../../config/loader.ts";
import { checkEndpointHealth, type EndpointHealth } from "../../fleet/health.ts";
import type { GpuSample } from "../../fleet/interface.ts";
import { queryGpus } from "../../fleet/sampler.ts";
import { errorMessage } from "../../util/errors.ts";

interface GpusArgs {
  endpoint: string[];
  config?: string;
  "nvidia-smi": string;
  json: boolean;
}

const show = (v: number | undefined, unit: string) => (v === undefined ? "n/a" : `${v}${unit}`);

function gpuLine(g: GpuSample): string {
  return `  ${g.index}  ${g.name}  mem ${show(g.memoryUsedMiB, "")}/${show(g.memoryTotalMiB, " MiB")}  power ${show(g.powerDrawW, "")}/${show(g.powerLimitW, " W")}  util ${show(g.utilizationPct, "%")}  ${show(g.temperatureC, "°C")}  ${g.uuid}`;
}

export const gpusCommand: CommandModule<object, GpusArgs> = {
  command: "gpus",
  describe:
    "Print this host's GPUs (nvidia-smi) and the health of each ere-server / zkboost endpoint (exit 1 if one is down)",
  builder: (y: Argv) =>
    y
      .option("endpoint", {
        type: "string",
        array: true,
        default: [],
        describe: "Endpoint URL to health-check (repeatable)",
      })
      .option("config", {
        type: "string",
        describe: "eproof config file: its ere/zkboost backends are checked too",
      })
      .option("nvidia-smi", {
        type: "string",
        default: "nvidia-smi",
        describe: "Path of the nvidia-smi binary",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print one JSON object instead of text",
      }) as unknown as Argv<GpusArgs>,
  handler: async (args: ArgumentsCamelCase<GpusArgs>) => {
    const urls = [...args.endpoint];
    if (args.config) {
      for (const b of loadConfig({ file: args.config }).proving.backends)
        if (b.kind === "ere" || b.kind === "zkboost") urls.push(b.url);
    }
    let gpus: GpuSample[] = [];
    let gpuError: string | undefined;
    try {
      gpus = await queryGpus(undefined, args["nvidia-smi"]);
    } catch (e) {
      gpuError = errorMessage(e);
    }
    const health: EndpointHealth[] = await Promise.all([...new Set(urls)].map((u) => checkEndpointHealth(u)));
    // A down endpoint (or one that is no prover) is a failed check: exit 1, as a health probe expects.
    const down = health.filter((h) => !h.ok).length;
    if (down > 0) process.exitCode = 1;
    if (args.json) {
      process.stdout.write(`${JSON.stringify({ gpus, gpuError, endpoints: health })}\n`);
      return;
    }
    const out: string[] = [];
    if (gpuError) out.push(`GPUs: none found (${gpuError})`);
    else out.push(`GPUs: ${gpus.length}`, ...gpus.map(gpuLine));
    if (health.length === 0) out.push("Endpoints: none given (use --endpoint URL or --config FILE)");
    else {
      out.push(`Endpoints: ${health.length}`);
      for (const h of health) {
        out.push(
          `  ${h.ok ? "ok  " : "DOWN"}  ${h.url}${h.kind ? ` (${h.kind === "ere" ? "ere-server" : "zkboost"})` : ""}  ${Math.round(h.ms)} ms${h.detail ? `  ${h.detail}` : ""}`,
        );
      }
    }
    process.stdout.write(`${out.join("\n")}\n`);
  },
};
