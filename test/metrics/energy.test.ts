import { describe, expect, it } from "vitest";
import {
  fleetCapex,
  gpuPrice,
  integrateJoules,
  PowerHistory,
  RollingCoverage,
} from "../../src/metrics/index.ts";

describe("integrateJoules", () => {
  it("holds the only sample flat over the interval", () => {
    expect(integrateJoules([{ at: 5_000, watts: 400 }], 0, 3_000)).toBeCloseTo(1_200, 9);
  });

  it("interpolates between samples and clips to the prove interval", () => {
    const samples = [
      { at: 0, watts: 0 },
      { at: 10_000, watts: 1_000 },
    ];
    // Power is 250 W at 2.5 s and 750 W at 7.5 s: mean 500 W over 5 s.
    expect(integrateJoules(samples, 2_500, 7_500)).toBeCloseTo(2_500, 9);
  });

  it("is zero for an empty or inverted interval", () => {
    expect(integrateJoules([], 0, 1_000)).toBe(0);
    expect(integrateJoules([{ at: 0, watts: 300 }], 1_000, 1_000)).toBe(0);
  });

  it("sums GPUs and bounds the history", () => {
    const h = new PowerHistory(2);
    for (const at of [0, 1_000, 2_000]) {
      h.add("a", { at, watts: 100 });
      h.add("b", { at, watts: 300 });
    }
    h.add("a", { at: 500, watts: 9_999 }); // out of order: dropped
    expect(h.joules(["a", "b", "missing"], 1_000, 2_000)).toBeCloseTo(400, 9);
  });
});

describe("fleet economics", () => {
  it("matches nvidia-smi model names to configured prices, longest key first", () => {
    const prices = { "RTX 5090": 2000, "5090": 1, L40S: 8000 };
    expect(gpuPrice(prices, "NVIDIA GeForce RTX 5090")).toBe(2000);
    expect(gpuPrice(prices, "nvidia l40s")).toBe(8000);
    expect(gpuPrice(prices, "H100")).toBeUndefined();
    expect(fleetCapex(prices, ["NVIDIA L40S", "H100", "H100"])).toEqual({ usd: 8000, unpriced: ["H100"] });
  });
});

describe("RollingCoverage", () => {
  it("rejects an empty window and forgets the oldest outcome", () => {
    expect(() => new RollingCoverage(0)).toThrow(RangeError);
    const c = new RollingCoverage(2);
    c.record("missed");
    c.record("in_time");
    expect(c.ratio()).toBe(0.5);
    c.record("in_time");
    expect(c.ratio()).toBe(1);
    expect(c.size).toBe(2);
  });
});
