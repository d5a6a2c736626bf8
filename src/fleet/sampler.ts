// Periodic GPU telemetry: runs nvidia-smi every interval and feeds FleetMetrics. The runner and
// clock are injected, so tests replay captured output on simulated time.
import { execFile } from "node:child_process";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import type { CommandResult, CommandRunner, FleetMetrics, GpuSample } from "./interface.ts";
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from "./nvidiaSmi.ts";

/** Runs a program without a shell; a missing binary resolves with exit code 127. */
export const execRunner: CommandRunner = (file, args, signal) =>
  new Promise<CommandResult>((resolve) => {
    execFile(
      file,
      [...args],
      { signal, timeout: 10_000, maxBuffer: 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout, stderr, exitCode: 0 });
        const code = (error as NodeJS.ErrnoException).code;
        const exitCode = code === "ENOENT" ? 127 : typeof code === "number" ? code : 1;
        resolve({ stdout, stderr: stderr || error.message, exitCode });
      },
    );
  });

/** One inventory read; throws a clear EproofError when nvidia-smi is absent or fails. */
export async function queryGpus(
  runner: CommandRunner = execRunner,
  binary = "nvidia-smi",
  signal?: AbortSignal,
): Promise<GpuSample[]> {
  const result = await runner(binary, NVIDIA_SMI_ARGS, signal);
  if (result.exitCode === 127) {
    throw new EproofError(
      "NOT_FOUND",
      `${binary} not found: this host has no NVIDIA driver (or it is not on PATH)`,
    );
  }
  if (result.exitCode !== 0) {
    throw new EproofError(
      "UPSTREAM",
      `${binary} exited with ${result.exitCode}: ${result.stderr.trim().slice(0, 200)}`,
    );
  }
  return parseNvidiaSmiCsv(result.stdout);
}

export interface GpuSamplerOptions {
  metrics: FleetMetrics;
  clock: Clock;
  runner?: CommandRunner;
  intervalMs?: number;
  binary?: string;
  /** Called with each failure message (for the logger); sampling continues. */
  onError?: (message: string) => void;
}

export const defaultGpuSamplerOptions = { intervalMs: 15_000, binary: "nvidia-smi" } as const;

export class GpuSampler {
  private readonly opts: GpuSamplerOptions;
  private controller: AbortController | undefined;
  private loop: Promise<void> | undefined;
  /** The most recent successful sample, for `eproof gpus` and the status API. */
  latest: GpuSample[] = [];

  constructor(opts: GpuSamplerOptions) {
    this.opts = opts;
  }

  /** Samples once and records every GPU; returns what was read. */
  async sampleOnce(signal?: AbortSignal): Promise<GpuSample[]> {
    try {
      const samples = await queryGpus(
        this.opts.runner,
        this.opts.binary ?? defaultGpuSamplerOptions.binary,
        signal,
      );
      for (const s of samples) this.opts.metrics.recordGpu(s);
      this.latest = samples;
      return samples;
    } catch (e) {
      const message = errorMessage(e);
      this.opts.metrics.recordGpuSampleError?.(message);
      this.opts.onError?.(message);
      throw e;
    }
  }

  start(): void {
    if (this.loop) return;
    const controller = new AbortController();
    this.controller = controller;
    const interval = this.opts.intervalMs ?? defaultGpuSamplerOptions.intervalMs;
    this.loop = (async () => {
      while (!controller.signal.aborted) {
        // Failures are recorded in sampleOnce; telemetry never stops the node.
        await this.sampleOnce(controller.signal).catch(() => undefined);
        await this.opts.clock.sleep(interval, controller.signal).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = undefined;
    this.controller = undefined;
  }
}
