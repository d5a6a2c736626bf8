// `npm run bench [-- --json] [-- --only <prefix>]`: runs every bench/*.bench.ts and prints its figures,
// as a table or (with --json) one JSON line per figure: {"name","value","unit"}.
import { readdirSync } from "node:fs";
import type { BenchFigure, BenchModule } from "./figure.ts";

const args = process.argv.slice(2);
const json = args.includes("--json");
const onlyIdx = args.indexOf("--only");
const only = onlyIdx >= 0 ? args[onlyIdx + 1] : undefined;

const dir = new URL(".", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .sort();

let failed = 0;
for (const file of files) {
  if (only && !file.startsWith(only)) continue;
  const mod = (await import(new URL(file, dir).href)) as BenchModule;
  let figures: BenchFigure[];
  try {
    figures = await mod.run();
  } catch (e) {
    failed++;
    process.stderr.write(`bench ${file} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    continue;
  }
  for (const f of figures) {
    if (json) process.stdout.write(`${JSON.stringify({ name: f.name, value: f.value, unit: f.unit })}\n`);
    else {
      const target = f.target ? `  (target ${f.target})` : "";
      process.stdout.write(
        `${f.name.padEnd(44)} ${String(Number(f.value.toFixed(3))).padStart(12)} ${f.unit}${target}\n`,
      );
    }
  }
}
process.exitCode = failed > 0 ? 1 : 0;
