// `eproof run` stops with exit code 1 and one line saying what to do when it cannot run as configured
// (issue 17, point 2): a beacon node on another network, another preset, a signing key that is no
// validator, a proof type no backend can prove, a port in use. The real binary in a child process,
// against real HTTP beacon nodes on loopback.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKeystoreJson, interopSecretKey } from "../../src/signing/index.ts";
import { BeaconTestServer } from "../beacon/beaconTestServer.ts";
import { CustomSpecBeacon } from "../node/support/customSpecBeacon.ts";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the binary without blocking this process (the test servers answer it meanwhile). */
function runEproof(args: string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** A beacon node of some other chain: just its spec and genesis. */
async function otherChainBeacon(spec: Record<string, string>): Promise<{ url: string; server: Server }> {
  const server = createHttpServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const data =
      path === "/eth/v1/config/spec"
        ? spec
        : path === "/eth/v1/beacon/genesis"
          ? {
              genesis_time: "1700000000",
              genesis_validators_root: `0x${"77".repeat(32)}`,
              genesis_fork_version: "0x10000038",
            }
          : undefined;
    res.writeHead(data ? 200 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify(data ? { data } : { code: 404, message: "not found" }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`, server };
}

describe("eproof run: fatal start-up problems", () => {
  const dir = mkdtempSync(join(tmpdir(), "eproof-fatal-"));
  const chain = new BeaconTestServer();
  const custom = new CustomSpecBeacon(() => chain.url, 1337);
  const servers: (Server | NetServer)[] = [];
  let n = 0;
  const base = (beaconUrl: string) => [
    "run",
    "--dataDir",
    join(dir, `d${n++}`),
    "--beacon.url",
    beaconUrl,
    "--execution.url",
    "http://127.0.0.1:9",
    "--api.port",
    "0",
    "--p2p.enabled",
    "false",
    "--logLevel",
    "error",
  ];

  beforeAll(async () => {
    await chain.start();
    await custom.start();
  });
  afterAll(async () => {
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
    await custom.stop();
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("names the chain the beacon node is on and suggests --network custom", async () => {
    const other = await otherChainBeacon({
      CONFIG_NAME: "kurtosis-devnet",
      DEPOSIT_CHAIN_ID: "3151908",
      PRESET_BASE: "mainnet",
    });
    servers.push(other.server);
    const r = await runEproof([...base(other.url), "--network", "hoodi"]);
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("kurtosis-devnet (chain id 3151908), not hoodi");
    expect(lines[0]).toContain("--network custom");
  }, 90_000);

  it("refuses a beacon node on another preset", async () => {
    const other = await otherChainBeacon({ CONFIG_NAME: "minimal-net", PRESET_BASE: "minimal" });
    servers.push(other.server);
    const r = await runEproof([...base(other.url), "--network", "custom"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^eproof: the beacon node runs the minimal preset .*LODESTAR_PRESET=minimal\n$/);
  }, 90_000);

  it("refuses a signing key that is no validator on the chain", async () => {
    const keystore = join(dir, "keystore.json");
    const password = join(dir, "password.txt");
    writeFileSync(keystore, await createKeystoreJson(interopSecretKey(5), "correct horse"));
    writeFileSync(password, "correct horse");
    const r = await runEproof([
      ...base(custom.url),
      "--network",
      "custom",
      "--signing.keystore",
      keystore,
      "--signing.passwordFile",
      password,
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^eproof: the signing key 0x[0-9a-f]{96} is no validator on eproof-test/);
    expect(r.stderr).toContain("--signing.keystore");
  }, 90_000);

  it("refuses a proof type no backend can prove, naming what the backends prove", async () => {
    const r = await runEproof([
      ...base(custom.url),
      "--network",
      "custom",
      "--proving.proofTypes",
      "reth-zisk",
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("no proving backend can prove reth-zisk (--proving.proofTypes)");
    expect(r.stderr).toContain("prove eproof-reexec");
  }, 90_000);

  it("names the flag of a port in use", async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const addr = busy.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    const r = await runEproof([...base(custom.url), "--network", "custom", "--api.port", String(port)]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `eproof: 127.0.0.1:${port} is already in use (--api.port): stop what listens there or choose another port with --api.port\n`,
    );
  }, 90_000);
});
