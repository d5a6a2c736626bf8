// Light-client figures (issue 15) from the real devnet: `eproof devnet --light --json` runs a prover, a
// verifier and an `eproof light` process. While it runs, the light node's verified JSON-RPC is asked
// eth_getBalance (each answer is an upstream eth_getProof checked against the verified state root).
// Needs the devnet tools (bash scripts/devnet-setup.sh); without them it reports nothing.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { devAccount } from "../src/devnet/devAccounts.ts";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../src/devnet/devnetTools.ts";
import type { DevnetSummary } from "../src/devnet/proofDevnet.ts";
import type { BenchFigure } from "./figure.ts";

const BIN = new URL("../bin/eproof.js", import.meta.url).pathname;
const SLOTS = Number(process.env.BENCH_LIGHT_SLOTS ?? 24);

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.ceil(p * s.length) - 1] ?? Number.NaN) : Number.NaN;
};

export async function run(): Promise<BenchFigure[]> {
  if (locateDevnetTools() === undefined) {
    process.stderr.write(
      `light bench skipped: devnet tools not installed; run \`${DEVNET_SETUP_COMMAND}\`\n`,
    );
    return [];
  }
  const child = spawn(process.execPath, [BIN, "devnet", "--slots", String(SLOTS), "--light", "--json"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const address = devAccount(0).address;
  const rpcMs: number[] = [];
  let rpcErrors = 0;
  const errorKinds = new Map<string, number>();
  let polling = true;
  let summary: DevnetSummary | undefined;
  const poll = async (rpcUrl: string) => {
    while (polling) {
      const t0 = performance.now();
      try {
        const r = await fetch(rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "eth_getBalance",
            params: [address, "latest"],
          }),
        });
        const body = (await r.json()) as { result?: string; error?: { code: number; message: string } };
        if (body.result !== undefined) rpcMs.push(performance.now() - t0);
        // -32001: no verified head yet (the first slots); anything else counts as an error.
        else if (body.error?.code !== -32001) {
          rpcErrors++;
          const kind = `${body.error?.code}: ${body.error?.message.slice(0, 120)}`;
          errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
        }
      } catch (e) {
        // The devnet stops the light node before it prints its summary: a refused connection ends the run.
        if (/ECONNREFUSED/.test(String((e as { cause?: unknown }).cause))) break;
        rpcErrors++;
        const kind = `fetch: ${String(e).slice(0, 120)}`;
        errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  let poller: Promise<void> | undefined;
  for await (const line of createInterface({ input: child.stdout })) {
    const msg = JSON.parse(line) as { type?: string; light?: { rpcUrl: string } } & Partial<DevnetSummary>;
    if (msg.type === "ready" && msg.light) poller = poll(msg.light.rpcUrl);
    else if (msg.type === undefined) summary = msg as DevnetSummary;
  }
  polling = false;
  await poller;
  const code = await new Promise<number | null>((r) =>
    child.exitCode !== null ? r(child.exitCode) : child.once("close", r),
  );
  for (const [kind, n] of errorKinds) process.stderr.write(`light bench: ${n} × ${kind}\n`);
  const l = summary?.light;
  if (!summary || !l) throw new Error(`eproof devnet --light gave no light summary (exit ${code})`);
  return [
    {
      name: "light.verified_head_lag_slots",
      value: l.lagSlotsP99 ?? Number.NaN,
      unit: "slots (p99)",
      target: `≤ 1 (p50 ${l.lagSlotsP50}, max ${l.lagSlotsMax}; ${l.followed}/${summary.blocks} blocks reached)`,
    },
    {
      name: "light.bytes_per_slot",
      value: l.bytesPerSlot ?? Number.NaN,
      unit: "B",
      target:
        "proofs (CPU type: the compressed witness) + light-client data; a zk proof is ~a few hundred KB",
    },
    {
      name: "light.rpc_check_ms",
      value: Number(pct(rpcMs, 0.99).toFixed(1)),
      unit: "ms (p99)",
      target: `eth_getBalance answered and checked (p50 ${pct(rpcMs, 0.5).toFixed(1)} ms, ${rpcMs.length} calls, ${rpcErrors} errors)`,
    },
    {
      name: "light.peak_rss_mb",
      value: Math.round(l.peakRssBytes / 2 ** 20),
      unit: "MiB",
      target: "the eproof light process",
    },
  ];
}
