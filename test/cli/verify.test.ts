// `eproof verify`: ere's real SP1 fixture proof on the command line, exit 0 iff valid.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEproof } from "../support/cli.ts";
import { fixturePath, readFixture } from "../support/fixtures.ts";

const PROOF = fixturePath("zkvm-proofs/sp1/proof.bin");
const VK = fixturePath("zkvm-proofs/sp1/program_vk.bin");
const PV = fixturePath("zkvm-proofs/sp1/public_values.bin");
const dir = mkdtempSync(join(tmpdir(), "eproof-verify-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("eproof verify", () => {
  it("exits 0 for the real SP1 proof with its vk and public values, and says what it checked", () => {
    const r = runEproof(["verify", "--proof-type", "reth-sp1", "--vk", VK, "--public-values", PV, PROOF]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^VALID {2}reth-sp1 proof \(SP1 v6\.1\.0\)/);
  });

  it("exits 1 with the reason for a tampered proof or another payload's output", () => {
    const tampered = Uint8Array.from(readFixture("zkvm-proofs/sp1/proof.bin"));
    tampered[50_000] = (tampered[50_000] ?? 0) ^ 0x80;
    writeFileSync(join(dir, "proof.bin"), tampered);
    const cases: [string[], RegExp][] = [
      [["--vk", VK, "--public-values", PV, join(dir, "proof.bin")], /STARK does not verify/],
      [
        ["--json", "--vk", VK, "--root", `0x${"11".repeat(32)}`, "--chain-id", "1", PROOF],
        /do not match the expected 0x1111/,
      ],
    ];
    for (const [args, reason] of cases) {
      const r = runEproof(["verify", "--proof-type", "reth-sp1", ...args]);
      expect(r.status, args.join(" ")).toBe(1);
      expect(r.stdout, args.join(" ")).toMatch(reason);
    }
  });

  it("a proof type with no in-process verifier is a usage error pointing at ere-server", () => {
    const zisk = runEproof(["verify", "--proof-type", "reth-zisk", "--vk", VK, "--public-values", PV, PROOF]);
    expect(zisk.status).toBe(2);
    expect(zisk.stderr).toMatch(/ere-server's Verify/);
    expect(zisk.stderr).not.toMatch(/\n\s+at /);
  });
});
