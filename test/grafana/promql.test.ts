import { describe, expect, it } from "vitest";
import {
  exposedSeries,
  groupingLabels,
  metricNames,
  selectorLabels,
  substituteGrafanaVars,
} from "./promql.ts";

describe("PromQL reading helpers", () => {
  const expr = substituteGrafanaVars(
    'histogram_quantile(0.9, sum by (le, stage) (rate(eproof_x_bucket{stage="total",a!~"b"}[$__rate_interval]))) / on (job) eproof_y * 2e3',
  );

  it("finds metric names, skipping functions, keywords, labels, numbers and durations", () => {
    expect(expr).toContain("[1m]");
    expect(metricNames(expr).sort()).toEqual(["eproof_x_bucket", "eproof_y"]);
  });

  it("finds selector and grouping labels", () => {
    expect(selectorLabels(expr)).toEqual([
      ["eproof_x_bucket", "stage"],
      ["eproof_x_bucket", "a"],
    ]);
    expect(groupingLabels(expr)).toEqual(["le", "stage"]);
  });

  it("reads series and their labels from an exposition", () => {
    const s = exposedSeries('# HELP a x\n# TYPE a counter\na_total{k="v",j="w"} 1\nb 2\n');
    expect([...(s.get("a_total") ?? [])]).toEqual(["k", "j"]);
    expect(s.has("b")).toBe(true);
  });
});
