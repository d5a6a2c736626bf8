// The GPU fleet contract: one telemetry sample per GPU (from nvidia-smi), the metrics it feeds, and
// the command runner the sampler uses (injectable, so tests replay captured output).

export interface GpuSample {
  index: number;
  uuid: string;
  name: string;
  /** MiB; undefined when nvidia-smi prints [N/A] or [Not Supported]. */
  memoryTotalMiB?: number;
  memoryUsedMiB?: number;
  powerDrawW?: number;
  powerLimitW?: number;
  /** Percent, 0..100. */
  utilizationPct?: number;
  temperatureC?: number;
}

/** Recording functions the fleet needs; src/metrics implements them (prom gauges per GPU). */
export interface FleetMetrics {
  recordGpu(sample: GpuSample): void;
  /** A sampling run failed (nvidia-smi missing, exited non-zero, unparsable output). */
  recordGpuSampleError?(reason: string): void;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a program with arguments (no shell). */
export type CommandRunner = (
  file: string,
  args: readonly string[],
  signal?: AbortSignal,
) => Promise<CommandResult>;
