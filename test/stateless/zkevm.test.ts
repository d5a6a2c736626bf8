// EEST zkevm (Amsterdam) through the file runner: the guest input decodes and re-encodes, its NPR root
// and chain id equal the expected guest output, and the verdict matches the output flag.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { BlockReport } from "../../src/stateless/blockchainTest.ts";
import { runFile } from "../../src/stateless/fileRunner.ts";

const DIR = new URL(
  "../../../shared/fixtures/eest-zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/",
  import.meta.url,
).pathname;

async function all(file: string): Promise<BlockReport[]> {
  const out: BlockReport[] = [];
  for await (const r of runFile(file)) out.push(r);
  return out;
}

describe("EEST zkevm v0.3.3 (Amsterdam)", () => {
  it("every negative (validation_*) case is rejected for a witness reason", async () => {
    const files = [
      "witness_validation_codes",
      "witness_validation_headers",
      "witness_validation_state",
    ].flatMap((d) =>
      readdirSync(join(DIR, d))
        .filter((f) => f.startsWith("validation_") && !f.includes("unsorted") && !f.includes("extra_unused"))
        .map((f) => join(DIR, d, f)),
    );
    expect(files.length).toBe(11);
    for (const f of files) {
      const rejected = (await all(f)).filter((r) => !r.expected);
      expect(rejected.length, f).toBeGreaterThan(0);
      for (const r of rejected) {
        expect(r.ok, f).toBe(true);
        // Known: this one is rejected by a receipts mismatch (@ethereumjs' Amsterdam gas rules differ from
        // the fixture's) before execution reaches the missing code.
        if (f.includes("delegated_code_on_insufficient_balance")) continue;
        expect(r.reason, f).toMatch(/witness incomplete|parent header|not contiguous/);
      }
    }
  }, 240_000);

  it("valid BLOCKHASH-at-offset blocks validate from their own StatelessInput bytes", async () => {
    const reports = await all(join(DIR, "witness_headers/witness_headers_blockhash_at_offset.json"));
    expect(reports.length).toBe(22);
    expect(reports.filter((r) => !r.ok).map((r) => r.reason)).toEqual([]);
    expect(reports.every((r) => r.expected && r.valid)).toBe(true);
  }, 240_000);
});
