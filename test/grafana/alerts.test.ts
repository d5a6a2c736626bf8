// The Prometheus alert rules shipped beside the dashboard (grafana/alerts/eproof.rules.yaml): promtool
// accepts them, they query only what eproof exports, and promtool's rule unit tests fire each alert on
// the series that should fire it (and not on healthy ones).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exposedSeries, metricNames, selectorLabels, TARGET_LABELS } from "./promql.ts";
import { metricsWithSamples } from "./sampleMetrics.ts";

const RULES = "grafana/alerts/eproof.rules.yaml";
const PROMTOOL = "/usr/bin/promtool";

interface Rule {
  alert: string;
  expr: string;
}

const rules = (parse(readFileSync(RULES, "utf8")) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);

describe("alert rules", () => {
  it("cover coverage, upstreams, peers and proving failures", () => {
    expect(rules.map((r) => r.alert)).toEqual([
      "EproofCoverageBelowTarget",
      "EproofUpstreamDown",
      "EproofNoPeers",
      "EproofProvingFailures",
    ]);
  });

  it("query only metric names and labels eproof exports", async () => {
    const series = exposedSeries(await metricsWithSamples().scrape());
    const problems: string[] = [];
    for (const r of rules) {
      for (const name of metricNames(r.expr)) if (!series.has(name)) problems.push(`${r.alert}: ${name}`);
      for (const [metric, label] of selectorLabels(r.expr))
        if (!TARGET_LABELS.has(label) && !series.get(metric)?.has(label))
          problems.push(`${r.alert}: ${metric}{${label}}`);
    }
    expect(problems).toEqual([]);
  });

  it.skipIf(!existsSync(PROMTOOL))("pass promtool check rules and fire in promtool's unit tests", () => {
    const check = spawnSync(PROMTOOL, ["check", "rules", RULES], { encoding: "utf8", timeout: 30_000 });
    expect(check.stdout + check.stderr).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(check.status).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), "eproof-alerts-"));
    try {
      const target = { job: "eproof", instance: "eproof:9500" };
      const l = (extra: Record<string, string> = {}) =>
        `{${Object.entries({ ...target, ...extra })
          .map(([k, v]) => `${k}="${v}"`)
          .join(",")}}`;
      const tests = {
        rule_files: [resolve(RULES)],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: [
              { series: `eproof_coverage_ratio${l()}`, values: "0.9x30" },
              { series: `eproof_coverage_window_blocks${l()}`, values: "100x30" },
              // Never reached since the start: 0 from the first scrape.
              { series: `eproof_upstream_up${l({ upstream: "execution" })}`, values: "0x30" },
              { series: `eproof_upstream_up${l({ upstream: "beacon" })}`, values: "1x30" },
              { series: `eproof_peers${l({ kind: "all" })}`, values: "0x30" },
              {
                series: `eproof_proof_failures_total${l({ proof_type: "reth-zisk", reason: "execution_unreachable" })}`,
                values: "0+1x30",
              },
            ],
            alert_rule_test: [
              {
                eval_time: "20m",
                alertname: "EproofCoverageBelowTarget",
                exp_alerts: [
                  {
                    exp_labels: { ...target, severity: "warning" },
                    exp_annotations: {
                      summary: "eproof eproof:9500: coverage 90% is below the 99% target",
                      description:
                        "Fewer than 99% of the last blocks had a proof ready within proving.deadlineMs. Look at eproof_proof_failures_total{reason} and the pipeline stage latencies on the dashboard.",
                    },
                  },
                ],
              },
              {
                eval_time: "5m",
                alertname: "EproofUpstreamDown",
                exp_alerts: [
                  {
                    exp_labels: { ...target, upstream: "execution", severity: "critical" },
                    exp_annotations: {
                      summary: "eproof eproof:9500: execution is down",
                      description:
                        "eproof could not reach execution for 2 minutes (beacon: --beacon.url, execution: --execution.url, prover:*: proving.backends). GET /health says why.",
                    },
                  },
                ],
              },
              {
                eval_time: "15m",
                alertname: "EproofNoPeers",
                exp_alerts: [
                  {
                    exp_labels: { ...target, kind: "all", severity: "warning" },
                    exp_annotations: {
                      summary: "eproof eproof:9500: no p2p peers",
                      description:
                        "No libp2p peers for 10 minutes: proofs are neither gossiped nor received. Check p2p.bootnodes / p2p.staticPeers and that the p2p port is reachable.",
                    },
                  },
                ],
              },
              {
                eval_time: "25m",
                alertname: "EproofProvingFailures",
                exp_alerts: [
                  {
                    exp_labels: {
                      ...target,
                      proof_type: "reth-zisk",
                      reason: "execution_unreachable",
                      severity: "warning",
                    },
                    exp_annotations: {
                      summary: "eproof eproof:9500: reth-zisk proofs failing (execution_unreachable)",
                      description:
                        "Proofs of reth-zisk failed for 10 minutes with reason execution_unreachable (see README, Operating: failure reasons).",
                    },
                  },
                ],
              },
              // Not before the `for` durations.
              { eval_time: "1m", alertname: "EproofUpstreamDown", exp_alerts: [] },
              { eval_time: "5m", alertname: "EproofCoverageBelowTarget", exp_alerts: [] },
            ],
          },
        ],
      };
      const file = join(dir, "tests.yaml");
      writeFileSync(file, JSON.stringify(tests));
      const r = spawnSync(PROMTOOL, ["test", "rules", file], { encoding: "utf8", timeout: 30_000 });
      expect(r.stdout + r.stderr).toContain("SUCCESS");
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

if (!existsSync(PROMTOOL)) {
  console.warn(`SKIPPED promtool alert checks: ${PROMTOOL} is missing (apt-get install -y prometheus)`);
}
