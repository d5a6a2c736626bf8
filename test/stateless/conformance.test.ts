// Every block of every EF BlockchainTest file reaches the test's verdict statelessly, with a witness
// recorded from the full pre-state; for valid blocks, removing one recorded node or code (seeded random
// sample per file) makes the block fail.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { ExecutionWitnessValue } from "../../src/spec/stateless.ts";
import {
  type BlockRun,
  parseBlockchainTests,
  runBlockchainTest,
} from "../../src/stateless/blockchainTest.ts";
import { validateStatelessBlock } from "../../src/stateless/engine.ts";
import { seededRandom } from "../../src/util/random.ts";

const DIR = new URL("../../../shared/fixtures/eest-blockchain/", import.meta.url).pathname;

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (p.endsWith(".json")) out.push(p);
  }
  return out.sort();
}

function hashSeed(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const REMOVALS_PER_FILE = 1;

describe("EF BlockchainTests, stateless", () => {
  const files = jsonFiles(DIR);
  it("has the fixtures", () => {
    expect(files.length).toBe(29);
  });

  for (const file of files) {
    it(relative(DIR, file), async () => {
      const runs: BlockRun[] = [];
      for (const [name, test] of parseBlockchainTests(JSON.parse(readFileSync(file, "utf8")), file)) {
        for await (const r of runBlockchainTest(file, name, test)) runs.push(r);
      }
      const bad = runs.filter((r) => !r.ok).map((r) => `${r.test} #${r.block}: ${r.reason}`);
      expect(bad).toEqual([]);
      expect(runs.length).toBeGreaterThan(0);

      const rand = seededRandom(hashSeed(relative(DIR, file)));
      const candidates = runs.filter(
        (r) =>
          r.valid &&
          r.witness &&
          r.ethBlock &&
          r.common &&
          r.witness.state.length + r.witness.codes.length > 0,
      );
      for (let k = 0; k < REMOVALS_PER_FILE && candidates.length > 0; k++) {
        const run = candidates[Math.floor(rand() * candidates.length)];
        if (!run?.witness || !run.ethBlock || !run.common) continue;
        const w = run.witness;
        const total = w.state.length + w.codes.length;
        const pick = Math.floor(rand() * total);
        const reduced: ExecutionWitnessValue =
          pick < w.state.length
            ? { ...w, state: w.state.filter((_, i) => i !== pick) }
            : { ...w, codes: w.codes.filter((_, i) => i !== pick - w.state.length) };
        const v = await validateStatelessBlock(run.ethBlock, reduced, run.common);
        expect(
          v.valid,
          `${run.test} #${run.block} without ${pick < w.state.length ? "node" : "code"} ${pick}`,
        ).toBe(false);
        expect(v.reason).toMatch(/witness incomplete/);
      }
    }, 480_000);
  }
});
