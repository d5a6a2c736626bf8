import { describe, expect, it } from "vitest";
import type { ApiMetrics } from "../../src/api/options.ts";
import type { ChainMetrics } from "../../src/beacon/interface.ts";
import type { ExecutionMetrics } from "../../src/execution/interface.ts";
import type { FleetMetrics } from "../../src/fleet/interface.ts";
import type { GatewayMetrics } from "../../src/gateway/options.ts";
import { createMetrics } from "../../src/metrics/index.ts";
import type { P2pMetrics } from "../../src/p2p/interface.ts";
import type { ProofServiceMetrics } from "../../src/proving/service.ts";

function sample(text: string, name: string, labels = ""): number | undefined {
  const prefix = labels === "" ? `${name} ` : `${name}{${labels}} `;
  const line = text.split("\n").find((l) => l.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

describe("EproofMetrics as every domain's metrics", () => {
  it("tells the two recordWitnessFetch contracts apart", async () => {
    const m = createMetrics({ processMetrics: false });
    const proofService: ProofServiceMetrics = m;
    const execution: ExecutionMetrics = m;
    proofService.recordWitnessFetch(1_200, false);
    execution.recordWitnessFetch("debug_executionWitnessByBlockHash", 800, true);
    const text = await m.scrape();
    expect(sample(text, "eproof_proof_service_witness_waits_total", 'ok="false"')).toBe(1);
    expect(sample(text, "eproof_proof_service_witness_wait_seconds_sum")).toBe(1.2);
    expect(
      sample(text, "eproof_witness_fetches_total", 'method="debug_executionWitnessByBlockHash",ok="true"'),
    ).toBe(1);
    expect(
      sample(text, "eproof_witness_fetch_seconds_sum", 'method="debug_executionWitnessByBlockHash"'),
    ).toBe(0.8);
  });

  it("tells the gateway's and the execution client's recordRpcCall apart", async () => {
    const m = createMetrics({ processMetrics: false });
    const gateway: GatewayMetrics = m;
    const execution: ExecutionMetrics = m;
    gateway.recordRpcCall("engine_newPayloadV4", false, 250);
    execution.recordRpcCall("debug_executionWitness", 40, true);
    const text = await m.scrape();
    expect(sample(text, "eproof_gateway_rpc_calls_total", 'method="engine_newPayloadV4",ok="false"')).toBe(1);
    expect(sample(text, "eproof_gateway_rpc_seconds_sum", 'method="engine_newPayloadV4"')).toBe(0.25);
    expect(
      sample(text, "eproof_execution_rpc_calls_total", 'method="debug_executionWitness",ok="true"'),
    ).toBe(1);
    expect(sample(text, "eproof_execution_rpc_seconds_sum", 'method="debug_executionWitness"')).toBe(0.04);
  });

  it("labels proof type ids with their names and maps attempt outcomes", async () => {
    const m = createMetrics({ processMetrics: false });
    const svc: ProofServiceMetrics = m;
    svc.recordAttemptResult("gpu0", 6, "ok", 9_000, 6_000);
    svc.recordAttemptResult("gpu0", 6, "witness_timeout", 12_000, 6_000);
    svc.recordAttemptResult("gpu1", 200, "proving_error", 3_000, 6_000);
    svc.recordProofLatency(6, 9_500, true);
    svc.recordVerification(0xf0, 3, false);
    const text = await m.scrape();
    expect(
      sample(text, "eproof_proofs_total", 'proof_type="reth-zisk",endpoint="gpu0",outcome="success"'),
    ).toBe(1);
    expect(
      sample(text, "eproof_proofs_total", 'proof_type="reth-zisk",endpoint="gpu0",outcome="timeout"'),
    ).toBe(1);
    expect(sample(text, "eproof_proofs_total", 'proof_type="id_200",endpoint="gpu1",outcome="failure"')).toBe(
      1,
    );
    expect(sample(text, "eproof_scheduler_prediction_ratio_sum", 'endpoint="gpu0"')).toBe(1.5);
    expect(sample(text, "eproof_proof_deadline_total", 'proof_type="reth-zisk",met="true"')).toBe(1);
    expect(sample(text, "eproof_verifications_total", 'proof_type="eproof-reexec",result="invalid"')).toBe(1);
  });

  it("records p2p, API, chain and fleet contracts", async () => {
    const m = createMetrics({ processMetrics: false, gpuPrices: { "RTX 5090": 2000 } });
    const p2p: P2pMetrics = m;
    const api: ApiMetrics = m;
    const chain: ChainMetrics = m;
    const fleet: FleetMetrics = m;
    p2p.recordGossipReceived();
    p2p.recordGossipIgnored("already_seen");
    p2p.recordGossipRejected("invalid_proof");
    p2p.recordPeers(9);
    p2p.recordReqRespServed("execution_proofs_by_range", 3);
    p2p.recordReqRespError("execution_proofs_by_root", 3);
    api.recordApiRequest("/v1/proof_types", 200, 1);
    api.recordSseClients(4);
    chain.recordStage("witness_fetch", 600);
    chain.recordUpstreamError("beacon_events", "stream_drop");
    fleet.recordGpu({
      index: 0,
      uuid: "GPU-a",
      name: "NVIDIA GeForce RTX 5090",
      powerDrawW: 480,
      utilizationPct: 50,
    });
    // A later reading without power keeps the last known power.
    fleet.recordGpu({ index: 0, uuid: "GPU-a", name: "NVIDIA GeForce RTX 5090", temperatureC: 66 });
    const text = await m.scrape();
    expect(sample(text, "eproof_gossip_received_total")).toBe(1);
    expect(
      sample(
        text,
        "eproof_gossip_messages_total",
        'topic="execution_proof",result="ignore",reason="already_seen"',
      ),
    ).toBe(1);
    expect(sample(text, "eproof_peers", 'kind="all"')).toBe(9);
    expect(sample(text, "eproof_reqresp_chunks_total", 'method="execution_proofs_by_range"')).toBe(3);
    expect(
      sample(text, "eproof_reqresp_requests_total", 'method="execution_proofs_by_root",result="3"'),
    ).toBe(1);
    expect(
      sample(text, "eproof_http_requests_total", 'server="api",route="/v1/proof_types",status="200"'),
    ).toBe(1);
    expect(sample(text, "eproof_api_sse_clients")).toBe(4);
    expect(sample(text, "eproof_pipeline_stage_seconds_count", 'stage="witness_fetch"')).toBe(1);
    expect(sample(text, "eproof_upstream_errors_total", 'upstream="beacon_events",kind="stream_drop"')).toBe(
      1,
    );
    expect(sample(text, "eproof_gpu_power_watts", 'gpu="0",model="NVIDIA GeForce RTX 5090"')).toBe(480);
    expect(sample(text, "eproof_gpu_temperature_celsius", 'gpu="0",model="NVIDIA GeForce RTX 5090"')).toBe(
      66,
    );
    expect(sample(text, "eproof_fleet_capex_usd")).toBe(2000);
  });

  it("bounds free-text reason labels", async () => {
    const m = createMetrics({ processMetrics: false });
    for (let i = 0; i < 50; i++) m.recordWitnessRejected(`missing node ${i}`);
    const text = await m.scrape();
    const series = text.split("\n").filter((l) => l.startsWith("eproof_witness_rejected_total{"));
    expect(series).toHaveLength(21);
    expect(sample(text, "eproof_witness_rejected_total", 'reason="other"')).toBe(30);
  });
});

describe("detached recording functions", () => {
  it("keep working when passed around without their object", async () => {
    const m = createMetrics({ processMetrics: false });
    const record: ApiMetrics["recordApiRequest"] = m.recordApiRequest;
    record("/health", 200, 1);
    const peers = m.recordPeers;
    peers(3);
    const text = await m.scrape();
    expect(sample(text, "eproof_http_requests_total", 'server="api",route="/health",status="200"')).toBe(1);
    expect(sample(text, "eproof_peers", 'kind="all"')).toBe(3);
  });
});

describe("energy per proof from the endpoint's GPUs", () => {
  it("integrates the GPUs behind an endpoint (by index or UUID) over a successful attempt", async () => {
    let now = 0;
    const clock = { now: () => now, sleep: async () => {} };
    const m = createMetrics({ processMetrics: false, clock, endpointGpus: { cluster: [0, "GPU-b"] } });
    const fleet: FleetMetrics = m;
    for (const t of [0, 5_000, 10_000]) {
      now = t;
      fleet.recordGpu({ index: 0, uuid: "GPU-a", name: "RTX 5090", powerDrawW: 400 });
      fleet.recordGpu({ index: 1, uuid: "GPU-b", name: "RTX 5090", powerDrawW: 500 });
    }
    // 8 s prove ending at t = 10 s on both GPUs: (400 + 500) W x 8 s.
    m.recordAttemptResult("cluster", 6, "ok", 8_000, 8_000);
    m.recordAttemptResult("cluster", 6, "proving_error", 8_000, 8_000);
    m.recordAttemptResult("unmapped", 6, "ok", 8_000, 8_000);
    const text = await m.scrape();
    expect(sample(text, "eproof_proof_energy_joules_count", 'proof_type="reth-zisk"')).toBe(1);
    expect(sample(text, "eproof_energy_joules_total", 'proof_type="reth-zisk"')).toBeCloseTo(7_200, 6);
  });
});
