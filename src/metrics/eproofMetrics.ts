// eproof's Prometheus metrics: one prom-client Registry per instance (no globals, so tests and several
// nodes in one process never collide) and small named recording functions, so the hot path reads as
// intent ("recordProofOutcome") rather than as Prometheus calls. Every name starts with `eproof_`.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { ApiMetrics } from "../api/options.ts";
import type { ChainMetrics } from "../beacon/interface.ts";
import type { ExecutionMetrics, WitnessMethod } from "../execution/interface.ts";
import type { GpuSample as FleetGpuSample, FleetMetrics } from "../fleet/interface.ts";
import type { GatewayMetrics, NewPayloadVerdict } from "../gateway/options.ts";
import type { GossipIgnoreReason, GossipRejectReason, P2pMetrics, ReqRespMethod } from "../p2p/interface.ts";
import type { ProofFailureReason } from "../proving/interface.ts";
import type { DropReason, SchedulerMetrics } from "../proving/scheduler.ts";
import type { ProofServiceMetrics } from "../proving/service.ts";
import { ProofTypeTable } from "../spec/proofTypes.ts";
import type { ProofSource } from "../store/interface.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { type BlockOutcome, RollingCoverage } from "./coverage.ts";
import { PowerHistory } from "./energy.ts";
import { FLEET_CAPEX_TARGET_USD, FLEET_POWER_TARGET_WATTS, fleetCapex } from "./fleetEconomics.ts";

/**
 * Pipeline stages, in block order: block_seen -> npr_build -> witness_fetch -> input_build ->
 * proof_queue (requested, waiting for a prover) -> prove -> sign -> publish; `total` is block seen to
 * first proof published. Gossip side: gossip_validate, gossip_verify. The follower's own stages
 * (block_fetch, gap_fill) share the histogram.
 */
export type StageName =
  | "block_fetch"
  | "npr_build"
  | "witness_fetch"
  | "input_build"
  | "gap_fill"
  | "proof_queue"
  | "prove"
  | "sign"
  | "publish"
  | "total"
  | "gossip_validate"
  | "gossip_verify";

export type ProofOutcome = "success" | "failure" | "timeout";
export type GossipResult = "accept" | "ignore" | "reject";

/** One GPU's telemetry reading (nvidia-smi). */
export interface GpuSample {
  /** Stable id: index or UUID. */
  gpu: string;
  model: string;
  powerWatts: number;
  /** 0..1 */
  utilization: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  temperatureCelsius: number;
}

export interface ProveEnergy {
  proofType: string;
  /** The GPUs that served the prove (a cluster proves on several). */
  gpus: readonly string[];
  startMs: number;
  endMs: number;
}

export interface MetricsOpts {
  /** USD per GPU model (fragment match, see fleetEconomics.ts). */
  gpuPrices?: Readonly<Record<string, number>>;
  /** Blocks in the rolling coverage window. */
  coverageWindow?: number;
  /** Collect the Node default metrics (process_*, nodejs_*: the names every Node dashboard queries). */
  processMetrics?: boolean;
  /** Build/version label for eproof_info. */
  version?: string;
  /** Turns proof type ids into label names (default: the default proof-type table). */
  proofTypes?: ProofTypeTable;
  /**
   * GPUs (nvidia-smi index or UUID) behind each proving endpoint id: a successful attempt on the
   * endpoint then records its energy (eproof_proof_energy_joules) without further calls.
   */
  endpointGpus?: Readonly<Record<string, readonly (string | number)[]>>;
  clock?: Clock;
}

export const defaultMetricsOpts = {
  coverageWindow: 100,
  processMetrics: true,
};

/** Buckets in seconds, dense around the 10 s real-time budget and up to a slow minute. */
export const STAGE_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 60,
];
const VERIFY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const ENERGY_BUCKETS_JOULES = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000];
const HTTP_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const RPC_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const PREDICTION_RATIO_BUCKETS = [0.25, 0.5, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 2, 3, 4];
const INPUT_BYTES_BUCKETS = [2 ** 18, 2 ** 19, 2 ** 20, 2 ** 21, 2 ** 22, 2 ** 23, 2 ** 24, 2 ** 25, 2 ** 26];

/** Distinct values a free-text label (an error reason) may take before the rest become "other". */
const MAX_FREE_LABEL_VALUES = 20;

/** Keeps a free-text label's cardinality bounded: the first N distinct values pass, later ones are "other". */
class BoundedLabel {
  private readonly seen = new Set<string>();
  value(raw: string): string {
    const v = raw.slice(0, 64);
    if (this.seen.has(v)) return v;
    if (this.seen.size >= MAX_FREE_LABEL_VALUES) return "other";
    this.seen.add(v);
    return v;
  }
}

/**
 * Implements every domain's `<Domain>Metrics` contract. Where two contracts use one name with
 * different arguments (recordWitnessFetch, recordRpcCall) the method is overloaded and tells the
 * callers apart by argument types; each caller's numbers go to its own metric.
 */
export type FloodDefenceAction = "cut_off" | "refused" | "dropped_unread" | "throttled";

export class EproofMetrics
  implements
    ChainMetrics,
    ExecutionMetrics,
    SchedulerMetrics,
    ProofServiceMetrics,
    P2pMetrics,
    FleetMetrics,
    ApiMetrics,
    GatewayMetrics
{
  readonly registry: Registry;
  private readonly clock: Clock;
  private readonly proofTypes: ProofTypeTable;
  private readonly gpuPrices: Readonly<Record<string, number>>;
  private readonly coverage: RollingCoverage;
  private readonly power = new PowerHistory();
  /** Last reading per GPU, for fleet totals. */
  private readonly gpus = new Map<string, GpuSample>();
  /** nvidia-smi UUID -> the index-based id the GPU metrics use. */
  private readonly gpuUuids = new Map<string, string>();
  private endpointGpus: Readonly<Record<string, readonly (string | number)[]>>;

  private readonly stageSeconds: Histogram<"stage">;
  private readonly proofs: Counter<"proof_type" | "endpoint" | "outcome">;
  private readonly proveSeconds: Histogram<"proof_type" | "endpoint">;
  private readonly blocks: Counter<"outcome">;
  private readonly coverageRatio: Gauge;
  private readonly coverageBlocks: Gauge;
  private readonly deadlineMargin: Histogram;
  private readonly verifications: Counter<"proof_type" | "result">;
  private readonly verifySeconds: Histogram<"proof_type">;
  private readonly gossipMessages: Counter<"topic" | "result" | "reason">;
  private readonly gossipPublished: Counter<"proof_type">;
  private readonly peers: Gauge<"kind">;
  private readonly storeProofs: Gauge;
  private readonly storeBytes: Gauge;
  private readonly upstreamUp: Gauge<"upstream">;
  private readonly upstreamErrors: Counter<"upstream" | "kind">;
  private readonly gpuPower: Gauge<"gpu" | "model">;
  private readonly gpuUtil: Gauge<"gpu" | "model">;
  private readonly gpuMemUsed: Gauge<"gpu" | "model">;
  private readonly gpuMemTotal: Gauge<"gpu" | "model">;
  private readonly gpuTemp: Gauge<"gpu" | "model">;
  private readonly proofEnergy: Histogram<"proof_type">;
  private readonly energyTotal: Counter<"proof_type">;
  private readonly fleetPower: Gauge;
  private readonly fleetPowerTarget: Gauge;
  private readonly fleetCapexUsd: Gauge;
  private readonly fleetCapexTarget: Gauge;
  private readonly fleetGpus: Gauge<"model">;
  private readonly fleetUnpriced: Gauge;
  private readonly blocksSeen: Counter;
  private readonly payloads: Counter<"fork">;
  private readonly reorgs: Counter;
  private readonly reorgDepth: Histogram;
  private readonly gapSlots: Counter;
  private readonly reconnects: Counter;
  private readonly headSlot: Gauge;
  private readonly finalizedEpoch: Gauge;
  private readonly httpRequests: Counter<"server" | "route" | "status">;
  private readonly httpSeconds: Histogram<"server" | "route">;
  private readonly scheduled: Counter<"proof_type" | "endpoint" | "hedge">;
  private readonly dropped: Counter<"proof_type" | "reason">;
  private readonly predictionRatio: Histogram<"endpoint">;
  private readonly proofLatency: Histogram<"proof_type">;
  private readonly proofDeadline: Counter<"proof_type" | "met">;
  private readonly queueDepth: Gauge<"endpoint">;
  private readonly witnessWaits: Counter<"ok">;
  private readonly witnessWaitSeconds: Histogram;
  private readonly proofsStored: Counter<"source" | "proof_type">;
  private readonly proofsStoredBytes: Counter<"source" | "proof_type">;
  private readonly proofFailures: Counter<"proof_type" | "reason">;
  private readonly sseClients: Gauge;
  private readonly gatewayRpc: Counter<"method" | "ok">;
  private readonly gatewayRpcSeconds: Histogram<"method">;
  private readonly newPayloads: Counter<"verdict">;
  private readonly newPayloadSeconds: Histogram<"verdict">;
  private readonly authFailures: Counter<"reason">;
  private readonly gatewayUpstream: Counter<"method" | "ok">;
  private readonly gatewayUpstreamSeconds: Histogram<"method">;
  private readonly gossipReceived: Counter;
  private readonly reqResp: Counter<"method" | "result">;
  private readonly reqRespChunks: Counter<"method">;
  private readonly floodDefence: Counter<"action">;
  private floodDefenceSeen: Partial<Record<FloodDefenceAction, number>> = {};
  private readonly executionRpc: Counter<"method" | "ok">;
  private readonly executionRpcSeconds: Histogram<"method">;
  private readonly witnessFetches: Counter<"method" | "ok">;
  private readonly witnessFetchSeconds: Histogram<"method">;
  private readonly inputBytes: Histogram;
  private readonly witnessRejected: Counter<"reason">;
  private readonly gpuSampleErrors: Counter<"reason">;
  private readonly witnessRejectReasons = new BoundedLabel();
  private readonly authFailureReasons = new BoundedLabel();
  private readonly gpuErrorReasons = new BoundedLabel();

  constructor(opts: MetricsOpts = {}) {
    this.clock = opts.clock ?? systemClock;
    this.proofTypes = opts.proofTypes ?? new ProofTypeTable();
    this.endpointGpus = opts.endpointGpus ?? {};
    this.gpuPrices = opts.gpuPrices ?? {};
    this.coverage = new RollingCoverage(opts.coverageWindow ?? defaultMetricsOpts.coverageWindow);
    this.registry = new Registry();
    const registers = [this.registry];
    if (opts.processMetrics ?? defaultMetricsOpts.processMetrics) {
      collectDefaultMetrics({ register: this.registry });
    }

    new Gauge({
      name: "eproof_info",
      help: "Always 1; the version label says which eproof runs",
      labelNames: ["version"],
      registers,
    }).set({ version: opts.version ?? "unknown" }, 1);

    this.stageSeconds = new Histogram({
      name: "eproof_pipeline_stage_seconds",
      help: "Duration of each pipeline stage per block (block seen ... published; gossip received ... verified)",
      labelNames: ["stage"],
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.proofs = new Counter({
      name: "eproof_proofs_total",
      help: "Proof attempts by proof type, proving endpoint and outcome (success, failure, timeout)",
      labelNames: ["proof_type", "endpoint", "outcome"],
      registers,
    });
    this.proveSeconds = new Histogram({
      name: "eproof_prove_seconds",
      help: "Wall time of successful proves by proof type and endpoint",
      labelNames: ["proof_type", "endpoint"],
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.blocks = new Counter({
      name: "eproof_blocks_total",
      help: "Blocks by proving outcome: in_time (proof ready within the deadline), late, missed (no proof), orphaned (dropped by a reorg)",
      labelNames: ["outcome"],
      registers,
    });
    this.coverageRatio = new Gauge({
      name: "eproof_coverage_ratio",
      help: "Share of the last N canonical blocks with a proof ready within the deadline (N = eproof_coverage_window_blocks)",
      registers,
    });
    this.coverageBlocks = new Gauge({
      name: "eproof_coverage_window_blocks",
      help: "Blocks currently counted in eproof_coverage_ratio",
      registers,
    });
    this.deadlineMargin = new Histogram({
      name: "eproof_deadline_margin_seconds",
      help: "Deadline minus time to the first proof ready, per block (negative: late)",
      buckets: [-10, -5, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      registers,
    });
    this.verifications = new Counter({
      name: "eproof_verifications_total",
      help: "Proof verifications by proof type and result (valid, invalid, error)",
      labelNames: ["proof_type", "result"],
      registers,
    });
    this.verifySeconds = new Histogram({
      name: "eproof_verify_seconds",
      help: "Proof verification time by proof type",
      labelNames: ["proof_type"],
      buckets: VERIFY_BUCKETS_SECONDS,
      registers,
    });
    this.gossipMessages = new Counter({
      name: "eproof_gossip_messages_total",
      help: "Gossip messages validated, by topic, result (accept, ignore, reject) and ignore/reject reason",
      labelNames: ["topic", "result", "reason"],
      registers,
    });
    this.gossipPublished = new Counter({
      name: "eproof_gossip_published_total",
      help: "Signed execution proofs this node published on gossip, by proof type",
      labelNames: ["proof_type"],
      registers,
    });
    this.peers = new Gauge({
      name: "eproof_peers",
      help: "Connected libp2p peers (kind=all) and those advertising proof support (kind=proof_aware)",
      labelNames: ["kind"],
      registers,
    });
    this.storeProofs = new Gauge({
      name: "eproof_store_proofs",
      help: "Proofs held in the store",
      registers,
    });
    this.storeBytes = new Gauge({
      name: "eproof_store_bytes",
      help: "Bytes of proof data held in the store",
      registers,
    });
    this.upstreamUp = new Gauge({
      name: "eproof_upstream_up",
      help: "1 when the upstream (beacon, beacon_events, execution, prover endpoints) answered its last check",
      labelNames: ["upstream"],
      registers,
    });
    this.upstreamErrors = new Counter({
      name: "eproof_upstream_errors_total",
      help: "Upstream errors by upstream and kind (connect, timeout, http_status, malformed, stream_drop)",
      labelNames: ["upstream", "kind"],
      registers,
    });
    const gpuLabels = ["gpu", "model"] as const;
    this.gpuPower = new Gauge({
      name: "eproof_gpu_power_watts",
      help: "GPU board power draw",
      labelNames: gpuLabels,
      registers,
    });
    this.gpuUtil = new Gauge({
      name: "eproof_gpu_utilization_ratio",
      help: "GPU utilisation 0..1",
      labelNames: gpuLabels,
      registers,
    });
    this.gpuMemUsed = new Gauge({
      name: "eproof_gpu_memory_used_bytes",
      help: "GPU memory in use",
      labelNames: gpuLabels,
      registers,
    });
    this.gpuMemTotal = new Gauge({
      name: "eproof_gpu_memory_total_bytes",
      help: "GPU memory installed",
      labelNames: gpuLabels,
      registers,
    });
    this.gpuTemp = new Gauge({
      name: "eproof_gpu_temperature_celsius",
      help: "GPU core temperature",
      labelNames: gpuLabels,
      registers,
    });
    this.proofEnergy = new Histogram({
      name: "eproof_proof_energy_joules",
      help: "Energy per proof: GPU power integrated over the prove, summed over the GPUs that served it",
      labelNames: ["proof_type"],
      buckets: ENERGY_BUCKETS_JOULES,
      registers,
    });
    this.energyTotal = new Counter({
      name: "eproof_energy_joules_total",
      help: "Energy spent on proofs so far, by proof type",
      labelNames: ["proof_type"],
      registers,
    });
    this.fleetPower = new Gauge({
      name: "eproof_fleet_power_watts",
      help: "Sum of the last power reading of every GPU in the fleet",
      registers,
    });
    this.fleetPowerTarget = new Gauge({
      name: "eproof_fleet_power_target_watts",
      help: "The EF's real-time proving power target (10 kW)",
      registers,
    });
    this.fleetCapexUsd = new Gauge({
      name: "eproof_fleet_capex_usd",
      help: "Hardware cost of the GPUs seen, from the configured GPU prices",
      registers,
    });
    this.fleetCapexTarget = new Gauge({
      name: "eproof_fleet_capex_target_usd",
      help: "The EF's real-time proving capex target ($100k)",
      registers,
    });
    this.fleetGpus = new Gauge({
      name: "eproof_fleet_gpus",
      help: "GPUs in the fleet by model",
      labelNames: ["model"],
      registers,
    });
    this.fleetUnpriced = new Gauge({
      name: "eproof_fleet_unpriced_gpus",
      help: "GPUs whose model has no configured price (missing from eproof_fleet_capex_usd)",
      registers,
    });
    this.blocksSeen = new Counter({
      name: "eproof_chain_blocks_seen_total",
      help: "Blocks seen on the beacon event stream",
      registers,
    });
    this.payloads = new Counter({
      name: "eproof_chain_payloads_total",
      help: "NewPayloadRequests emitted to the prover, by fork",
      labelNames: ["fork"],
      registers,
    });
    this.reorgs = new Counter({
      name: "eproof_chain_reorgs_total",
      help: "Chain reorgs observed",
      registers,
    });
    this.reorgDepth = new Histogram({
      name: "eproof_chain_reorg_depth",
      help: "Depth of observed reorgs in blocks",
      buckets: [1, 2, 3, 4, 8, 16, 32, 64],
      registers,
    });
    this.gapSlots = new Counter({
      name: "eproof_chain_gap_filled_slots_total",
      help: "Slots backfilled after the event stream missed them",
      registers,
    });
    this.reconnects = new Counter({
      name: "eproof_chain_stream_reconnects_total",
      help: "Beacon event stream reconnects",
      registers,
    });
    this.headSlot = new Gauge({ name: "eproof_chain_head_slot", help: "Latest head slot seen", registers });
    this.finalizedEpoch = new Gauge({
      name: "eproof_chain_finalized_epoch",
      help: "Latest finalized epoch seen",
      registers,
    });
    this.httpRequests = new Counter({
      name: "eproof_http_requests_total",
      help: "HTTP requests served, by server (api, gateway), route template and status code",
      labelNames: ["server", "route", "status"],
      registers,
    });
    this.httpSeconds = new Histogram({
      name: "eproof_http_request_seconds",
      help: "HTTP request handling time by server and route template",
      labelNames: ["server", "route"],
      buckets: HTTP_BUCKETS_SECONDS,
      registers,
    });

    this.scheduled = new Counter({
      name: "eproof_scheduler_scheduled_total",
      help: "Prove jobs the scheduler started, by proof type, endpoint and whether it was a hedge",
      labelNames: ["proof_type", "endpoint", "hedge"],
      registers,
    });
    this.dropped = new Counter({
      name: "eproof_scheduler_dropped_total",
      help: "Prove jobs dropped before starting, by proof type and reason (stale, orphaned, no_capacity)",
      labelNames: ["proof_type", "reason"],
      registers,
    });
    this.predictionRatio = new Histogram({
      name: "eproof_scheduler_prediction_ratio",
      help: "Actual / predicted prove time per finished attempt, by endpoint (1 = perfect prediction)",
      labelNames: ["endpoint"],
      buckets: PREDICTION_RATIO_BUCKETS,
      registers,
    });
    this.proofLatency = new Histogram({
      name: "eproof_proof_latency_seconds",
      help: "Block seen -> proof ready, per proof type",
      labelNames: ["proof_type"],
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.proofDeadline = new Counter({
      name: "eproof_proof_deadline_total",
      help: "Proofs by whether they were ready within the deadline (met=true|false), per proof type",
      labelNames: ["proof_type", "met"],
      registers,
    });
    this.queueDepth = new Gauge({
      name: "eproof_scheduler_queue_depth",
      help: "Jobs queued or running per proving endpoint",
      labelNames: ["endpoint"],
      registers,
    });
    this.witnessWaits = new Counter({
      name: "eproof_proof_service_witness_waits_total",
      help: "Witness waits of the proof service (including retries), by ok=true|false (false: no usable witness; eproof_proof_failures_total says why)",
      labelNames: ["ok"],
      registers,
    });
    this.witnessWaitSeconds = new Histogram({
      name: "eproof_proof_service_witness_wait_seconds",
      help: "How long the proof service waited for a payload's witness",
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.proofsStored = new Counter({
      name: "eproof_proofs_stored_total",
      help: "Proofs written to the store, by source (local, gossip, reqresp, api) and proof type",
      labelNames: ["source", "proof_type"],
      registers,
    });
    this.proofsStoredBytes = new Counter({
      name: "eproof_proofs_stored_bytes_total",
      help: "Bytes of proofs written to the store, by source and proof type",
      labelNames: ["source", "proof_type"],
      registers,
    });
    this.proofFailures = new Counter({
      name: "eproof_proof_failures_total",
      help: "Proofs that failed for good, by proof type and reason (witness_timeout, execution_unreachable, chain_config_unavailable, fork_mismatch, witness_unavailable, witness_invalid, proving_timeout, proving_error, internal_error)",
      labelNames: ["proof_type", "reason"],
      registers,
    });
    this.sseClients = new Gauge({
      name: "eproof_api_sse_clients",
      help: "Open server-sent-event subscriptions on the proof-engine API",
      registers,
    });
    this.gatewayRpc = new Counter({
      name: "eproof_gateway_rpc_calls_total",
      help: "Engine API calls the gateway answered, by method and ok=true|false",
      labelNames: ["method", "ok"],
      registers,
    });
    this.gatewayRpcSeconds = new Histogram({
      name: "eproof_gateway_rpc_seconds",
      help: "Engine API call time at the gateway, by method",
      labelNames: ["method"],
      buckets: RPC_BUCKETS_SECONDS,
      registers,
    });
    this.newPayloads = new Counter({
      name: "eproof_gateway_new_payload_total",
      help: "engine_newPayload answers by verdict (VALID from proofs, SYNCING, upstream, invalid_params, error)",
      labelNames: ["verdict"],
      registers,
    });
    this.newPayloadSeconds = new Histogram({
      name: "eproof_gateway_new_payload_seconds",
      help: "Time to answer engine_newPayload, by verdict",
      labelNames: ["verdict"],
      buckets: RPC_BUCKETS_SECONDS,
      registers,
    });
    this.authFailures = new Counter({
      name: "eproof_gateway_auth_failures_total",
      help: "Engine API requests refused for JWT reasons",
      labelNames: ["reason"],
      registers,
    });
    this.gatewayUpstream = new Counter({
      name: "eproof_gateway_upstream_calls_total",
      help: "Calls the gateway forwarded to the upstream execution client, by method and ok",
      labelNames: ["method", "ok"],
      registers,
    });
    this.gatewayUpstreamSeconds = new Histogram({
      name: "eproof_gateway_upstream_seconds",
      help: "Upstream execution client call time from the gateway, by method",
      labelNames: ["method"],
      buckets: RPC_BUCKETS_SECONDS,
      registers,
    });
    this.gossipReceived = new Counter({
      name: "eproof_gossip_received_total",
      help: "execution_proof gossip messages received (before validation)",
      registers,
    });
    this.reqResp = new Counter({
      name: "eproof_reqresp_requests_total",
      help: "Req/resp requests served, by method and result (ok, or the response code)",
      labelNames: ["method", "result"],
      registers,
    });
    this.reqRespChunks = new Counter({
      name: "eproof_reqresp_chunks_total",
      help: "Response chunks (proofs) sent over req/resp, by method",
      labelNames: ["method"],
      registers,
    });
    this.floodDefence = new Counter({
      name: "eproof_p2p_flood_defence_total",
      help: "What the p2p flood defence did: peers cut off (cut_off), their connections refused (refused), messages from them dropped unread (dropped_unread), inbound connections throttled by IP (throttled)",
      labelNames: ["action"],
      registers,
    });
    this.executionRpc = new Counter({
      name: "eproof_execution_rpc_calls_total",
      help: "JSON-RPC calls to the execution client, by method and ok",
      labelNames: ["method", "ok"],
      registers,
    });
    this.executionRpcSeconds = new Histogram({
      name: "eproof_execution_rpc_seconds",
      help: "JSON-RPC call time to the execution client, by method",
      labelNames: ["method"],
      buckets: RPC_BUCKETS_SECONDS,
      registers,
    });
    this.witnessFetches = new Counter({
      name: "eproof_witness_fetches_total",
      help: "Witness fetches from the execution client, by method and ok",
      labelNames: ["method", "ok"],
      registers,
    });
    this.witnessFetchSeconds = new Histogram({
      name: "eproof_witness_fetch_seconds",
      help: "Witness fetch time by method",
      labelNames: ["method"],
      buckets: STAGE_BUCKETS_SECONDS,
      registers,
    });
    this.inputBytes = new Histogram({
      name: "eproof_stateless_input_bytes",
      help: "Size of the schema-prefixed StatelessInput handed to provers",
      buckets: INPUT_BYTES_BUCKETS,
      registers,
    });
    this.witnessRejected = new Counter({
      name: "eproof_witness_rejected_total",
      help: "Witnesses refused by the completeness check, by reason (first 20 distinct reasons, then other)",
      labelNames: ["reason"],
      registers,
    });
    this.gpuSampleErrors = new Counter({
      name: "eproof_gpu_sample_errors_total",
      help: "Failed nvidia-smi sampling runs, by reason (first 20 distinct reasons, then other)",
      labelNames: ["reason"],
      registers,
    });

    this.fleetPowerTarget.set(FLEET_POWER_TARGET_WATTS);
    this.fleetCapexTarget.set(FLEET_CAPEX_TARGET_USD);
    this.fleetPower.set(0);
    this.fleetCapexUsd.set(0);
    this.fleetUnpriced.set(0);
    this.coverageBlocks.set(0);

    // Callers pass recording functions around detached (`timed(path, h, metrics.recordApiRequest)`):
    // bind every method so `this` survives that.
    const self = this as unknown as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(EproofMetrics.prototype)) {
      if (name === "constructor" || name === "contentType") continue;
      const fn = self[name];
      if (typeof fn === "function") self[name] = fn.bind(this);
    }
  }

  // --- pipeline -------------------------------------------------------------------------------

  recordStage(stage: StageName, ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.stageSeconds.observe({ stage }, ms / 1000);
  }

  /** One prove attempt finished; `ms` is its wall time (only successes feed eproof_prove_seconds). */
  recordProofOutcome(proofType: number | string, endpoint: string, outcome: ProofOutcome, ms?: number): void {
    const proof_type = this.typeLabel(proofType);
    this.proofs.inc({ proof_type, endpoint, outcome });
    if (outcome === "success" && ms !== undefined && Number.isFinite(ms) && ms >= 0) {
      this.proveSeconds.observe({ proof_type, endpoint }, ms / 1000);
    }
  }

  /** A block is settled: proved in time, late, missed or orphaned. Updates the rolling coverage (not for orphaned). */
  recordBlockOutcome(outcome: BlockOutcome, marginMs?: number): void {
    this.blocks.inc({ outcome });
    this.coverage.record(outcome);
    const ratio = this.coverage.ratio();
    if (ratio !== undefined) this.coverageRatio.set(ratio);
    this.coverageBlocks.set(this.coverage.size);
    if (marginMs !== undefined && Number.isFinite(marginMs)) this.deadlineMargin.observe(marginMs / 1000);
  }

  /** Coverage over the window, undefined before the first block. */
  coverageRatioNow(): number | undefined {
    return this.coverage.ratio();
  }

  /** One verification: `valid` false means the proof was refused, "error" that the verifier failed. */
  recordVerification(proofType: number | string, ms: number, valid: boolean | "error"): void {
    const proof_type = this.typeLabel(proofType);
    this.verifications.inc({ proof_type, result: valid === "error" ? "error" : valid ? "valid" : "invalid" });
    if (Number.isFinite(ms) && ms >= 0) this.verifySeconds.observe({ proof_type }, ms / 1000);
  }

  // --- gossip and peers -----------------------------------------------------------------------

  recordGossipMessage(result: GossipResult, reason = "", topic = "execution_proof"): void {
    this.gossipMessages.inc({ topic, result, reason });
  }

  recordGossipPublished(proofType: number | string): void {
    this.gossipPublished.inc({ proof_type: this.typeLabel(proofType) });
  }

  recordPeers(total: number, proofAware?: number): void {
    this.peers.set({ kind: "all" }, total);
    if (proofAware !== undefined) this.peers.set({ kind: "proof_aware" }, proofAware);
  }

  // --- store and upstreams --------------------------------------------------------------------

  recordStoreSize(proofs: number, bytes: number): void {
    this.storeProofs.set(proofs);
    this.storeBytes.set(bytes);
  }

  recordUpstreamHealth(upstream: string, up: boolean): void {
    this.upstreamUp.set({ upstream }, up ? 1 : 0);
  }

  recordUpstreamError(upstream: string, kind: string): void {
    this.upstreamErrors.inc({ upstream, kind });
  }

  // --- GPUs, energy, fleet --------------------------------------------------------------------

  /** One telemetry round: every GPU's reading at the same instant (default: now). */
  recordGpuTelemetry(samples: readonly GpuSample[], at: number = this.clock.now()): void {
    for (const s of samples) {
      const labels = { gpu: s.gpu, model: s.model };
      this.gpuPower.set(labels, s.powerWatts);
      this.gpuUtil.set(labels, s.utilization);
      this.gpuMemUsed.set(labels, s.memoryUsedBytes);
      this.gpuMemTotal.set(labels, s.memoryTotalBytes);
      this.gpuTemp.set(labels, s.temperatureCelsius);
      this.power.add(s.gpu, { at, watts: s.powerWatts });
      this.gpus.set(s.gpu, s);
    }
    this.updateFleet();
  }

  /** Joules of a finished prove from the power samples around it; also recorded. Returns the joules. */
  /** Replaces the endpoint -> GPUs map (fleet config reloaded, compose regenerated). */
  setEndpointGpus(map: Readonly<Record<string, readonly (string | number)[]>>): void {
    this.endpointGpus = map;
  }

  recordProveEnergy(energy: ProveEnergy): number {
    const joules = this.power.joules(energy.gpus, energy.startMs, energy.endMs);
    if (joules > 0) {
      this.proofEnergy.observe({ proof_type: energy.proofType }, joules);
      this.energyTotal.inc({ proof_type: energy.proofType }, joules);
    }
    return joules;
  }

  private updateFleet(): void {
    let watts = 0;
    const byModel = new Map<string, number>();
    const models: string[] = [];
    for (const s of this.gpus.values()) {
      watts += s.powerWatts;
      byModel.set(s.model, (byModel.get(s.model) ?? 0) + 1);
      models.push(s.model);
    }
    this.fleetPower.set(watts);
    this.fleetGpus.reset();
    for (const [model, n] of byModel) this.fleetGpus.set({ model }, n);
    const capex = fleetCapex(this.gpuPrices, models);
    this.fleetCapexUsd.set(capex.usd);
    this.fleetUnpriced.set(models.filter((m) => capex.unpriced.includes(m)).length);
  }

  // --- chain follower -------------------------------------------------------------------------

  recordBlockSeen(): void {
    this.blocksSeen.inc();
  }

  recordPayloadEmitted(fork: string): void {
    this.payloads.inc({ fork });
  }

  recordReorg(depth: number): void {
    this.reorgs.inc();
    this.reorgDepth.observe(depth);
  }

  recordGapFilled(slots: number): void {
    this.gapSlots.inc(slots);
  }

  recordStreamReconnect(): void {
    this.reconnects.inc();
  }

  recordHeadSlot(slot: number): void {
    this.headSlot.set(slot);
  }

  recordFinalizedEpoch(epoch: number): void {
    this.finalizedEpoch.set(epoch);
  }

  // --- HTTP servers ---------------------------------------------------------------------------

  /** `route` is the route template ("/v1/execution_proofs/:root/:type"), never the raw path. */
  recordHttpRequest(server: string, route: string, status: number, ms: number): void {
    this.httpRequests.inc({ server, route, status: String(status) });
    if (Number.isFinite(ms) && ms >= 0) this.httpSeconds.observe({ server, route }, ms / 1000);
  }

  // --- proving: scheduler and proof service (SchedulerMetrics, ProofServiceMetrics) -------------

  recordScheduled(proofType: number, endpointId: string, hedge: boolean, _predictedMs: number): void {
    this.scheduled.inc({ proof_type: this.typeLabel(proofType), endpoint: endpointId, hedge: String(hedge) });
  }

  recordDropped(proofType: number, reason: DropReason): void {
    this.dropped.inc({ proof_type: this.typeLabel(proofType), reason });
  }

  recordAttemptResult(
    endpointId: string,
    proofType: number,
    outcome: "ok" | ProofFailureReason,
    elapsedMs: number,
    predictedMs: number,
  ): void {
    const mapped: ProofOutcome =
      outcome === "ok"
        ? "success"
        : outcome === "proving_timeout" || outcome === "witness_timeout"
          ? "timeout"
          : "failure";
    this.recordProofOutcome(proofType, endpointId, mapped, elapsedMs);
    if (outcome === "ok" && predictedMs > 0 && Number.isFinite(elapsedMs)) {
      this.predictionRatio.observe({ endpoint: endpointId }, elapsedMs / predictedMs);
    }
    const gpus = this.endpointGpus[endpointId];
    if (outcome === "ok" && gpus !== undefined && Number.isFinite(elapsedMs) && elapsedMs > 0) {
      const endMs = this.clock.now();
      this.recordProveEnergy({
        proofType: this.typeLabel(proofType),
        gpus: gpus.map((g) => this.gpuUuids.get(String(g)) ?? String(g)),
        startMs: endMs - elapsedMs,
        endMs,
      });
    }
  }

  recordProofLatency(proofType: number, latencyMs: number, metDeadline: boolean): void {
    const proof_type = this.typeLabel(proofType);
    if (Number.isFinite(latencyMs) && latencyMs >= 0)
      this.proofLatency.observe({ proof_type }, latencyMs / 1000);
    this.proofDeadline.inc({ proof_type, met: String(metDeadline) });
  }

  recordQueueDepth(endpointId: string, depth: number): void {
    this.queueDepth.set({ endpoint: endpointId }, depth);
  }

  recordProofStored(source: ProofSource, proofType: number, bytes: number): void {
    const labels = { source, proof_type: this.typeLabel(proofType) };
    this.proofsStored.inc(labels);
    if (bytes > 0) this.proofsStoredBytes.inc(labels, bytes);
  }

  recordProofFailure(proofType: number, reason: ProofFailureReason): void {
    this.proofFailures.inc({ proof_type: this.typeLabel(proofType), reason });
  }

  /** Proof service: (ms, ok) for its wait on a witness. Execution: (method, ms, ok) for one fetch. */
  recordWitnessFetch(ms: number, ok: boolean): void;
  recordWitnessFetch(method: WitnessMethod, ms: number, ok: boolean): void;
  recordWitnessFetch(a: number | WitnessMethod, b: number | boolean, c?: boolean): void {
    if (typeof a === "number") {
      this.witnessWaits.inc({ ok: String(b === true) });
      if (Number.isFinite(a) && a >= 0) this.witnessWaitSeconds.observe(a / 1000);
      return;
    }
    const ms = typeof b === "number" ? b : Number.NaN;
    this.witnessFetches.inc({ method: a, ok: String(c === true) });
    if (Number.isFinite(ms) && ms >= 0) this.witnessFetchSeconds.observe({ method: a }, ms / 1000);
  }

  // --- execution client (ExecutionMetrics) and gateway (GatewayMetrics) -------------------------

  /** Gateway: (method, ok, ms) for an Engine API call it answered. Execution: (method, ms, ok) to the EL. */
  recordRpcCall(method: string, ok: boolean, ms: number): void;
  recordRpcCall(method: string, ms: number, ok: boolean): void;
  recordRpcCall(method: string, b: boolean | number, c: number | boolean): void {
    if (typeof b === "boolean") {
      const ms = typeof c === "number" ? c : Number.NaN;
      this.gatewayRpc.inc({ method, ok: String(b) });
      if (Number.isFinite(ms) && ms >= 0) this.gatewayRpcSeconds.observe({ method }, ms / 1000);
      return;
    }
    this.executionRpc.inc({ method, ok: String(c === true) });
    if (Number.isFinite(b) && b >= 0) this.executionRpcSeconds.observe({ method }, b / 1000);
  }

  recordInputBuilt(ms: number, bytes: number): void {
    this.recordStage("input_build", ms);
    if (bytes > 0) this.inputBytes.observe(bytes);
  }

  recordWitnessRejected(reason: string): void {
    this.witnessRejected.inc({ reason: this.witnessRejectReasons.value(reason) });
  }

  recordNewPayload(verdict: NewPayloadVerdict, ms: number): void {
    this.newPayloads.inc({ verdict });
    if (Number.isFinite(ms) && ms >= 0) this.newPayloadSeconds.observe({ verdict }, ms / 1000);
  }

  recordAuthFailure(reason: string): void {
    this.authFailures.inc({ reason: this.authFailureReasons.value(reason) });
  }

  recordUpstreamCall(method: string, ok: boolean, ms: number): void {
    this.gatewayUpstream.inc({ method, ok: String(ok) });
    if (Number.isFinite(ms) && ms >= 0) this.gatewayUpstreamSeconds.observe({ method }, ms / 1000);
  }

  // --- proof-engine API (ApiMetrics) ------------------------------------------------------------

  recordApiRequest(endpoint: string, status: number, ms: number): void {
    this.recordHttpRequest("api", endpoint, status, ms);
  }

  recordSseClients(count: number): void {
    this.sseClients.set(count);
  }

  // --- p2p (P2pMetrics) -------------------------------------------------------------------------

  recordGossipReceived(): void {
    this.gossipReceived.inc();
  }

  recordGossipAccepted(): void {
    this.recordGossipMessage("accept");
  }

  recordGossipIgnored(reason: GossipIgnoreReason): void {
    this.recordGossipMessage("ignore", reason);
  }

  recordGossipRejected(reason: GossipRejectReason): void {
    this.recordGossipMessage("reject", reason);
  }

  recordGossipValidationMs(ms: number): void {
    this.recordStage("gossip_validate", ms);
  }

  recordReqRespServed(method: ReqRespMethod, chunks: number): void {
    this.reqResp.inc({ method, result: "ok" });
    if (chunks > 0) this.reqRespChunks.inc({ method }, chunks);
  }

  recordReqRespError(method: ReqRespMethod, code: number): void {
    this.reqResp.inc({ method, result: String(code) });
  }

  /** The p2p service's running totals (since its start): the counter grows by what is new since the last call. */
  recordFloodDefence(totals: Record<FloodDefenceAction, number>): void {
    for (const action of Object.keys(totals) as FloodDefenceAction[]) {
      const delta = totals[action] - (this.floodDefenceSeen[action] ?? 0);
      if (delta > 0) this.floodDefence.inc({ action }, delta);
      this.floodDefenceSeen[action] = totals[action];
    }
  }

  // --- GPU fleet (FleetMetrics) -----------------------------------------------------------------

  /** One GPU's nvidia-smi reading; fields nvidia-smi could not report are left at their last value. */
  recordGpu(sample: FleetGpuSample): void {
    const id = String(sample.index);
    if (sample.uuid !== "") this.gpuUuids.set(sample.uuid, id);
    const prev = this.gpus.get(id);
    const mib = 1024 * 1024;
    this.recordGpuTelemetry(
      [
        {
          gpu: id,
          model: sample.name,
          powerWatts: sample.powerDrawW ?? prev?.powerWatts ?? 0,
          utilization:
            sample.utilizationPct !== undefined ? sample.utilizationPct / 100 : (prev?.utilization ?? 0),
          memoryUsedBytes:
            sample.memoryUsedMiB !== undefined ? sample.memoryUsedMiB * mib : (prev?.memoryUsedBytes ?? 0),
          memoryTotalBytes:
            sample.memoryTotalMiB !== undefined ? sample.memoryTotalMiB * mib : (prev?.memoryTotalBytes ?? 0),
          temperatureCelsius: sample.temperatureC ?? prev?.temperatureCelsius ?? 0,
        },
      ],
      this.clock.now(),
    );
  }

  recordGpuSampleError(reason: string): void {
    this.gpuSampleErrors.inc({ reason: this.gpuErrorReasons.value(reason) });
  }

  /** Proof type label: the table's name for an id, the string itself for a name. */
  private typeLabel(proofType: number | string): string {
    if (typeof proofType === "string") return proofType;
    return this.proofTypes.get(proofType)?.name ?? `id_${proofType}`;
  }

  // --- exposition -----------------------------------------------------------------------------

  /** Prometheus text exposition of everything recorded. */
  async scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export function createMetrics(opts: MetricsOpts = {}): EproofMetrics {
  return new EproofMetrics(opts);
}
