// Devnet load (`eproof devnet --gas M`): the pure planner that splits a slot's gas into LOAD calls and
// transfers, then the real devnet (Lodestar + EthereumJS) filled towards 10 Mgas per block — the load
// calls use exactly the gas their formula says, and the heaviest block is proved valid by the stateless
// engine from an eth_getProof witness, as `eproof devnet` proves.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ssz } from "@lodestar/types";
import { describe, expect, it } from "vitest";
import { LOAD_GAS_PER_ITERATION, LOAD_GAS_PER_ROUND } from "../../src/devnet/contracts.ts";
import { DEVNET_SETUP_COMMAND, locateDevnetTools } from "../../src/devnet/devnetTools.ts";
import { jsonRpcCall } from "../../src/devnet/jsonRpc.ts";
import { startDevnet } from "../../src/devnet/startDevnet.ts";
import { LOAD_ROUND_PROFILES, planLoad, startTxGenerator } from "../../src/devnet/txGenerator.ts";
import { JsonRpcClient } from "../../src/execution/jsonRpcClient.ts";
import { ProofWitnessBuilder } from "../../src/execution/proofWitnessBuilder.ts";
import { FileChainConfigSource } from "../../src/execution/rpcWitnessSource.ts";
import type { ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { validateStateless } from "../../src/stateless/engine.ts";
import { systemClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/logger.ts";

const sum = (items: readonly { gas: bigint }[]): bigint => items.reduce((a, b) => a + b.gas, 0n);

describe("planLoad", () => {
  it("fills the gas asked for with LOAD calls of at most maxTxGas and about 5 % transfers", () => {
    const need = 9_800_000n;
    const plan = planLoad(need, { maxTxGas: 2_000_000n });
    expect(sum(plan)).toBeLessThanOrEqual(need);
    // What is left is less than one more iteration of the most expensive profile, plus a call's overhead.
    const widest = LOAD_GAS_PER_ITERATION + LOAD_GAS_PER_ROUND * BigInt(Math.max(...LOAD_ROUND_PROFILES));
    expect(need - sum(plan)).toBeLessThan(widest + 60_000n);
    const calls = plan.filter((p) => p.kind === "load-call");
    const transfers = plan.filter((p) => p.kind === "load-transfer");
    expect(calls.every((c) => c.gas <= 2_000_000n)).toBe(true);
    expect(transfers.length).toBe(8); // 5 % would be 23; at most 8 per top-up
    // The rounds profiles rotate: storage-bound, mixed, hashing-heavy.
    expect(calls.slice(0, 3).map((c) => (c.kind === "load-call" ? c.rounds : 0))).toEqual([
      ...LOAD_ROUND_PROFILES,
    ]);
  });

  it("packs into fewer, larger calls when few senders are free, and plans nothing for nothing", () => {
    const plan = planLoad(9_000_000n, { maxTxGas: 2_000_000n, maxTxs: 3 });
    expect(plan.length).toBeLessThanOrEqual(3);
    expect(sum(plan)).toBeLessThanOrEqual(9_000_000n);
    expect(sum(plan)).toBeGreaterThan(8_800_000n);
    expect(planLoad(0n, { maxTxGas: 2_000_000n })).toEqual([]);
    expect(planLoad(-5n, { maxTxGas: 2_000_000n })).toEqual([]);
    expect(planLoad(5_000_000n, { maxTxGas: 2_000_000n, maxTxs: 0 })).toEqual([]);
    // Below the smallest call only transfers fit (none here: 5 % of 50,000 is under 21,000).
    expect(planLoad(50_000n, { maxTxGas: 2_000_000n })).toEqual([]);
  });

  it("starts the profile rotation where the last top-up stopped", () => {
    const plan = planLoad(3_000_000n, { maxTxGas: 1_000_000n, profileOffset: 2 });
    const first = plan[0];
    expect(first?.kind === "load-call" ? first.rounds : undefined).toBe(LOAD_ROUND_PROFILES[2]);
  });
});

const tools = locateDevnetTools();
const title = tools
  ? "devnet load (Lodestar + EthereumJS, --gas 10)"
  : `devnet load — SKIPPED: devnet tools not installed; run \`${DEVNET_SETUP_COMMAND}\``;

async function beaconHeadSlot(beaconUrl: string): Promise<number> {
  const res = await fetch(`${beaconUrl}/eth/v1/beacon/headers/head`);
  const body = (await res.json()) as { data: { header: { message: { slot: string } } } };
  return Number(body.data.header.message.slot);
}

interface RpcBlock {
  number: string;
  hash: string;
  gasUsed: string;
  gasLimit: string;
  transactions: string[];
}

describe.skipIf(tools === undefined)(title, () => {
  it("fills blocks towards the target, with exact gas per load call, and the heaviest block proves stateless", async () => {
    const target = 10_000_000n;
    const devnet = await startDevnet({
      logger: silentLogger(),
      secondsPerSlot: 2,
      accounts: 40,
      startTimeoutMs: 60_000,
    });
    const rpc = (method: string, params: unknown[]) => jsonRpcCall(devnet.elRpcUrl, method, params);
    const generator = startTxGenerator({
      rpcUrl: devnet.elRpcUrl,
      chainId: devnet.chainId,
      accounts: devnet.accounts,
      intervalMs: devnet.secondsPerSlot * 1000,
      logger: silentLogger(),
      targetGasPerBlock: target,
    });
    try {
      // Until a block carries 40 % of the target (the budget ramps from a quarter), at most 40 s.
      const deadline = Date.now() + 40_000;
      let heaviest: RpcBlock | undefined;
      let next = 1;
      while (
        Date.now() < deadline &&
        (heaviest === undefined || BigInt(heaviest.gasUsed) < (target * 4n) / 10n)
      ) {
        const head = Number(BigInt(String(await rpc("eth_blockNumber", []))));
        for (; next <= head; next++) {
          const b = (await rpc("eth_getBlockByNumber", [`0x${next.toString(16)}`, false])) as RpcBlock;
          if (heaviest === undefined || BigInt(b.gasUsed) > BigInt(heaviest.gasUsed)) heaviest = b;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      await generator.stop();
      const stats = generator.stats();
      expect(stats.load.contractsReady).toBe(true);
      expect(stats.byKind["load-call"]).toBeGreaterThan(0);
      if (heaviest === undefined) throw new Error("no blocks");
      // The heaviest block is still canonical (forks happen on a loaded machine: re-read it by number).
      const block = (await rpc("eth_getBlockByNumber", [heaviest.number, false])) as RpcBlock;
      const gasUsed = BigInt(block.gasUsed);
      expect(gasUsed, JSON.stringify(stats.load)).toBeGreaterThanOrEqual((target * 4n) / 10n);
      expect(gasUsed).toBeLessThanOrEqual(BigInt(block.gasLimit));

      // Every load call and transfer in it used exactly the gas the generator computed.
      const ours = new Map(generator.recent.map((t) => [t.hash, t]));
      let checked = 0;
      for (const hash of block.transactions) {
        const tx = ours.get(hash);
        if (tx?.gas === undefined) continue;
        const receipt = (await rpc("eth_getTransactionReceipt", [hash])) as {
          status: string;
          gasUsed: string;
        };
        expect(receipt.status, tx.kind).toBe("0x1");
        expect(BigInt(receipt.gasUsed), tx.kind).toBe(tx.gas);
        checked++;
      }
      expect(checked).toBeGreaterThan(1);

      // The block through the Beacon API as eproof's prover sees it, witnessed from eth_getProof (the
      // EthereumJS client has no debug_executionWitness) and re-executed by the stateless engine. Only the
      // execution payload is decoded: the devnet runs the minimal preset, this process the mainnet one.
      let npr: ForkedNewPayloadRequest | undefined;
      for (let slot = await beaconHeadSlot(devnet.beaconUrl); slot > 0 && npr === undefined; slot--) {
        const res = await fetch(`${devnet.beaconUrl}/eth/v2/beacon/blocks/${slot}`, {
          headers: { accept: "application/json" },
        });
        if (res.status !== 200) continue; // an empty slot
        const body = (await res.json()) as {
          version: string;
          data: { message: { body: { execution_payload: { block_hash: string } } } };
        };
        const payloadJson = body.data.message.body.execution_payload;
        if (payloadJson.block_hash !== block.hash) continue;
        expect(body.version).toBe("capella");
        npr = {
          fork: "capella",
          value: { executionPayload: ssz.capella.ExecutionPayload.fromJson(payloadJson) },
        };
      }
      if (npr === undefined) throw new Error(`block ${block.hash} not found through the Beacon API`);
      // As `eproof devnet` configures its prover: the genesis chain config in a file.
      const chainConfigFile = join(devnet.dataDir, "chain-config.json");
      writeFileSync(chainConfigFile, JSON.stringify(devnet.chainConfig));
      const chainConfigSource = new FileChainConfigSource(chainConfigFile);
      const builder = new ProofWitnessBuilder(
        new JsonRpcClient({ url: devnet.elRpcUrl }, { clock: systemClock }),
        devnet.elRpcUrl,
        {
          clock: systemClock,
          logger: silentLogger(),
          chainConfigSource,
        },
      );
      const witness = await builder.fetchWitness({
        blockHash: npr.value.executionPayload.blockHash,
        blockNumber: npr.value.executionPayload.blockNumber,
        npr,
      });
      const outcome = await validateStateless({
        npr,
        witness: witness.witness,
        chainConfig: await chainConfigSource.chainConfig(),
      });
      expect(outcome.reason).toBeUndefined();
      expect(outcome.valid).toBe(true);
      expect(outcome.gasUsed).toBe(gasUsed);
      console.log(
        `load: block ${Number(block.number)} ${gasUsed} gas, ${block.transactions.length} txs; witness ${witness.ms} ms; stateless ${outcome.ms.toFixed(0)} ms; ${JSON.stringify(stats.load)}`,
      );
    } finally {
      await generator.stop();
      await devnet.stop();
    }
  }, 120_000);
});
