// The Grafana dashboard only queries what eproof really exports: every PromQL expression is checked
// against a scrape of the real registry (names and labels) and, when promtool is installed, parsed
// by Prometheus' own parser.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  exposedSeries,
  groupingLabels,
  metricNames,
  selectorLabels,
  substituteGrafanaVars,
  TARGET_LABELS,
} from "./promql.ts";
import { metricsWithSamples } from "./sampleMetrics.ts";

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string; refId: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync("grafana/dashboards/eproof.json", "utf8")) as {
  uid: string;
  panels: Panel[];
};

function expressions(): { panel: string; expr: string }[] {
  const out: { panel: string; expr: string }[] = [];
  const walk = (ps: Panel[]) => {
    for (const p of ps) {
      for (const t of p.targets ?? []) out.push({ panel: p.title, expr: substituteGrafanaVars(t.expr) });
      walk(p.panels ?? []);
    }
  };
  walk(dashboard.panels);
  return out;
}

const PROMTOOL = "/usr/bin/promtool";

describe("grafana dashboard", () => {
  const exprs = expressions();

  it("has panels with PromQL targets and unique ids", () => {
    expect(dashboard.uid).toBe("eproof");
    expect(exprs.length).toBeGreaterThan(30);
  });

  it("queries only metric names and labels eproof exports", async () => {
    const series = exposedSeries(await metricsWithSamples().scrape());
    const problems: string[] = [];
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      if (names.length === 0) problems.push(`${panel}: no metric in ${expr}`);
      const labelsOfExpr = new Set<string>(["le", ...TARGET_LABELS]);
      for (const name of names) {
        const labels = series.get(name);
        if (labels === undefined) problems.push(`${panel}: ${name} is not exported`);
        else for (const l of labels) labelsOfExpr.add(l);
      }
      for (const [metric, label] of selectorLabels(expr)) {
        if (!TARGET_LABELS.has(label) && !series.get(metric)?.has(label))
          problems.push(`${panel}: ${metric} has no label ${label}`);
      }
      for (const label of groupingLabels(expr)) {
        if (!labelsOfExpr.has(label)) problems.push(`${panel}: no metric of "${expr}" has label ${label}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("covers every eproof metric family (process metrics aside)", async () => {
    const exposition = await metricsWithSamples().scrape();
    const families = exposition
      .split("\n")
      .filter((l) => l.startsWith("# TYPE eproof_"))
      .map((l) => l.split(" ")[2] ?? "")
      .filter((n) => !/^(process|nodejs)_/.test(n));
    const used = exprs.map((e) => e.expr).join("\n");
    const missing = families.filter((f) => !new RegExp(`\\b${f}(_bucket|_sum|_count)?\\b`).test(used));
    expect(missing).toEqual([]);
  });

  it.skipIf(!existsSync(PROMTOOL))("parses with promtool (Prometheus' own PromQL parser)", () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-promtool-"));
    try {
      const rules = {
        groups: [
          {
            name: "eproof-dashboard",
            rules: exprs.map((e, i) => ({ record: `eproof_dashboard_check_${i}`, expr: e.expr })),
          },
        ],
      };
      const file = join(dir, "rules.yaml");
      writeFileSync(file, JSON.stringify(rules));
      const r = spawnSync(PROMTOOL, ["check", "rules", file], { encoding: "utf8", timeout: 30_000 });
      expect(r.stderr + r.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("follows the job and instance variables in every query, and each panel has one unit", () => {
    const raw = JSON.parse(readFileSync("grafana/dashboards/eproof.json", "utf8")) as {
      templating: { list: { name: string }[] };
      panels: (Panel & { fieldConfig?: { defaults?: { unit?: string } } })[];
    };
    expect(raw.templating.list.map((v) => v.name)).toEqual(["datasource", "job", "instance"]);
    const unscoped: string[] = [];
    const walk = (ps: Panel[]) => {
      for (const p of ps) {
        for (const t of p.targets ?? []) {
          for (const name of metricNames(t.expr)) {
            if (!new RegExp(`\\b${name}\\{job=~"\\$job", instance=~"\\$instance"`).test(t.expr))
              unscoped.push(`${p.title}: ${name}`);
          }
        }
        walk(p.panels ?? []);
      }
    };
    walk(raw.panels);
    expect(unscoped).toEqual([]);
    // The Node process panels use the standard names and one unit each (no cores, seconds and GiB mixed).
    const units = new Map(raw.panels.map((p) => [p.title, p.fieldConfig?.defaults?.unit]));
    expect(units.get("Process CPU")).toBe("short");
    expect(units.get("Process memory (RSS)")).toBe("bytes");
    expect(units.get("Event loop lag p99")).toBe("s");
    // A series in another unit than its panel's gets it by an override (its own axis), never mixed
    // on one axis: seconds beside call rates, watts and USD beside GPU counts, proofs beside bytes.
    type Override = { matcher: { id: string; options: string }; properties: { id: string; value: string }[] };
    const overrides = new Map(
      (raw.panels as (Panel & { fieldConfig?: { overrides?: Override[] } })[]).map((p) => [
        p.title,
        new Map(
          (p.fieldConfig?.overrides ?? []).map((o) => [
            o.matcher.options,
            o.properties.find((x) => x.id === "unit")?.value,
          ]),
        ),
      ]),
    );
    expect(overrides.get("Execution client JSON-RPC")?.get("B")).toBe("s");
    expect(overrides.get("Engine API calls")?.get("B")).toBe("s");
    expect(overrides.get("Fleet")?.get("A")).toBe("watt");
    expect(overrides.get("Fleet")?.get("B")).toBe("currencyUSD");
    expect(overrides.get("Proof store")?.get("B")).toBe("short");
    expect(overrides.get("Energy per proof (median)")?.get("B")).toBe("watt");
    for (const p of raw.panels as (Panel & { fieldConfig?: { overrides?: Override[] } })[]) {
      const refs = new Set((p.targets ?? []).map((t) => t.refId));
      for (const o of p.fieldConfig?.overrides ?? []) expect(refs.has(o.matcher.options), p.title).toBe(true);
    }
  });

  it("provisions the datasource the dashboard refers to and the dashboard folder", () => {
    const ds = parse(readFileSync("grafana/provisioning/datasources/prometheus.yaml", "utf8"));
    expect(ds.datasources[0]).toMatchObject({ type: "prometheus", uid: "eproof-prometheus" });
    const raw = readFileSync("grafana/dashboards/eproof.json", "utf8");
    expect(raw).toContain('"value": "eproof-prometheus"');
    const prov = parse(readFileSync("grafana/provisioning/dashboards/eproof.yaml", "utf8"));
    expect(prov.providers[0].options.path).toBe("/var/lib/grafana/dashboards/eproof");
  });
});

if (!existsSync(PROMTOOL)) {
  console.warn(`SKIPPED promtool check: ${PROMTOOL} is missing (apt-get install -y prometheus)`);
}
