// The real zkVM proving dataset (`shared/data/zkvm-proving`, from eth-act zkevm-benchmark-runs):
// CSV rows and hardware descriptions parsed into typed records, for the planner and the seed models.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EproofError, errorMessage } from "../util/errors.ts";

export interface ProvingRun {
  hardware: string;
  elClient: string;
  zkvm: string;
  blockNumber: number;
  gasUsed: number;
  status: "ok" | "crashed";
  /** Present when status is "ok". */
  provingMs?: number;
  proofBytes?: number;
  verifyMs?: number;
}

export interface HardwareProfile {
  name: string;
  cpuModel: string;
  totalRamGib: number;
  gpuModels: string[];
}

export interface ProvingDataset {
  runs: ProvingRun[];
  hardware: Map<string, HardwareProfile>;
}

/** `<repo>/../shared/data/zkvm-proving/`, resolved from this file's location. */
export const DEFAULT_PROVING_DATA_DIR: string = fileURLToPath(
  new URL("../../../shared/data/zkvm-proving/", import.meta.url),
);

const HEADER = [
  "hardware",
  "el_client",
  "zkvm",
  "block_number",
  "gas_used",
  "status",
  "proving_ms",
  "proof_bytes",
  "verify_ms",
];

function optionalNumber(cell: string | undefined, what: string, line: number): number | undefined {
  if (cell === undefined || cell === "") return undefined;
  const n = Number(cell);
  if (!Number.isFinite(n) || n < 0) {
    throw new EproofError("BAD_INPUT", `proving-times.csv line ${line}: ${what} "${cell}" is not a number`);
  }
  return n;
}

/** Parses proving-times.csv text; the header must name the columns the planner relies on. */
export function parseProvingTimesCsv(text: string): ProvingRun[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? "").split(",");
  const index = new Map(header.map((h, i) => [h.trim(), i]));
  for (const column of HEADER) {
    if (!index.has(column)) {
      throw new EproofError("BAD_INPUT", `proving-times.csv has no "${column}" column (header: ${lines[0]})`);
    }
  }
  const col = (cells: string[], name: string): string | undefined => cells[index.get(name) ?? -1];
  const runs: ProvingRun[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i]?.trim();
    if (!raw) continue;
    const cells = raw.split(",").map((c) => c.trim());
    const lineNo = i + 1;
    const status = col(cells, "status");
    if (status !== "ok" && status !== "crashed") {
      throw new EproofError(
        "BAD_INPUT",
        `proving-times.csv line ${lineNo}: status "${status}" is not ok|crashed`,
      );
    }
    const blockNumber = optionalNumber(col(cells, "block_number"), "block_number", lineNo);
    const gasUsed = optionalNumber(col(cells, "gas_used"), "gas_used", lineNo);
    if (blockNumber === undefined || gasUsed === undefined) {
      throw new EproofError(
        "BAD_INPUT",
        `proving-times.csv line ${lineNo}: block_number and gas_used are required`,
      );
    }
    const provingMs = optionalNumber(col(cells, "proving_ms"), "proving_ms", lineNo);
    if (status === "ok" && provingMs === undefined) {
      throw new EproofError("BAD_INPUT", `proving-times.csv line ${lineNo}: an ok run has no proving_ms`);
    }
    runs.push({
      hardware: col(cells, "hardware") ?? "",
      elClient: col(cells, "el_client") ?? "",
      zkvm: col(cells, "zkvm") ?? "",
      blockNumber,
      gasUsed,
      status,
      provingMs: status === "ok" ? provingMs : undefined,
      proofBytes: optionalNumber(col(cells, "proof_bytes"), "proof_bytes", lineNo),
      verifyMs: optionalNumber(col(cells, "verify_ms"), "verify_ms", lineNo),
    });
  }
  return runs;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses hardware.json: `{name: {cpu_model, total_ram_gib, gpus: [{model}]}}`. */
export function parseHardwareJson(text: string): Map<string, HardwareProfile> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `hardware.json is not JSON: ${errorMessage(e)}`);
  }
  if (!isRecord(json))
    throw new EproofError("BAD_INPUT", "hardware.json must be an object of hardware names");
  const out = new Map<string, HardwareProfile>();
  for (const [name, value] of Object.entries(json)) {
    if (!isRecord(value) || !Array.isArray(value.gpus)) {
      throw new EproofError("BAD_INPUT", `hardware.json: "${name}" has no gpus list`);
    }
    const gpuModels = value.gpus.map((g) =>
      isRecord(g) && typeof g.model === "string" ? g.model : "unknown",
    );
    out.set(name, {
      name,
      cpuModel: typeof value.cpu_model === "string" ? value.cpu_model : "unknown",
      totalRamGib: typeof value.total_ram_gib === "number" ? value.total_ram_gib : 0,
      gpuModels,
    });
  }
  return out;
}

const datasetCache = new Map<string, ProvingDataset>();

/** Reads both files from `dir` (default: the shared data folder); cached per folder. */
export function loadProvingData(dir: string = DEFAULT_PROVING_DATA_DIR): ProvingDataset {
  const cached = datasetCache.get(dir);
  if (cached) return cached;
  const read = (file: string): string => {
    const path = `${dir.replace(/\/?$/, "/")}${file}`;
    try {
      return readFileSync(path, "utf8");
    } catch (e) {
      throw new EproofError("NOT_FOUND", `cannot read proving data ${path}: ${errorMessage(e)}`);
    }
  };
  const dataset = {
    runs: parseProvingTimesCsv(read("proving-times.csv")),
    hardware: parseHardwareJson(read("hardware.json")),
  };
  datasetCache.set(dir, dataset);
  return dataset;
}

/** The runs of one (hardware, zkvm, EL) combination in block order; unknown names list what exists. */
export function selectRuns(
  dataset: ProvingDataset,
  hardware: string,
  zkvm: string,
  el: string,
): ProvingRun[] {
  // Names match case-insensitively (8X5090 is 8x5090).
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const runs = dataset.runs
    .filter((r) => same(r.hardware, hardware) && same(r.zkvm, zkvm) && same(r.elClient, el))
    .sort((a, b) => a.blockNumber - b.blockNumber);
  if (runs.length === 0) {
    const combos = [...new Set(dataset.runs.map((r) => `${r.hardware} ${r.zkvm} ${r.elClient}`))];
    throw new EproofError(
      "NOT_FOUND",
      `no proving data for hardware "${hardware}", zkvm "${zkvm}", el "${el}" (known: ${combos.join("; ")})`,
    );
  }
  return runs;
}

/** Linear-interpolated quantile of an ascending-sorted list (q in 0..1). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] ?? Number.NaN;
  const b = sorted[hi] ?? Number.NaN;
  return a + (b - a) * (pos - lo);
}
