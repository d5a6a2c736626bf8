import { describe, expect, it } from "vitest";
import { runEproof } from "../support/cli.ts";
import { fixturePath, readFixture } from "../support/fixtures.ts";

const NPR = fixturePath("zkboost-devnet/new_payload_request.ssz");
const ROOT = "0x2b1cf251b5b8cabf41828761b5105b307544c6280b5c8e66fd30170f7fe7ddbf";

describe("eproof ssz", () => {
  it("prints the NPR root for fulu, and finds the fork when none is given", () => {
    const r = runEproof(["ssz", "root", "--type", "NewPayloadRequest", "--fork", "fulu", NPR]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(ROOT);
    expect(runEproof(["ssz", "root", "--type", "NewPayloadRequest", NPR]).stdout.trim()).toBe(ROOT);
  });

  it("decodes to JSON and reads stdin as bytes or hex", () => {
    const d = runEproof(["ssz", "decode", "--type", "NewPayloadRequest", "--fork", "electra", NPR]);
    const json = JSON.parse(d.stdout) as {
      root: string;
      value: { execution_payload: { block_hash: string } };
    };
    expect(json.root).toBe(ROOT);
    expect(json.value.execution_payload.block_hash).toMatch(/^0x[0-9a-f]{64}$/);
    const hex = `0x${Buffer.from(readFixture("zkboost-devnet/new_payload_request.ssz")).toString("hex")}`;
    expect(runEproof(["ssz", "root", "--type", "NewPayloadRequest", "-"], { input: hex }).stdout.trim()).toBe(
      ROOT,
    );
  });

  it("bad input is one line on stderr with a non-zero exit, never a stack trace", () => {
    const cases: [string[], RegExp, number][] = [
      [
        ["ssz", "root", "--type", "NewPayloadRequest", "--fork", "bellatrix", NPR],
        /unknown fork "bellatrix"/,
        1,
      ],
      [["ssz", "root", "--type", "Nope", NPR], /unknown SSZ type "Nope"/, 1],
      [["ssz", "root", "--type", "SignedExecutionProof", NPR], /not a valid SignedExecutionProof/, 1],
      [["ssz", "root", "--type", "ExecutionProof", "--fork", "fulu", NPR], /--fork does not apply/, 2],
      [["ssz", "root", "--type", "NewPayloadRequest", "/no/such/file"], /cannot read \/no\/such\/file/, 1],
      [["ssz", "root", "--type", "NewPayloadRequest"], /Not enough non-option arguments/, 2],
      [["frobnicate"], /Unknown argument: frobnicate/, 2],
    ];
    for (const [args, message, status] of cases) {
      const r = runEproof(args);
      expect(r.status, args.join(" ")).toBe(status);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const truncated = runEproof(["ssz", "root", "--type", "NewPayloadRequest", "--fork", "fulu", "-"], {
      input: readFixture("zkboost-devnet/new_payload_request.ssz").subarray(0, 300),
    });
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toMatch(/300 bytes are not a valid NewPayloadRequest \(fulu\)/);
    const badHex = runEproof(["ssz", "root", "--type", "NewPayloadRequest", "--hex", "-"], {
      input: "0xabc",
    });
    expect(badHex.stderr).toMatch(/not 0x-prefixed even-length hex/);
  });

  it("--help and --version work", () => {
    const help = runEproof(["ssz", "root", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--type/);
    expect(runEproof(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
