// `eproof ssz` checks its flags before reading input, and reads a bounded amount (issue 18, defect 9).
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runEproof } from "../support/cli.ts";
import { fixturePath } from "../support/fixtures.ts";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;

/** Runs eproof with a stdin that stays open (never ends) until the process exits. */
function runWithOpenStdin(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    child.stdin.on("error", () => undefined);
    child.stdin.write(Buffer.alloc(64));
    // A hang is a failure of this test: the test's own timeout catches it.
    child.on("exit", (status) => resolve({ status, stderr }));
  });
}

describe("eproof ssz input", () => {
  it("an unknown type, fork or profile fails without waiting on an endless stdin", async () => {
    const cases: [string[], RegExp][] = [
      [["--type", "Nope"], /unknown SSZ type "Nope"/],
      [["--type", "NewPayloadRequest", "--fork", "bellatrix"], /unknown fork "bellatrix"/],
      [["--type", "ExecutionProof", "--fork", "fulu"], /--fork does not apply/],
      [["--type", "ExecutionProof", "--profile", "nope"], /unknown spec profile "nope"/],
    ];
    for (const [flags, message] of cases) {
      const r = await runWithOpenStdin(["ssz", "decode", ...flags, "-"]);
      expect(r.status, flags.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(message);
    }
  }, 60_000);

  it("refuses stdin or a file beyond --max-bytes", () => {
    const stdin = runEproof(["ssz", "decode", "--type", "NewPayloadRequest", "--max-bytes", "1000", "-"], {
      input: Buffer.alloc(5000),
    });
    expect(stdin.status).toBe(1);
    expect(stdin.stderr).toMatch(/stdin holds more than 1000 bytes \(--max-bytes\)/);
    const file = fixturePath("zkboost-devnet/new_payload_request.ssz");
    const big = runEproof(["ssz", "root", "--type", "NewPayloadRequest", "--max-bytes", "100", file]);
    expect(big.status).toBe(1);
    expect(big.stderr).toMatch(/holds more than 100 bytes/);
    expect(runEproof(["ssz", "root", "--type", "NewPayloadRequest", file]).status).toBe(0);
  });
});
