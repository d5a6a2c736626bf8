// Logs for people and for machines (issue 17, point 5): on a pseudo-terminal `eproof run` writes human
// lines (level, message, key=value), piped it writes JSON lines, --logFormat overrides either way,
// --logFile also appends JSON lines to a file; the start-up banner names version, network, preset,
// data dir, modules, signing and listen addresses, and warns when signing is off.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageVersion } from "../../src/cli/version.ts";
import { humanLine } from "../../src/util/humanLog.ts";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;

/** Runs `cmd` (argv) under `script`, which gives it a pseudo-terminal; resolves with what it printed. */
function run(cmd: string[], tty: boolean): Promise<{ status: number | null; out: string }> {
  const quoted = cmd.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  const [file, args] = tty ? ["script", ["-qec", quoted, "/dev/null"]] : [cmd[0] ?? "", cmd.slice(1)];
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out: out.replaceAll("\r", "") });
    });
  });
}

describe("log format", () => {
  const dir = mkdtempSync(join(tmpdir(), "eproof-logs-"));
  let beacon: Server;
  let beaconUrl = "";
  let n = 0;

  beforeAll(async () => {
    // A beacon node of another chain: eproof logs its banner, then stops with the fatal line.
    beacon = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://x").pathname;
      const data =
        path === "/eth/v1/config/spec"
          ? { CONFIG_NAME: "other", PRESET_BASE: "mainnet" }
          : {
              genesis_time: "1",
              genesis_validators_root: `0x${"55".repeat(32)}`,
              genesis_fork_version: "0x00000000",
            };
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ data }));
    });
    await new Promise<void>((resolve) => beacon.listen(0, "127.0.0.1", resolve));
    const addr = beacon.address();
    beaconUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => beacon.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  const eproof = (...extra: string[]) => [
    process.execPath,
    BIN,
    "run",
    "--network",
    "hoodi",
    "--beacon.url",
    beaconUrl,
    "--execution.url",
    "http://127.0.0.1:9",
    "--dataDir",
    join(dir, `d${n++}`),
    "--api.port",
    "0",
    "--p2p.enabled",
    "false",
    ...extra,
  ];

  it("writes human lines with the banner on a terminal", async () => {
    const r = await run(eproof(), true);
    expect(r.status).toBe(1);
    const banner = r.out.split("\n").find((l) => l.includes("eproof started")) ?? "";
    expect(banner).toMatch(/^[A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2}\.\d{3} INFO {2}eproof started/);
    expect(banner).toContain(`version=${packageVersion()}`);
    expect(banner).toContain("network=hoodi");
    expect(banner).toContain("preset=mainnet");
    expect(banner).toContain("signing=off");
    expect(banner).toMatch(/api=http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toContain("gateway=off");
    expect(banner).toContain(`dataDir=${join(dir, "d0")}`);
    expect(r.out).toMatch(/WARN {2}signing is off: /);
    expect(r.out).not.toContain('{"level"');
    expect(r.out).toContain("eproof: the beacon node at");
  }, 90_000);

  it("writes JSON lines when piped or asked to, and JSON to --logFile", async () => {
    const piped = await run(eproof(), false);
    const first = piped.out.split("\n").find((l) => l.includes("eproof started")) ?? "";
    expect(JSON.parse(first)).toMatchObject({ level: 30, msg: "eproof started", signing: "off" });

    const file = join(dir, "logs", "eproof.log");
    const json = await run(eproof("--logFormat", "json", "--logFile", file), true);
    expect(json.out.split("\n").find((l) => l.includes("eproof started"))).toMatch(/^\{"level":30/);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("eproof started");

    const human = await run(eproof("--logFormat", "human"), false);
    expect(human.out).toMatch(/INFO {2}eproof started/);
  }, 90_000);

  it("renders one JSON record as one line, fields as key=value", () => {
    const line = humanLine(
      JSON.stringify({
        level: 40,
        time: "2026-12-03T06:38:01.123Z",
        msg: "proof failed",
        reason: "witness_timeout",
        slot: 5,
        err: "a b",
      }),
    );
    expect(line).toBe(
      'Dec 03 06:38:01.123 WARN  proof failed                 reason=witness_timeout slot=5 err="a b"',
    );
    expect(humanLine("not json")).toBe("not json");
  });
});
