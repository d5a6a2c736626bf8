// The file runner on the current 0x1501 EEST zkevm fixtures (tests-zkevm v0.8.4 / v21.0.1): revision
// found by decoding, the invalid block re-executed to false, our 43-byte output equal to the file's, and
// the all-zero sentinel for an input that must not decode.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { BlockReport } from "../../src/stateless/blockchainTest.ts";
import { runFile } from "../../src/stateless/fileRunner.ts";

const INTEROP = new URL("../../../shared/fixtures/interop/", import.meta.url).pathname;
const fixture = (rev: string): string =>
  join(INTEROP, `tests-zkevm-${rev}`, "eip6110_invalid_deposit_layout.json");

async function all(file: string): Promise<BlockReport[]> {
  const out: BlockReport[] = [];
  for await (const r of runFile(file)) out.push(r);
  return out;
}

const tmp = mkdtempSync(join(tmpdir(), "eproof-zkevm-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture with its first block's input/output replaced (a copy in a temp dir). */
function variant(rev: string, input: string, output: string): string {
  const json = JSON.parse(readFileSync(fixture(rev), "utf8")) as Record<
    string,
    { blocks: { statelessInputBytes: string; statelessOutputBytes: string }[] }
  >;
  const test = Object.values(json)[0];
  const block = test?.blocks[0];
  if (!block) throw new Error("no block");
  block.statelessInputBytes = input;
  block.statelessOutputBytes = output;
  const file = join(tmp, `${rev}-${Math.random().toString(16).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

describe.each(["v0.8.4", "v21.0.1"])("tests-zkevm %s through the file runner", (rev) => {
  it("finds the revision, re-executes the block to INVALID and matches the expected output", async () => {
    const reports = await all(fixture(rev));
    expect(reports.length).toBe(1);
    const [r] = reports;
    expect(r).toMatchObject({ expected: false, valid: false, ok: true, schema: `0x1501 ${rev}` });
    expect(r?.reason).toMatch(/deposit/);
  });

  it("fails a block whose expected output does not match ours byte for byte", async () => {
    const json = JSON.parse(readFileSync(fixture(rev), "utf8")) as Record<
      string,
      { blocks: { statelessInputBytes: string; statelessOutputBytes: string }[] }
    >;
    const b = Object.values(json)[0]?.blocks[0];
    if (!b) throw new Error("no block");
    // Same root, flag and chain id, another schema id in the last two bytes.
    const wrongSchema = `${b.statelessOutputBytes.slice(0, -4)}0215`;
    const [r] = await all(variant(rev, b.statelessInputBytes, wrongSchema));
    expect(r?.ok).toBe(false);
    expect(r?.reason).toMatch(/our output/);
  });

  it("accepts the all-zero sentinel exactly when the input does not decode", async () => {
    const zeros = `0x${"00".repeat(43)}`;
    const [bad] = await all(variant(rev, "0x150114000000", zeros));
    expect(bad).toMatchObject({ expected: false, valid: false, ok: true });
    expect(bad?.reason).toMatch(/malformed input/);
    const [empty] = await all(variant(rev, "0x", zeros));
    expect(empty?.ok).toBe(true);
    const json = JSON.parse(readFileSync(fixture(rev), "utf8")) as Record<
      string,
      { blocks: { statelessInputBytes: string }[] }
    >;
    const good = Object.values(json)[0]?.blocks[0]?.statelessInputBytes ?? "";
    const [decodes] = await all(variant(rev, good, zeros));
    expect(decodes?.ok).toBe(false);
    expect(decodes?.reason).toMatch(/input decodes/);
  });
});
