// Regenerates grafana/dashboards/eproof.json: the Grafana dashboard over eproof's /metrics.
// Run: node scripts/gen-grafana-dashboard.ts   (test/grafana checks every expression against a real scrape)
import { writeFileSync } from "node:fs";

const RATE = "$__rate_interval";
const DS = { type: "prometheus", uid: "${datasource}" };

interface Target {
  expr: string;
  legend?: string;
  /** A unit other than the panel's: the series gets it (and the right-hand axis) by an override. */
  unit?: string;
}

interface PanelSpec {
  title: string;
  type: "timeseries" | "stat" | "gauge" | "heatmap" | "bargauge";
  targets: Target[];
  w: number;
  h: number;
  unit?: string;
  description?: string;
  /** Threshold steps [value, colour]; the first value is ignored (base). */
  thresholds?: [number | null, string][];
  min?: number;
  max?: number;
}

/** Label matchers every selector gets, so the dashboard follows the job / instance variables. */
const SCOPE = 'job=~"$job", instance=~"$instance"';
const PROMQL_WORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/**
 * Adds SCOPE to every metric selector of a PromQL expression: `name` becomes `name{SCOPE}` and
 * `name{a="x"}` becomes `name{SCOPE, a="x"}`. Strings, ranges, grouping clauses, function names,
 * keywords and number exponents are left alone.
 */
export function scoped(expr: string): string {
  let out = "";
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? "";
    if (c === '"') {
      const end = expr.indexOf('"', i + 1);
      out += expr.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    if (c === "[") {
      const end = expr.indexOf("]", i);
      out += expr.slice(i, end + 1);
      i = end + 1;
      continue;
    }
    const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    const ident = m[0];
    const prev = expr[i - 1];
    const rest = expr.slice(i + ident.length);
    const next = rest.trimStart();
    i += ident.length;
    if (["by", "without", "on", "ignoring", "group_left", "group_right"].includes(ident)) {
      // The label list in parentheses is copied as is.
      const open = expr.indexOf("(", i);
      const close = expr.indexOf(")", open);
      if (open !== -1 && expr.slice(i, open).trim() === "") {
        out += ident + expr.slice(i, close + 1);
        i = close + 1;
        continue;
      }
      out += ident;
      continue;
    }
    const aggregation = /^(by|without)\b/.test(next); // sum by (le) (...)
    if (
      (prev !== undefined && /[0-9.]/.test(prev)) ||
      next.startsWith("(") ||
      aggregation ||
      PROMQL_WORDS.has(ident)
    ) {
      out += ident;
      continue;
    }
    if (rest.startsWith("{")) {
      const close = expr.indexOf("}", i);
      const inner = expr.slice(i + 1, close).trim();
      out += `${ident}{${SCOPE}${inner ? `, ${inner}` : ""}}`;
      i = close + 1;
    } else {
      out += `${ident}{${SCOPE}}`;
    }
  }
  return out;
}

const q = (quantile: number, metric: string, by: string, filter = "") =>
  `histogram_quantile(${quantile}, sum by (le${by ? `, ${by}` : ""}) (rate(${metric}_bucket${filter}[${RATE}])))`;

const rows: { title: string; panels: PanelSpec[] }[] = [
  {
    title: "Real time: proof within 10 s of the block",
    panels: [
      {
        title: "Coverage (last N blocks)",
        type: "gauge",
        w: 5,
        h: 7,
        unit: "percentunit",
        min: 0,
        max: 1,
        description: "Share of the last N blocks with a proof published within the deadline; EF target >= 99%",
        thresholds: [
          [null, "red"],
          [0.9, "orange"],
          [0.99, "green"],
        ],
        targets: [{ expr: "eproof_coverage_ratio", legend: "coverage" }],
      },
      {
        title: "Time to first proof (block seen -> proof ready)",
        type: "timeseries",
        w: 10,
        h: 7,
        unit: "s",
        thresholds: [
          [null, "green"],
          [10, "red"],
        ],
        targets: [
          { expr: q(0.5, "eproof_pipeline_stage_seconds", "", '{stage="total"}'), legend: "p50" },
          { expr: q(0.9, "eproof_pipeline_stage_seconds", "", '{stage="total"}'), legend: "p90" },
          { expr: q(0.99, "eproof_pipeline_stage_seconds", "", '{stage="total"}'), legend: "p99" },
        ],
      },
      {
        title: "Blocks by outcome",
        type: "timeseries",
        w: 9,
        h: 7,
        unit: "short",
        targets: [
          { expr: `sum by (outcome) (increase(eproof_blocks_total[${RATE}]))`, legend: "{{outcome}}" },
          { expr: "eproof_coverage_window_blocks", legend: "blocks in coverage window" },
        ],
      },
      {
        title: "Stage latency p90",
        type: "timeseries",
        w: 12,
        h: 8,
        unit: "s",
        description: "npr_build, witness_fetch, input_build, proof_queue, prove, sign, publish; gossip_validate/verify",
        targets: [{ expr: q(0.9, "eproof_pipeline_stage_seconds", "stage"), legend: "{{stage}}" }],
      },
      {
        title: "Time to first proof (distribution)",
        type: "heatmap",
        w: 6,
        h: 8,
        unit: "s",
        targets: [
          {
            expr: `sum by (le) (increase(eproof_pipeline_stage_seconds_bucket{stage="total"}[${RATE}]))`,
            legend: "{{le}}",
          },
        ],
      },
      {
        title: "Deadline margin p10",
        type: "stat",
        w: 6,
        h: 8,
        unit: "s",
        description: "10% of blocks had less margin than this (negative: late)",
        thresholds: [
          [null, "red"],
          [0, "orange"],
          [1, "green"],
        ],
        targets: [{ expr: q(0.1, "eproof_deadline_margin_seconds", ""), legend: "margin p10" }],
      },
    ],
  },
  {
    title: "Proofs",
    panels: [
      {
        title: "Proofs by type and outcome",
        type: "timeseries",
        w: 8,
        h: 8,
        unit: "ops",
        targets: [
          {
            expr: `sum by (proof_type, outcome) (rate(eproof_proofs_total[${RATE}]))`,
            legend: "{{proof_type}} {{outcome}}",
          },
        ],
      },
      {
        title: "Failures and timeouts by endpoint",
        type: "timeseries",
        w: 8,
        h: 8,
        unit: "ops",
        targets: [
          {
            expr: `sum by (endpoint, outcome) (rate(eproof_proofs_total{outcome!="success"}[${RATE}]))`,
            legend: "{{endpoint}} {{outcome}}",
          },
        ],
      },
      {
        title: "Prove time p90 by type",
        type: "timeseries",
        w: 8,
        h: 8,
        unit: "s",
        targets: [{ expr: q(0.9, "eproof_prove_seconds", "proof_type"), legend: "{{proof_type}}" }],
      },
      {
        title: "Verifications",
        type: "timeseries",
        w: 12,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (proof_type, result) (rate(eproof_verifications_total[${RATE}]))`,
            legend: "{{proof_type}} {{result}}",
          },
        ],
      },
      {
        title: "Verify time p99",
        type: "timeseries",
        w: 12,
        h: 7,
        unit: "s",
        targets: [{ expr: q(0.99, "eproof_verify_seconds", "proof_type"), legend: "{{proof_type}}" }],
      },
      {
        title: "Proof latency p90 by type (block seen -> ready)",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "s",
        thresholds: [
          [null, "green"],
          [10, "red"],
        ],
        targets: [{ expr: q(0.9, "eproof_proof_latency_seconds", "proof_type"), legend: "{{proof_type}}" }],
      },
      {
        title: "Proofs within the deadline by type",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "percentunit",
        targets: [
          {
            expr: `sum by (proof_type) (rate(eproof_proof_deadline_total{met="true"}[${RATE}])) / sum by (proof_type) (rate(eproof_proof_deadline_total[${RATE}]))`,
            legend: "{{proof_type}}",
          },
        ],
      },
      {
        title: "Proof failures by reason",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (proof_type, reason) (rate(eproof_proof_failures_total[${RATE}]))`,
            legend: "{{proof_type}} {{reason}}",
          },
        ],
      },
      {
        title: "Scheduler: jobs started and dropped",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (endpoint, hedge) (rate(eproof_scheduler_scheduled_total[${RATE}]))`,
            legend: "{{endpoint}} hedge={{hedge}}",
          },
          {
            expr: `sum by (proof_type, reason) (rate(eproof_scheduler_dropped_total[${RATE}]))`,
            legend: "dropped {{proof_type}} {{reason}}",
          },
        ],
      },
      {
        title: "Scheduler queue depth",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "short",
        targets: [{ expr: "eproof_scheduler_queue_depth", legend: "{{endpoint}}" }],
      },
      {
        title: "Prove time prediction (actual / predicted, median)",
        type: "timeseries",
        w: 8,
        h: 7,
        unit: "short",
        description: "1 = the scheduler predicted the prove time exactly; above 1 it was optimistic",
        targets: [{ expr: q(0.5, "eproof_scheduler_prediction_ratio", "endpoint"), legend: "{{endpoint}}" }],
      },
    ],
  },
  {
    title: "Witnesses and the execution client",
    panels: [
      {
        title: "Witness fetch p90",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "s",
        targets: [
          { expr: q(0.9, "eproof_witness_fetch_seconds", "method"), legend: "{{method}}" },
          { expr: q(0.9, "eproof_proof_service_witness_wait_seconds", ""), legend: "proof service wait" },
        ],
      },
      {
        title: "Witness fetches, waits and rejections",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (method, ok) (rate(eproof_witness_fetches_total[${RATE}]))`,
            legend: "{{method}} ok={{ok}}",
          },
          {
            expr: `sum by (ok) (rate(eproof_proof_service_witness_waits_total[${RATE}]))`,
            legend: "wait ok={{ok}}",
          },
          {
            expr: `sum by (reason) (rate(eproof_witness_rejected_total[${RATE}]))`,
            legend: "rejected {{reason}}",
          },
        ],
      },
      {
        title: "Execution client JSON-RPC",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (method, ok) (rate(eproof_execution_rpc_calls_total[${RATE}]))`,
            legend: "{{method}} ok={{ok}}",
          },
          { expr: q(0.99, "eproof_execution_rpc_seconds", "method"), legend: "p99 {{method}}", unit: "s" },
        ],
      },
      {
        title: "StatelessInput size p90",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "bytes",
        targets: [{ expr: q(0.9, "eproof_stateless_input_bytes", ""), legend: "p90" }],
      },
    ],
  },
  {
    title: "Network and upstreams",
    panels: [
      {
        title: "Peers",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "short",
        targets: [{ expr: "eproof_peers", legend: "{{kind}}" }],
      },
      {
        title: "Gossip received by result",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          { expr: `rate(eproof_gossip_received_total[${RATE}])`, legend: "received" },
          {
            expr: `sum by (result, reason) (rate(eproof_gossip_messages_total[${RATE}]))`,
            legend: "{{result}} {{reason}}",
          },
          {
            expr: `sum by (proof_type) (rate(eproof_gossip_published_total[${RATE}]))`,
            legend: "published {{proof_type}}",
          },
        ],
      },
      {
        title: "Upstream health",
        type: "stat",
        w: 6,
        h: 7,
        thresholds: [
          [null, "red"],
          [1, "green"],
        ],
        targets: [{ expr: "eproof_upstream_up", legend: "{{upstream}}" }],
      },
      {
        title: "Upstream errors",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (upstream, kind) (rate(eproof_upstream_errors_total[${RATE}]))`,
            legend: "{{upstream}} {{kind}}",
          },
        ],
      },
      {
        title: "Req/resp served",
        type: "timeseries",
        w: 24,
        h: 6,
        unit: "ops",
        targets: [
          {
            expr: `sum by (method, result) (rate(eproof_reqresp_requests_total[${RATE}]))`,
            legend: "{{method}} {{result}}",
          },
          {
            expr: `sum by (method) (rate(eproof_reqresp_chunks_total[${RATE}]))`,
            legend: "chunks {{method}}",
          },
        ],
      },
      {
        title: "Chain head and finality",
        type: "stat",
        w: 8,
        h: 5,
        targets: [
          { expr: "eproof_chain_head_slot", legend: "head slot" },
          { expr: "eproof_chain_finalized_epoch", legend: "finalized epoch" },
        ],
      },
      {
        title: "Chain events",
        type: "timeseries",
        w: 16,
        h: 5,
        unit: "short",
        targets: [
          { expr: `increase(eproof_chain_blocks_seen_total[${RATE}])`, legend: "blocks seen" },
          { expr: `sum by (fork) (increase(eproof_chain_payloads_total[${RATE}]))`, legend: "payloads {{fork}}" },
          { expr: `increase(eproof_chain_reorgs_total[${RATE}])`, legend: "reorgs" },
          { expr: `increase(eproof_chain_gap_filled_slots_total[${RATE}])`, legend: "gap-filled slots" },
          { expr: `increase(eproof_chain_stream_reconnects_total[${RATE}])`, legend: "stream reconnects" },
          { expr: q(0.9, "eproof_chain_reorg_depth", ""), legend: "reorg depth p90" },
        ],
      },
    ],
  },
  {
    title: "GPUs, energy and the EF hardware targets",
    panels: [
      {
        title: "Fleet power vs 10 kW target",
        type: "gauge",
        w: 6,
        h: 7,
        unit: "percentunit",
        min: 0,
        max: 1.2,
        thresholds: [
          [null, "green"],
          [0.8, "orange"],
          [1, "red"],
        ],
        targets: [{ expr: "eproof_fleet_power_watts / eproof_fleet_power_target_watts", legend: "power" }],
      },
      {
        title: "Fleet capex vs $100k target",
        type: "gauge",
        w: 6,
        h: 7,
        unit: "percentunit",
        min: 0,
        max: 1.2,
        description: "From metrics.gpuPrices; see eproof_fleet_unpriced_gpus for models without a price",
        thresholds: [
          [null, "green"],
          [0.8, "orange"],
          [1, "red"],
        ],
        targets: [{ expr: "eproof_fleet_capex_usd / eproof_fleet_capex_target_usd", legend: "capex" }],
      },
      {
        title: "Fleet",
        type: "stat",
        w: 6,
        h: 7,
        targets: [
          { expr: "eproof_fleet_power_watts", legend: "power", unit: "watt" },
          { expr: "eproof_fleet_capex_usd", legend: "capex", unit: "currencyUSD" },
          { expr: "sum(eproof_fleet_gpus)", legend: "GPUs" },
          { expr: "eproof_fleet_unpriced_gpus", legend: "unpriced GPUs" },
        ],
      },
      {
        title: "Energy per proof (median)",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "joule",
        targets: [
          { expr: q(0.5, "eproof_proof_energy_joules", "proof_type"), legend: "{{proof_type}}" },
          {
            expr: `sum by (proof_type) (rate(eproof_energy_joules_total[${RATE}]))`,
            legend: "{{proof_type}} power while proving",
            unit: "watt",
          },
        ],
      },
      {
        title: "GPU power",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "watt",
        targets: [{ expr: "eproof_gpu_power_watts", legend: "gpu{{gpu}} {{model}}" }],
      },
      {
        title: "GPU utilisation",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "percentunit",
        targets: [{ expr: "eproof_gpu_utilization_ratio", legend: "gpu{{gpu}}" }],
      },
      {
        title: "GPU memory used",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "percentunit",
        targets: [
          { expr: "eproof_gpu_memory_used_bytes / eproof_gpu_memory_total_bytes", legend: "gpu{{gpu}}" },
        ],
      },
      {
        title: "GPU temperature",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "celsius",
        thresholds: [
          [null, "green"],
          [83, "red"],
        ],
        targets: [
          { expr: "eproof_gpu_temperature_celsius", legend: "gpu{{gpu}}" },
          {
            expr: `sum by (reason) (increase(eproof_gpu_sample_errors_total[${RATE}]))`,
            legend: "nvidia-smi errors: {{reason}}",
            unit: "short",
          },
        ],
      },
    ],
  },
  {
    title: "Engine API gateway and proof-engine API",
    panels: [
      {
        title: "Engine API calls",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (method, ok) (rate(eproof_gateway_rpc_calls_total[${RATE}]))`,
            legend: "{{method}} ok={{ok}}",
          },
          { expr: q(0.99, "eproof_gateway_rpc_seconds", "method"), legend: "p99 {{method}}", unit: "s" },
        ],
      },
      {
        title: "engine_newPayload verdicts",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (verdict) (rate(eproof_gateway_new_payload_total[${RATE}]))`,
            legend: "{{verdict}}",
          },
          { expr: q(0.9, "eproof_gateway_new_payload_seconds", "verdict"), legend: "p90 {{verdict}}", unit: "s" },
        ],
      },
      {
        title: "Gateway upstream and auth",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "ops",
        targets: [
          {
            expr: `sum by (method, ok) (rate(eproof_gateway_upstream_calls_total[${RATE}]))`,
            legend: "upstream {{method}} ok={{ok}}",
          },
          { expr: q(0.99, "eproof_gateway_upstream_seconds", "method"), legend: "upstream p99 {{method}}", unit: "s" },
          {
            expr: `sum by (reason) (rate(eproof_gateway_auth_failures_total[${RATE}]))`,
            legend: "auth failure {{reason}}",
          },
        ],
      },
      {
        title: "Proof-engine API SSE clients",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "short",
        targets: [{ expr: "eproof_api_sse_clients", legend: "subscriptions" }],
      },
    ],
  },
  {
    title: "Node",
    panels: [
      {
        title: "Proof store",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "bytes",
        targets: [
          { expr: "eproof_store_bytes", legend: "bytes" },
          { expr: "eproof_store_proofs", legend: "proofs", unit: "short" },
          {
            expr: `sum by (source) (increase(eproof_proofs_stored_bytes_total[${RATE}]))`,
            legend: "bytes stored from {{source}}",
          },
          {
            expr: `sum by (source, proof_type) (increase(eproof_proofs_stored_total[${RATE}]))`,
            legend: "proofs stored from {{source}} {{proof_type}}",
            unit: "short",
          },
        ],
      },
      {
        title: "HTTP requests",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "reqps",
        targets: [
          {
            expr: `sum by (server, route, status) (rate(eproof_http_requests_total[${RATE}]))`,
            legend: "{{server}} {{route}} {{status}}",
          },
        ],
      },
      {
        title: "HTTP latency p99",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "s",
        targets: [{ expr: q(0.99, "eproof_http_request_seconds", "server, route"), legend: "{{server}} {{route}}" }],
      },
      {
        title: "Process CPU",
        description: "CPU cores used by the eproof process (process_cpu_seconds_total)",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "short",
        targets: [{ expr: `rate(process_cpu_seconds_total[${RATE}])`, legend: "{{instance}}" }],
      },
      {
        title: "Process memory (RSS)",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "bytes",
        targets: [{ expr: "process_resident_memory_bytes", legend: "{{instance}}" }],
      },
      {
        title: "Event loop lag p99",
        type: "timeseries",
        w: 6,
        h: 7,
        unit: "s",
        targets: [{ expr: "nodejs_eventloop_lag_p99_seconds", legend: "{{instance}}" }],
      },
      {
        title: "Version",
        type: "stat",
        w: 6,
        h: 7,
        unit: "short",
        targets: [{ expr: "count by (version) (eproof_info)", legend: "{{version}}" }],
      },
    ],
  },
];

function thresholds(steps: [number | null, string][] | undefined) {
  return {
    mode: "absolute",
    steps: (steps ?? [[null, "green"]]).map(([value, color]) => ({ color, value })),
  };
}

let id = 1;
let y = 0;
const panels: unknown[] = [];
for (const row of rows) {
  panels.push({ type: "row", title: row.title, id: id++, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y } });
  y += 1;
  let x = 0;
  let rowH = 0;
  for (const p of row.panels) {
    if (x + p.w > 24) {
      x = 0;
      y += rowH;
      rowH = 0;
    }
    panels.push({
      id: id++,
      type: p.type,
      title: p.title,
      description: p.description ?? "",
      datasource: DS,
      gridPos: { h: p.h, w: p.w, x, y },
      fieldConfig: {
        defaults: {
          unit: p.unit ?? "short",
          ...(p.min === undefined ? {} : { min: p.min }),
          ...(p.max === undefined ? {} : { max: p.max }),
          thresholds: thresholds(p.thresholds),
          ...(p.type === "timeseries" && p.thresholds
            ? { custom: { thresholdsStyle: { mode: "line+area" } } }
            : {}),
        },
        // One unit per axis: a series in another unit than the panel's gets its own (right) axis.
        overrides: p.targets.flatMap((t, i) =>
          t.unit === undefined || t.unit === (p.unit ?? "short")
            ? []
            : [
                {
                  matcher: { id: "byFrameRefID", options: String.fromCharCode(65 + i) },
                  properties: [
                    { id: "unit", value: t.unit },
                    ...(p.type === "timeseries" ? [{ id: "custom.axisPlacement", value: "right" }] : []),
                  ],
                },
              ],
        ),
      },
      options:
        p.type === "heatmap"
          ? { calculate: false, yAxis: { unit: "s" }, color: { scheme: "Oranges", mode: "scheme" } }
          : p.type === "timeseries"
            ? { legend: { displayMode: "list", placement: "bottom" }, tooltip: { mode: "multi" } }
            : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false } },
      targets: p.targets.map((t, i) => ({
        refId: String.fromCharCode(65 + i),
        datasource: DS,
        expr: scoped(t.expr),
        legendFormat: t.legend ?? "",
        ...(p.type === "heatmap" ? { format: "heatmap" } : {}),
      })),
    });
    x += p.w;
    rowH = Math.max(rowH, p.h);
  }
  y += rowH;
}

const dashboard = {
  uid: "eproof",
  title: "eproof: execution proofs",
  description: "EIP-8025 proving pipeline, coverage within the 10 s budget, gossip, GPUs and the EF hardware targets",
  tags: ["eproof", "eip-8025", "ethereum"],
  timezone: "utc",
  schemaVersion: 39,
  version: 1,
  editable: true,
  refresh: "10s",
  time: { from: "now-1h", to: "now" },
  templating: {
    list: [
      {
        name: "datasource",
        label: "Prometheus",
        type: "datasource",
        query: "prometheus",
        current: { text: "Prometheus", value: "eproof-prometheus" },
        hide: 0,
      },
      {
        name: "job",
        label: "job",
        type: "query",
        datasource: DS,
        query: { query: "label_values(eproof_info, job)", refId: "job" },
        definition: "label_values(eproof_info, job)",
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: ".+",
        current: { text: "All", value: "$__all" },
        hide: 0,
      },
      {
        name: "instance",
        label: "instance",
        type: "query",
        datasource: DS,
        query: { query: 'label_values(eproof_info{job=~"$job"}, instance)', refId: "instance" },
        definition: 'label_values(eproof_info{job=~"$job"}, instance)',
        refresh: 2,
        multi: true,
        includeAll: true,
        allValue: ".+",
        current: { text: "All", value: "$__all" },
        hide: 0,
      },
    ],
  },
  annotations: { list: [] },
  links: [],
  panels,
};

const out = new URL("../grafana/dashboards/eproof.json", import.meta.url);
writeFileSync(out, `${JSON.stringify(dashboard, null, 2)}\n`);
console.log(`wrote ${out.pathname} (${panels.length} panels)`);
