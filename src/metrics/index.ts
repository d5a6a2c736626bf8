// The metrics module's public surface: the registry with its recording functions, `/metrics`, the
// per-block log line, and the pure helpers behind coverage, energy and fleet economics.
export {
  type BlockSummary,
  BlockTimeline,
  type BlockTimelineOpts,
  defaultBlockTimelineOpts,
  type TimelineBlockInfo,
  type TimelineMetrics,
  type TimelineStage,
  timelineInfoFromPayload,
} from "./blockLog.ts";
export { type BlockOutcome, RollingCoverage } from "./coverage.ts";
export { integrateJoules, PowerHistory, type PowerSample } from "./energy.ts";
export {
  createMetrics,
  defaultMetricsOpts,
  EproofMetrics,
  type GossipResult,
  type GpuSample,
  type MetricsOpts,
  type ProofOutcome,
  type ProveEnergy,
  STAGE_BUCKETS_SECONDS,
  type StageName,
} from "./eproofMetrics.ts";
export {
  FLEET_CAPEX_TARGET_USD,
  FLEET_POWER_TARGET_WATTS,
  type FleetCapex,
  fleetCapex,
  gpuPrice,
} from "./fleetEconomics.ts";
export { type MetricsHandler, metricsHandler } from "./metricsHandler.ts";
