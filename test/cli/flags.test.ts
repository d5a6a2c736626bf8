// Flags like a consensus client's (issue 17, point 4): bare booleans, types in --help, --data-dir and
// --dataDir both accepted (camelCase documented), `eproof` alone prints the help, errors name the
// environment variable a bad value came from, one line without doubled punctuation.

import { describe, expect, it } from "vitest";
import yargs from "yargs";
import { configFromArgs, withConfigOptions } from "../../src/cli/configOptions.ts";
import { runEproof } from "../support/cli.ts";

function parseRun(argv: string[], env: Record<string, string> = {}) {
  const args = withConfigOptions(yargs(argv).strict()).parseSync() as Record<string, unknown>;
  return configFromArgs(args, env);
}

describe("eproof flags", () => {
  it("takes bare booleans and both spellings of a flag", () => {
    const cfg = parseRun([
      "--gateway.enabled",
      "--p2p.enabled",
      "false",
      "--data-dir",
      "/tmp/x",
      "--beacon.timeout-ms",
      "1500",
      "--api.port=9600",
    ]);
    expect(cfg.gateway.enabled).toBe(true);
    expect(cfg.p2p.enabled).toBe(false);
    expect(cfg.dataDir).toBe("/tmp/x");
    expect(cfg.beacon.timeoutMs).toBe(1500);
    expect(cfg.api.port).toBe(9600);
    expect(parseRun(["--dataDir", "/tmp/y"]).dataDir).toBe("/tmp/y");
    expect(() => parseRun(["--api.port", "eighty"])).toThrow("flag --api.port needs a number");
  });

  it("names the environment variable a bad value came from", () => {
    expect(() => parseRun([], { EPROOF_BEACON_URL: "not a url" })).toThrow(
      /^invalid configuration: beacon\.url \(from environment variable EPROOF_BEACON_URL\): /,
    );
    expect(() => parseRun(["--gateway.mode", "sometimes"])).toThrow(
      /gateway\.mode \(from flag --gateway\.mode\)/,
    );
  });

  it("shows each option's type in --help and documents one spelling", () => {
    const run = runEproof(["run", "--help"]);
    expect(run.status).toBe(0);
    // An option's block: its line and the wrapped lines after it, up to the next option.
    const line = (flag: string) => {
      const lines = run.stdout.split("\n");
      const at = lines.findIndex((l) => l.trimStart().startsWith(`--${flag} `));
      const end = lines.findIndex((l, i) => i > at && /^\s+--/.test(l));
      return at === -1 ? "" : lines.slice(at, end === -1 ? undefined : end).join(" ");
    };
    expect(line("gateway.enabled")).toContain("[boolean]");
    expect(line("api.port")).toContain("[number]");
    expect(line("dataDir")).toContain("[string]");
    const devnet = runEproof(["devnet", "--help"]);
    expect(devnet.stdout).toMatch(/--dataDir\b/);
    expect(devnet.stdout).toMatch(/--secondsPerSlot\b/);
    expect(devnet.stdout).not.toMatch(/--data-dir\s/);
  });

  it("prints the help when called without a command", () => {
    const r = runEproof([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Commands:");
    expect(r.stdout).toContain("eproof run");
    expect(r.stderr).toBe("");
  });

  it("reports a bad call in one line without doubled punctuation", () => {
    const r = runEproof(["run", "--bogus"]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^eproof: Unknown argument: bogus \(see eproof --help\)$/);
    expect(lines[0]).not.toMatch(/[.:] \(see/);
  });
});
