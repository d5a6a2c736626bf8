// nvidia-smi inventory and telemetry: the exact query eproof runs and a strict parser of its CSV
// (`--format=csv,noheader,nounits`). Pure; running the command is the sampler's job.
import { EproofError } from "../util/errors.ts";
import type { GpuSample } from "./interface.ts";

export const NVIDIA_SMI_FIELDS = [
  "index",
  "uuid",
  "name",
  "memory.total",
  "memory.used",
  "power.draw",
  "power.limit",
  "utilization.gpu",
  "temperature.gpu",
] as const;

export const NVIDIA_SMI_ARGS: readonly string[] = [
  `--query-gpu=${NVIDIA_SMI_FIELDS.join(",")}`,
  "--format=csv,noheader,nounits",
];

/** Values nvidia-smi prints when a field has no reading on this GPU or driver. */
const MISSING = new Set(["[N/A]", "N/A", "[Not Supported]", "[Unknown Error]", "[Insufficient Permissions]"]);

function reading(cell: string, field: string, lineNo: number): number | undefined {
  if (MISSING.has(cell)) return undefined;
  const n = Number(cell);
  if (cell === "" || !Number.isFinite(n) || n < 0) {
    throw new EproofError("BAD_INPUT", `nvidia-smi line ${lineNo}: ${field} "${cell}" is not a number`);
  }
  return n;
}

/** Parses the query's output; blank lines are skipped, any malformed line is a BAD_INPUT error. */
export function parseNvidiaSmiCsv(text: string): GpuSample[] {
  const samples: GpuSample[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim();
    if (!line) continue;
    const lineNo = i + 1;
    const cells = line.split(",").map((c) => c.trim());
    if (cells.length !== NVIDIA_SMI_FIELDS.length) {
      throw new EproofError(
        "BAD_INPUT",
        `nvidia-smi line ${lineNo}: expected ${NVIDIA_SMI_FIELDS.length} fields (${NVIDIA_SMI_FIELDS.join(",")}), got ${cells.length}: ${line.slice(0, 120)}`,
      );
    }
    const [index, uuid, name, memTotal, memUsed, powerDraw, powerLimit, util, temp] = cells as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (!/^\d+$/.test(index)) {
      throw new EproofError("BAD_INPUT", `nvidia-smi line ${lineNo}: index "${index}" is not a GPU index`);
    }
    if (!/^(GPU|MIG)-[0-9a-fA-F-]+$/.test(uuid)) {
      throw new EproofError("BAD_INPUT", `nvidia-smi line ${lineNo}: uuid "${uuid}" is not a GPU UUID`);
    }
    samples.push({
      index: Number(index),
      uuid,
      name,
      memoryTotalMiB: reading(memTotal, "memory.total", lineNo),
      memoryUsedMiB: reading(memUsed, "memory.used", lineNo),
      powerDrawW: reading(powerDraw, "power.draw", lineNo),
      powerLimitW: reading(powerLimit, "power.limit", lineNo),
      utilizationPct: reading(util, "utilization.gpu", lineNo),
      temperatureC: reading(temp, "temperature.gpu", lineNo),
    });
  }
  const seen = new Set<number>();
  for (const s of samples) {
    if (seen.has(s.index)) throw new EproofError("BAD_INPUT", `nvidia-smi lists GPU index ${s.index} twice`);
    seen.add(s.index);
  }
  return samples;
}
