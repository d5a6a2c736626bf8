// `eproof devnet`: the newcomer's first run — a real beacon node and execution client on loopback, an
// eproof prover and eproof verifiers; one line per slot, the dashboard URL, Ctrl-C stops everything.
import type { Argv, CommandModule } from "yargs";
import {
  type DevnetReadyInfo,
  type DevnetSummary,
  runProofDevnet,
  type SlotReport,
} from "../../devnet/proofDevnet.ts";
import { createLogger } from "../../util/logger.ts";

interface DevnetArgs {
  slots?: number;
  json?: boolean;
  nodes: number;
  secondsPerSlot: number;
  dataDir?: string;
  gatewayWaitMs: number;
  logLevel: string;
  keep?: boolean;
  light?: boolean;
  gas?: number;
}

/** Every URL a user needs next, one per line, and where each node's config file is. */
export function readyLines(info: DevnetReadyInfo): string[] {
  const lines = [
    `beacon node     ${info.beaconUrl}`,
    `execution RPC   ${info.rpcUrl}`,
    `execution Engine ${info.engineUrl}  (the beacon node uses the prover's gateway instead)`,
  ];
  for (const n of info.nodes) {
    lines.push(`eproof ${n.index} (${n.role})  API ${n.apiUrl}  dashboard ${n.apiUrl}/dashboard`);
    if (n.gatewayUrl) lines.push(`  Engine API gateway ${n.gatewayUrl}`);
    for (const a of n.multiaddrs) lines.push(`  p2p ${a}`);
    lines.push(`  config ${n.configFile}`);
  }
  if (info.light) {
    lines.push(
      `eproof light  API ${info.light.apiUrl}/eth/v1/eproof/light/head  verified JSON-RPC ${info.light.rpcUrl}`,
      `  checkpoint ${info.light.checkpointRoot}  config ${info.light.configFile}  log ${info.light.logPath}`,
    );
  }
  lines.push(
    `data in ${info.dataDir}${info.removeDataDir ? " (removed on exit; --keep keeps it)" : ""}`,
    `dashboard: ${info.dashboardUrl}    (Ctrl-C stops everything)`,
  );
  return lines;
}

function slotLine(r: SlotReport): string {
  const ms = (v: number | null) => (v === null ? "    —" : `${Math.round(v)}`.padStart(5));
  const kb = r.inputBytes === null ? "   —" : `${(r.inputBytes / 1024).toFixed(0)}`.padStart(4);
  const margin = r.orphaned
    ? "⊘ orphaned by a reorg"
    : r.marginMs === null
      ? "no proof verified"
      : `margin ${Math.round(r.marginMs)} ms`;
  return (
    `slot ${String(r.slot).padStart(4)}  block ${String(r.block).padStart(4)}  ${String(r.txs).padStart(3)} txs ` +
    `${String(r.gasUsed).padStart(9)} gas  witness ${kb} KiB  proved ${ms(r.proveMs)} ms  ` +
    `verified ${ms(r.verifyMs)} ms (${r.verifiers} nodes)  ${margin}` +
    (r.lightMs === undefined
      ? ""
      : `  light ${r.lightMs === null ? "not reached" : `${Math.round(r.lightMs)} ms`} (head ${r.lightHeadSlot ?? "—"})`)
  );
}

export const devnetCommand: CommandModule<object, DevnetArgs> = {
  command: "devnet",
  describe: "run a real local devnet (Lodestar + EthereumJS on loopback) with an eproof prover and verifiers",
  builder: (y: Argv) =>
    y
      .option("slots", {
        type: "number",
        describe:
          "run until eproof has seen this many blocks (one slot line each), then print a summary and exit",
      })
      .option("json", { type: "boolean", describe: "print one JSON line per slot and a JSON summary" })
      .option("nodes", {
        type: "number",
        default: 2,
        describe: "eproof nodes: one prover plus verifiers (≥ 2)",
      })
      .option("secondsPerSlot", { type: "number", default: 2, describe: "slot time of the devnet" })
      .option("dataDir", {
        type: "string",
        describe: "keep the chain and eproof data here (default: a new temp dir)",
      })
      .option("gatewayWaitMs", {
        type: "number",
        default: 300,
        describe: "how long the Engine API gateway waits for proofs before asking the execution client",
      })
      .option("keep", {
        type: "boolean",
        describe: "keep the data dir the devnet created (chain, eproof stores, configs) after it stops",
      })
      .option("gas", {
        type: "number",
        describe:
          "fill blocks to about this many million gas (contract calls with storage writes, keccak and calls, plus transfers; ≤ 30, the block gas limit) to see proving against the 10 s budget at realistic sizes",
      })
      .option("light", {
        type: "boolean",
        describe:
          "also run an `eproof light` node: the beacon node as its untrusted light-client server, the prover's gossip for proofs",
      })
      .option("logLevel", {
        type: "string",
        default: "error",
        describe: "log level of the eproof nodes (stderr)",
      })
      .epilogue(
        "The devnet is Capella (Lodestar 1.5.1 is the newest Lodestar this registry serves), proves with the CPU\n" +
          "proof type eproof-reexec and rebuilds witnesses from eth_getProof (the EthereumJS client has no\n" +
          "debug_executionWitness). It listens on 127.0.0.1 only. Flags may also be written --data-dir, --seconds-per-slot, ….",
      ) as unknown as Argv<DevnetArgs>,
  handler: async (args) => {
    if (args.nodes < 2) throw new Error("--nodes must be at least 2 (a prover and a verifier)");
    if (args.gas !== undefined && !(args.gas > 0 && args.gas <= 30))
      throw new Error(
        `--gas is million gas per block, more than 0 and at most 30 (the block gas limit); got ${args.gas}`,
      );
    const logger = createLogger({ level: args.json ? "error" : "info", name: "devnet" });
    const nodeLogger = createLogger({ level: args.logLevel as "error" });
    const abort = new AbortController();
    const onSignal = () => abort.abort(new Error("interrupted"));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const out = (line: string) => process.stdout.write(`${line}\n`);
    let summary: DevnetSummary;
    try {
      summary = await runProofDevnet({
        slots: args.slots,
        nodes: args.nodes,
        secondsPerSlot: args.secondsPerSlot,
        dataDir: args.dataDir,
        gatewayWaitMs: args.gatewayWaitMs,
        keep: args.keep,
        light: args.light,
        gasMillions: args.gas,
        logger,
        nodeLogger,
        signal: abort.signal,
        onReady: (info) => {
          // --json: one line with every URL first, for scripts (then slot lines, then the summary).
          if (args.json) return out(JSON.stringify({ type: "ready", ...info }));
          out("devnet up:");
          for (const line of readyLines(info)) out(line);
        },
        onSlot: (r) => out(args.json ? JSON.stringify({ type: "slot", ...r }) : slotLine(r)),
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    if (args.json) out(JSON.stringify(summary));
    else if (summary.interrupted) {
      out(
        `stopped: ${summary.blocks} blocks seen (${summary.orphaned} orphaned), ${summary.proved} proved, ` +
          `${summary.verified} verified by all ${summary.nodes - 1} verifiers; median proof ${summary.p50ProveMs ?? "—"} ms`,
      );
    } else {
      out(
        `${summary.blocks} canonical blocks (${summary.orphaned} orphaned): ${summary.proved} proved, ` +
          `${summary.verified} verified and ${summary.stored} stored by all ${summary.nodes - 1} verifiers; ` +
          `${summary.servedToLateJoiner} proofs served again to a late joiner (${summary.lateJoinerPath}); median proof ${summary.p50ProveMs ?? "—"} ms; ` +
          `beacon head at slot ${summary.headSlot} with ${summary.attestations} attestations included`,
      );
    }
    if (!args.json && summary.light) {
      const l = summary.light;
      out(
        `light node: verified head reached ${l.followed} of ${summary.blocks} blocks (head slot ${l.headSlot ?? "—"}); ` +
          `lag behind the proven head p50 ${l.lagSlotsP50 ?? "—"} / p99 ${l.lagSlotsP99 ?? "—"} slots; ` +
          `${l.bytesPerSlot ?? "—"} bytes per slot; peak RSS ${Math.round(l.peakRssBytes / 2 ** 20)} MiB`,
      );
    }
    if (args.slots !== undefined && !summary.ok) process.exitCode = 1;
  },
};
