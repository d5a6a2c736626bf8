// Regenerates docs/metrics.md from the real registry (names, types, labels and help text), so the
// document cannot drift from what /metrics serves. Run: node scripts/gen-metrics-doc.ts
import { writeFileSync } from "node:fs";
import { createMetrics } from "../src/metrics/index.ts";
import { recordSamples } from "../test/grafana/sampleMetrics.ts";

const m = createMetrics({ gpuPrices: { "RTX 5090": 2000 }, version: "doc" });
recordSamples(m, 0);
const families = await m.registry.getMetricsAsJSON();

const rows: string[] = [];
let processFamilies = 0;
for (const f of families) {
  if (/^(process|nodejs)_/.test(f.name)) {
    processFamilies++;
    continue;
  }
  const labels = new Set<string>();
  for (const v of f.values) for (const k of Object.keys(v.labels)) if (k !== "le") labels.add(k);
  const shown = [...labels].map((l) => `\`${l}\``).join(", ") || "—";
  rows.push(`| \`${f.name}\` | ${f.type} | ${shown} | ${f.help.replaceAll("|", "\\|")} |`);
}

const doc = `# eproof metrics

eproof serves Prometheus metrics at \`GET /metrics\` on the API listener (default
\`127.0.0.1:9500\`). Every name starts with \`eproof_\`, except the Node process metrics (below). Each eproof instance has its own registry
(\`createMetrics()\` in \`src/metrics/\`); the code records through named functions
(\`recordProofOutcome\`, \`recordWitnessFetch\`, …) and the domain contracts (\`ChainMetrics\`,
\`ExecutionMetrics\`, \`SchedulerMetrics\`, \`ProofServiceMetrics\`, \`P2pMetrics\`, \`FleetMetrics\`,
\`ApiMetrics\`, \`GatewayMetrics\`) are all implemented by that one object.

The Grafana dashboard in [grafana/dashboards/eproof.json](../grafana/dashboards/eproof.json) uses
these metrics (a test checks every expression against a real scrape, and a real Prometheus evaluates
them); [deploy/compose.yaml](../deploy/compose.yaml) runs eproof, Prometheus and a provisioned Grafana.
The live web dashboard is at \`/dashboard\` on the same listener.

## Reading the main ones

- **Real-time coverage** — \`eproof_coverage_ratio\`: share of the last N canonical blocks (default
  100) whose first proof was *ready* (proved and stored) within the deadline (10 s after the block was
  seen), whether or not the node signs and publishes it. The EF's target is ≥ 99%.
  \`eproof_blocks_total{outcome}\` counts \`in_time\`, \`late\`, \`missed\` (no proof) and
  \`orphaned\` (dropped by a reorg; not in the coverage) blocks.
- **Why proofs failed** — \`eproof_proof_failures_total{reason}\` (the same reason is in the
  \`proof failed\` log line and the \`proof_failure\` SSE event): \`witness_timeout\` (the execution
  client did not answer in time, or kept saying "not yet"), \`execution_unreachable\` (nothing answers
  at \`--execution.url\`, or it answers with an HTTP error), \`chain_config_unavailable\` (the EL
  serves no \`debug_chainConfig\`: give it with \`--execution.chainConfigFile <genesis.json>\`),
  \`fork_mismatch\` (a fork the spec profile writes no input for), \`witness_unavailable\` (the EL
  answered without a witness: no debug API, no such block), \`witness_invalid\` (malformed, or does
  not carry the block), \`proving_timeout\`, \`proving_error\`, \`internal_error\`.
- **Where the time goes** — \`eproof_pipeline_stage_seconds{stage}\`, buckets dense around the 10 s
  budget. Stages in block order: \`block_fetch\`, \`npr_build\`, \`witness_fetch\`, \`input_build\`,
  \`proof_queue\` (waiting for a prover), \`prove\`, \`sign\`, \`publish\`, and \`total\` (block seen
  → first proof ready); gossip side: \`gossip_validate\` (received → validation result, which
  includes verifying the proof; \`gossip_verify\` is free for a separate verification step); also
  \`gap_fill\`.
  p90 of one stage: \`histogram_quantile(0.9, sum by (le) (rate(eproof_pipeline_stage_seconds_bucket{stage="prove"}[5m])))\`.
- **Energy per proof** — \`eproof_proof_energy_joules{proof_type}\`: the board power of the GPUs that
  served a prove (nvidia-smi samples), integrated over the prove's wall time (trapezoids; the first
  and last sample are held flat at the edges), summed over the GPUs. With \`endpointGpus\` (endpoint
  id → GPU indices or UUIDs, from the fleet config) every successful prove attempt records it
  automatically; otherwise call \`recordProveEnergy({proofType, gpus, startMs, endMs})\`.
- **EF hardware targets** — \`eproof_fleet_power_watts\` against \`eproof_fleet_power_target_watts\`
  (10 kW) and \`eproof_fleet_capex_usd\` against \`eproof_fleet_capex_target_usd\` ($100k). Capex
  sums the configured price (\`metrics.gpuPrices\`, matched as a case-insensitive fragment of
  nvidia-smi's model name, longest key first) of every GPU seen; GPUs without a price are counted in
  \`eproof_fleet_unpriced_gpus\` instead.
- **Proof types** are labelled by name (\`reth-zisk\`), from the proof-type table; an id missing from
  the table shows as \`id_<n>\`. Free-text reasons (witness rejections, JWT failures, nvidia-smi
  errors) keep their first 20 distinct values; later ones are counted as \`other\`.

## Logging

At \`info\` the daemon writes exactly one line per block (\`BlockTimeline\` in
\`src/metrics/blockLog.ts\`), when the block settles (every expected proof type published or failed,
or the settle time passed): \`slot\`, \`block\`, \`gas\`, \`txs\`, \`npr_ms\`, \`witness_ms\`, \`input_ms\`,
\`queue_ms\`, \`prove_ms\`, \`sign_ms\`, \`publish_ms\`, \`total_ms\`, \`margin_ms\` (deadline − total;
negative: late), \`proofTypes\`, \`outcome\` (\`in_time\` | \`late\` | \`missed\`, or \`not_proving\`
on a verify-only node, which stays out of the coverage numbers), \`root\` and, when
some proof type failed, \`failed\` (type → reason). A stage never reached is \`null\`. Each stage
is measured from the latest mark that precedes it in the pipeline (seen → npr → witness → input →
requested → proved → signed → published), so proofs requested before the witness is in still give
honest witness, queue and prove times; without a separate witness mark, \`witness_ms\` runs to the
StatelessInput being ready. The same numbers feed \`eproof_pipeline_stage_seconds\` (stages
\`witness_fetch\`, \`input_build\`, \`proof_queue\`, \`prove\`, \`sign\`, \`publish\`, \`total\`;
\`block_fetch\`, \`npr_build\` and \`gap_fill\` come from the chain follower).

## All metrics

| name | type | labels | meaning |
| --- | --- | --- | --- |
${rows.join("\n")}

Plus ${processFamilies} Node.js process metrics from prom-client's defaults under their standard names,
\`process_*\` and \`nodejs_*\` (CPU, memory, event-loop lag, GC, handles), as every Node dashboard
expects: \`process_cpu_seconds_total\`, \`process_resident_memory_bytes\`,
\`nodejs_eventloop_lag_p99_seconds\`, … Tell instances apart by Prometheus' \`job\` and \`instance\`.

This file is generated by \`node scripts/gen-metrics-doc.ts\`.
`;

writeFileSync(new URL("../docs/metrics.md", import.meta.url), doc);
console.log(`wrote docs/metrics.md (${rows.length} metrics)`);
