// End to end on real nodes: `eproof devnet` with 3 eproof nodes for 20 slots. Every canonical block is
// proved by node 0, gossiped, verified and stored by the two others, and fetched again by a late joiner;
// the Lodestar beacon node, whose execution engine is node 0's Engine API gateway (proofs-or-EL, upstream
// the EthereumJS client), keeps following the chain and its validators keep attesting.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../../src/devnet/devnetTools.ts";

const tools = locateDevnetTools();
const title =
  tools === undefined
    ? `eproof devnet end to end (skipped: devnet tools missing; run ${DEVNET_SETUP_COMMAND})`
    : "eproof devnet end to end";

const BIN = new URL("../../bin/eproof.js", import.meta.url).pathname;
const SLOTS = 20;

interface Summary {
  slots: number;
  blocks: number;
  proved: number;
  verified: number;
  stored: number;
  nodes: number;
  txs: number;
  servedToLateJoiner: number;
  lateJoinerPath: string;
  headSlot: number;
  attestations: number;
  ok: boolean;
}

function runDevnet(args: string[]): Promise<{ code: number | null; lines: string[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "devnet", ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGINT"), 400_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, lines: out.trim().split("\n").filter(Boolean), stderr: err });
    });
  });
}

describe.skipIf(tools === undefined)(title, () => {
  it(`proves, gossips, verifies, stores and serves every block of ${SLOTS} slots on 3 eproof nodes`, async () => {
    const r = await runDevnet(["--slots", String(SLOTS), "--nodes", "3", "--json", "--log-level", "error"]);
    const last = r.lines.at(-1);
    expect(last, r.stderr.slice(-2000)).toBeDefined();
    const summary = JSON.parse(last ?? "{}") as Summary;
    const [ready, ...slotLines] = r.lines
      .slice(0, -1)
      .map(
        (l) => JSON.parse(l) as { type: string; slot: number; proveMs: number | null; beaconUrl?: string },
      );
    // First the URLs a script needs, then one line per slot.
    expect(ready?.type).toBe("ready");
    expect(ready?.beaconUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(slotLines.every((l) => l.type === "slot")).toBe(true);
    // Lines come in slot order, whatever order the blocks completed in.
    const slots = slotLines.map((l) => l.slot);
    expect(slots).toEqual([...slots].sort((a, b) => a - b));

    expect(summary.nodes).toBe(3);
    // Blocks of the first slots may come before the nodes follow; most of the 20 slots must be there.
    expect(summary.blocks).toBeGreaterThanOrEqual(10);
    expect(summary.txs).toBeGreaterThan(0);
    expect(summary.proved).toBe(summary.blocks);
    expect(summary.verified).toBe(summary.blocks);
    expect(summary.stored).toBe(summary.blocks);
    // No EIP-8025 req/resp under v1.7: the late joiner catches up through the beacon-API endpoints.
    expect(summary.lateJoinerPath).toBe("beacon-api");
    expect(summary.servedToLateJoiner).toBeGreaterThanOrEqual(summary.blocks);
    // The beacon node behind the gateway kept importing blocks and including attestations.
    expect(summary.headSlot).toBeGreaterThanOrEqual(SLOTS);
    expect(summary.attestations).toBeGreaterThan(summary.blocks / 2);
    expect(summary.ok).toBe(true);
    expect(r.code).toBe(0);
  }, 450_000);
});
