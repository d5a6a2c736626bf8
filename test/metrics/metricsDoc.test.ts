import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { metricsWithSamples } from "../grafana/sampleMetrics.ts";

describe("docs/metrics.md", () => {
  it("documents every exported metric with its type and labels", async () => {
    const doc = readFileSync("docs/metrics.md", "utf8");
    const families = await metricsWithSamples().registry.getMetricsAsJSON();
    const missing: string[] = [];
    for (const f of families) {
      if (/^(process|nodejs)_/.test(f.name)) continue;
      const row = doc.split("\n").find((l) => l.startsWith(`| \`${f.name}\` |`));
      if (row === undefined || !row.includes(`| ${f.type} |`)) {
        missing.push(f.name);
        continue;
      }
      for (const v of f.values) {
        for (const label of Object.keys(v.labels)) {
          if (label !== "le" && !row.includes(`\`${label}\``)) missing.push(`${f.name}{${label}}`);
        }
      }
    }
    expect(missing, "run: node scripts/gen-metrics-doc.ts").toEqual([]);
  });
});
