// Devnet figures: time from startDevnet to the first execution block, observed slot time and missed slots
// with the transaction generator running, resident memory of each node, and stop time.
// Needs the devnet tools (bash scripts/devnet-setup.sh); without them it reports nothing.

import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../src/devnet/devnetTools.ts";
import { jsonRpcCall } from "../src/devnet/jsonRpc.ts";
import { devnetMemory } from "../src/devnet/processStats.ts";
import { startDevnet } from "../src/devnet/startDevnet.ts";
import { startTxGenerator } from "../src/devnet/txGenerator.ts";
import { silentLogger } from "../src/util/logger.ts";
import type { BenchFigure } from "./figure.ts";

const OBSERVED_SLOTS = 15;

async function blockTimestamp(rpcUrl: string, n: number): Promise<number> {
  const b = (await jsonRpcCall(rpcUrl, "eth_getBlockByNumber", [`0x${n.toString(16)}`, false])) as {
    timestamp: string;
  };
  return Number(BigInt(b.timestamp));
}

export async function run(): Promise<BenchFigure[]> {
  if (locateDevnetTools() === undefined) {
    process.stderr.write(
      `devnet bench skipped: devnet tools not installed; run \`${DEVNET_SETUP_COMMAND}\`\n`,
    );
    return [];
  }
  const logger = silentLogger();
  const devnet = await startDevnet({ logger, secondsPerSlot: 2 });
  const figures: BenchFigure[] = [
    {
      name: "devnet: time to first block",
      value: devnet.timeToFirstBlockMs,
      unit: "ms",
      target: "a few seconds",
    },
  ];
  const generator = startTxGenerator({
    rpcUrl: devnet.elRpcUrl,
    chainId: devnet.chainId,
    accounts: devnet.accounts,
    intervalMs: devnet.secondsPerSlot * 1000,
    logger,
  });
  try {
    const startBlock = Number(BigInt(String(await jsonRpcCall(devnet.elRpcUrl, "eth_blockNumber", []))));
    // Wall-clock arrival of each new execution head.
    const arrivals: number[] = [];
    let last = startBlock;
    const until = Date.now() + OBSERVED_SLOTS * devnet.secondsPerSlot * 1000;
    while (Date.now() < until) {
      const n = Number(BigInt(String(await jsonRpcCall(devnet.elRpcUrl, "eth_blockNumber", []))));
      if (n > last) {
        for (let i = last; i < n; i++) arrivals.push(Date.now());
        last = n;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const blocks = last - startBlock;
    // Slots spanned by the observed blocks, from their timestamps (one slot = one payload timestamp step).
    const spanSlots =
      ((await blockTimestamp(devnet.elRpcUrl, last)) - (await blockTimestamp(devnet.elRpcUrl, startBlock))) /
      devnet.secondsPerSlot;
    const intervals = arrivals.slice(1).map((t, i) => t - (arrivals[i] ?? t));
    const meanInterval =
      intervals.length > 0 ? intervals.reduce((a, b) => a + b, 0) / intervals.length : Number.NaN;
    figures.push(
      {
        name: "devnet: mean time between blocks",
        value: meanInterval,
        unit: "ms",
        target: "2000 (2 s slots)",
      },
      {
        name: "devnet: missed slots",
        value: Math.max(0, spanSlots - blocks),
        unit: "slots",
        target: "0",
      },
      { name: "devnet: transactions sent", value: generator.stats().sent, unit: "txs" },
    );
    for (const m of await devnetMemory(devnet.processes)) {
      figures.push({
        name: `devnet: ${m.name} node RSS`,
        value: (m.rssBytes ?? Number.NaN) / 2 ** 20,
        unit: "MiB",
        target: "~200",
      });
    }
  } finally {
    await generator.stop();
    const t0 = Date.now();
    await devnet.stop();
    figures.push({ name: "devnet: stop time", value: Date.now() - t0, unit: "ms" });
  }
  return figures;
}
