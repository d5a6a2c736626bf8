import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/util/random.ts";

describe("seededRandom", () => {
  it("replays the same sequence from a seed, a different one from another, inside [0, 1)", () => {
    const a = seededRandom(0x8025);
    const b = seededRandom(0x8025);
    const c = seededRandom(0x8026);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c())).not.toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    // Spread over the interval: each tenth gets a fair share of 1000 draws.
    const tenths = new Array(10).fill(0);
    for (const x of xs) tenths[Math.floor(x * 10)]++;
    expect(Math.min(...tenths)).toBeGreaterThan(60);
  });
});
