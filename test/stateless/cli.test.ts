// `eproof stateless` run as a user runs it: a child process on the real fixtures.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const FIX = new URL("../../../shared/fixtures/", import.meta.url).pathname;

function eproof(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["bin/eproof.js", "stateless", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("eproof stateless", () => {
  it("takes directories: their block files, companions skipped", () => {
    const r = eproof("--json", `${FIX}zkboost-devnet`, `${FIX}hoodi`);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const files = r.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as { file: string }).file);
    expect(files.some((f) => f.endsWith("zkboost-devnet/new_payload_request.ssz"))).toBe(true);
    expect(files.some((f) => f.endsWith("hoodi/1151683-block.rlp"))).toBe(true);
    expect(files.some((f) => /execution_witness\.json|chain_config\.json|-witness\.rlp$/.test(f))).toBe(
      false,
    );
  });

  it("--json prints one object per block and exits 0 when every verdict matches", () => {
    const r = eproof(
      "--json",
      `${FIX}zkboost-devnet/new_payload_request.ssz`,
      `${FIX}eest-blockchain/prague/eip7702_set_code_tx/test_empty_authorization_list.json`,
    );
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(
        expect.arrayContaining(["file", "test", "block", "hash", "expected", "valid", "ok", "gasUsed", "ms"]),
      );
      expect(l.ok).toBe(true);
    }
    expect(lines[0]).toMatchObject({ block: 1200, expected: true, valid: true, gasUsed: "0" });
    // The 7702 file's block with an empty authorization list is invalid and must be rejected.
    expect(lines.some((l) => l.expected === false && l.valid === false)).toBe(true);
  });

  it("a geth pair follows geth's witness rule and names the account it assumed absent", () => {
    // The glob order: the witness file stands for its block file, which runs once.
    const r = eproof(`${FIX}hoodi/1151683-block.rlp`, `${FIX}hoodi/1151683-witness.rlp`);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /ok {3}1151683-block\.rlp .* VALID .*assumed absent .*0x00d8b9e957becc0978a9882f0cd5e776cd7c5b20/,
    );
    expect(r.stdout).toMatch(/1\/1 blocks reached the expected verdict/);
  });

  it("--strict-geth-witness: exits 1 and names the missing node", () => {
    const r = eproof("--strict-geth-witness", `${FIX}hoodi/1151683-witness.rlp`);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*1151683-block\.rlp .*missing node 0x7e224bab/);
    expect(r.stdout).toMatch(/0\/1 blocks reached the expected verdict/);
  });

  it("a missing file is one line on stderr, no stack", () => {
    const r = eproof("/nonexistent/x.json");
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe("eproof: /nonexistent/x.json: no such file");
  });

  it("--help explains every option", () => {
    const r = spawnSync(process.execPath, ["bin/eproof.js", "stateless", "--help"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(r.status).toBe(0);
    for (const word of ["--json", "--network", "--strict-geth-witness", "BlockchainTest", "witness.rlp"])
      expect(r.stdout).toContain(word);
  });
});
