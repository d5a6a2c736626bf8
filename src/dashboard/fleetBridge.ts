// Bridges the fleet's nvidia-smi samples to the dashboard's GPU tiles, so one telemetry round feeds
// both the metrics (FleetMetrics.recordGpu) and the dashboard.
import type { FleetMetrics, GpuSample } from "../fleet/interface.ts";
import type { DashboardGpu, DashboardState } from "./dashboardState.ts";

const MIB = 1024 * 1024;

/** Fields nvidia-smi could not report ([N/A]) show as 0. */
export function dashboardGpuFromSample(sample: GpuSample): DashboardGpu {
  return {
    gpu: String(sample.index),
    model: sample.name,
    powerWatts: sample.powerDrawW ?? 0,
    utilization: (sample.utilizationPct ?? 0) / 100,
    temperatureCelsius: sample.temperatureC ?? 0,
    memoryUsedBytes: (sample.memoryUsedMiB ?? 0) * MIB,
    memoryTotalBytes: (sample.memoryTotalMiB ?? 0) * MIB,
  };
}

/**
 * A FleetMetrics for the GpuSampler that records into `next` (the metrics registry) and updates the
 * dashboard's GPU tiles and power chart with every sample.
 */
export function fleetMetricsWithDashboard(next: FleetMetrics, dashboard: DashboardState): FleetMetrics {
  return {
    recordGpu(sample) {
      next.recordGpu(sample);
      dashboard.upsertGpu(dashboardGpuFromSample(sample));
    },
    recordGpuSampleError(reason) {
      next.recordGpuSampleError?.(reason);
    },
  };
}
