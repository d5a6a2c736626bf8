// `npm run fuzz -- --runs N [--seed S] [paths…]`: the fuzz suite (test/fuzz) with N inputs per property
// (FUZZ_RUNS; HTTP properties run N / 200), then a summary of the inputs run from test-output/fuzz-runs.jsonl.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const args = process.argv.slice(2);
let runs = "100000";
let seed: string | undefined;
const paths: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] ?? "";
  if (a === "--runs") runs = args[++i] ?? runs;
  else if (a.startsWith("--runs=")) runs = a.slice(7);
  else if (a === "--seed") seed = args[++i];
  else if (a.startsWith("--seed=")) seed = a.slice(7);
  else if (a === "--help" || a === "-h") {
    console.log("npm run fuzz -- [--runs N (inputs per property, default 100000)] [--seed S] [test files]");
    process.exit(0);
  } else paths.push(a);
}
if (!/^\d+$/.test(runs) || Number(runs) < 1) {
  console.error(`--runs must be a positive integer, got "${runs}"`);
  process.exit(2);
}
const LOG = "test-output/fuzz-runs.jsonl";
rmSync(LOG, { force: true });
const started = Date.now();
const res = spawnSync(
  "npx",
  ["vitest", "run", ...(paths.length ? paths : ["test/fuzz"]), "--outputFile.json=test-output/vitest-fuzz.json"],
  { stdio: "inherit", env: { ...process.env, FUZZ_RUNS: runs, ...(seed ? { FUZZ_SEED: seed } : {}) } },
);
let total = 0;
if (existsSync(LOG)) {
  for (const line of readFileSync(LOG, "utf8").split("\n")) {
    if (!line) continue;
    const r = JSON.parse(line) as { name: string; inputs: number };
    total += r.inputs;
    console.log(`${String(r.inputs).padStart(10)}  ${r.name}`);
  }
}
console.log(`fuzz: ${total} inputs in ${((Date.now() - started) / 1000).toFixed(0)} s, exit ${res.status}`);
process.exit(res.status ?? 1);
