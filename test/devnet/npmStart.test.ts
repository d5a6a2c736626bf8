// The README's first command under a supervisor: `timeout 45 npm start` must stop everything npm
// start brought up (eproof, the Lodestar beacon node, the EthereumJS client), not only npm itself.
import { execFileSync, spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../../src/devnet/devnetTools.ts";

const tools = locateDevnetTools();
const title =
  tools === undefined
    ? `timeout npm start (skipped: devnet tools missing; run ${DEVNET_SETUP_COMMAND})`
    : "timeout npm start";
const ROOT = new URL("../../", import.meta.url).pathname;

/** PIDs of processes whose command line names an eproof devnet data dir. */
function devnetProcesses(): number[] {
  try {
    return execFileSync("pgrep", ["-f", "eproof-devnet-"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

describe.skipIf(tools === undefined)(title, () => {
  it("SIGTERM from timeout stops eproof and every devnet process it started", async () => {
    const before = new Set(devnetProcesses());
    const out: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn("timeout", ["-s", "TERM", "45", "npm", "start", "--silent"], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.on("data", (d: Buffer) => out.push(d.toString()));
      child.stderr.on("data", (d: Buffer) => out.push(d.toString()));
      child.on("error", reject);
      child.on("close", resolve);
    });
    // timeout exits 124 when it had to send the signal: the devnet was running until then.
    expect(code, out.join("").slice(-2000)).toBe(124);
    expect(out.join("")).toMatch(/slot\s+\d+/);
    // Give the OS a moment to reap, then nothing the run started may be left.
    let left: number[] = [];
    for (let i = 0; i < 20; i++) {
      left = devnetProcesses().filter((pid) => !before.has(pid));
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left).toEqual([]);
  }, 120_000);
});
