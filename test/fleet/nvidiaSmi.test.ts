import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CommandRunner, FleetMetrics, GpuSample } from "../../src/fleet/interface.ts";
import { NVIDIA_SMI_ARGS, parseNvidiaSmiCsv } from "../../src/fleet/nvidiaSmi.ts";
import { GpuSampler, queryGpus } from "../../src/fleet/sampler.ts";
import type { Clock } from "../../src/util/clock.ts";
import { EproofError } from "../../src/util/errors.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("parseNvidiaSmiCsv", () => {
  it("reads eight RTX 5090s, skipping the trailing blank line", () => {
    const gpus = parseNvidiaSmiCsv(fixture("nvidia-smi-8x5090.csv"));
    expect(gpus).toHaveLength(8);
    expect(gpus[0]).toEqual({
      index: 0,
      uuid: "GPU-3f1c2a9e-7b4d-4e61-9a0f-2c8d5e7b1a43",
      name: "NVIDIA GeForce RTX 5090",
      memoryTotalMiB: 32607,
      memoryUsedMiB: 30911,
      powerDrawW: 561.37,
      powerLimitW: 575,
      utilizationPct: 100,
      temperatureC: 71,
    });
    expect(gpus[6]).toMatchObject({ index: 6, utilizationPct: 0, memoryUsedMiB: 1 });
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("maps [N/A] and [Not Supported] to missing readings", () => {
    const [l40s] = parseNvidiaSmiCsv(fixture("nvidia-smi-1xL40S.csv"));
    expect(l40s?.name).toBe("NVIDIA L40S");
    expect(l40s?.powerDrawW).toBeUndefined();
    expect(l40s?.powerLimitW).toBe(350);
    const line = "0, GPU-4d2c8b1a-e7f6, NVIDIA L40S, 46068, 10, [Not Supported], [Not Supported], 5, 40";
    expect(parseNvidiaSmiCsv(line)[0]).toMatchObject({
      powerDrawW: undefined,
      powerLimitW: undefined,
      temperatureC: 40,
    });
  });

  it("refuses a bad line with its line number", () => {
    expect(() => parseNvidiaSmiCsv(fixture("nvidia-smi-bad-line.csv"))).toThrow(/line 2: expected 9 fields/);
    expect(() => parseNvidiaSmiCsv("x, GPU-1, n, 1, 1, 1, 1, 1, 1")).toThrow(/index "x"/);
    expect(() => parseNvidiaSmiCsv("0, 1234, n, 1, 1, 1, 1, 1, 1")).toThrow(/uuid/);
    expect(() => parseNvidiaSmiCsv("0, GPU-1, n, lots, 1, 1, 1, 1, 1")).toThrow(/memory.total "lots"/);
    expect(() => parseNvidiaSmiCsv("0, GPU-1, n, 1, 1, 1, 1, 1, 1\n0, GPU-2, n, 1, 1, 1, 1, 1, 1")).toThrow(
      /twice/,
    );
  });

  it("parses empty output as no GPUs", () => {
    expect(parseNvidiaSmiCsv("\n\n")).toEqual([]);
  });
});

/** A clock whose sleeps resolve only when the test advances time. */
class ManualClock implements Clock {
  t = 0;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];
  now(): number {
    return this.t;
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sleepers.push({ until: this.t + ms, resolve });
      signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const s of this.sleepers.filter((x) => x.until <= this.t)) s.resolve();
    this.sleepers = this.sleepers.filter((x) => x.until > this.t);
    // Let the sampler loop run its next iteration.
    for (let i = 0; i < 10; i++) await Promise.resolve();
  }
}

describe("GpuSampler", () => {
  it("runs the exact query each interval and records every GPU", async () => {
    const calls: Array<readonly string[]> = [];
    const runner: CommandRunner = async (file, args) => {
      calls.push([file, ...args]);
      return { stdout: fixture("nvidia-smi-8x5090.csv"), stderr: "", exitCode: 0 };
    };
    const recorded: GpuSample[] = [];
    const metrics: FleetMetrics = { recordGpu: (s) => recorded.push(s) };
    const clock = new ManualClock();
    const sampler = new GpuSampler({ metrics, clock, runner, intervalMs: 5_000 });
    sampler.start();
    await clock.advance(0);
    expect(recorded).toHaveLength(8);
    await clock.advance(4_999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls).toHaveLength(2);
    expect(recorded).toHaveLength(16);
    expect(calls[0]).toEqual(["nvidia-smi", ...NVIDIA_SMI_ARGS]);
    expect(sampler.latest).toHaveLength(8);
    await sampler.stop();
  });

  it("records failures and keeps sampling", async () => {
    let n = 0;
    const runner: CommandRunner = async () =>
      n++ === 0
        ? { stdout: "", stderr: "Failed to initialize NVML: Driver/library version mismatch", exitCode: 9 }
        : { stdout: fixture("nvidia-smi-1xL40S.csv"), stderr: "", exitCode: 0 };
    const errors: string[] = [];
    const recorded: GpuSample[] = [];
    const clock = new ManualClock();
    const sampler = new GpuSampler({
      metrics: { recordGpu: (s) => recorded.push(s), recordGpuSampleError: (r) => errors.push(r) },
      clock,
      runner,
      intervalMs: 1_000,
    });
    sampler.start();
    await clock.advance(0);
    expect(errors[0]).toMatch(/exited with 9: Failed to initialize NVML/);
    await clock.advance(1_000);
    expect(recorded).toHaveLength(1);
    await sampler.stop();
  });

  it("says clearly when nvidia-smi is missing", async () => {
    const missing: CommandRunner = async () => ({ stdout: "", stderr: "", exitCode: 127 });
    await expect(queryGpus(missing)).rejects.toThrow(EproofError);
    await expect(queryGpus(missing)).rejects.toThrow(/not found: this host has no NVIDIA driver/);
  });
});
