// Keeps devnet blocks non-trivial: each slot, signs with the dev keys and sends (eth_sendRawTransaction) a
// batch of a value transfer, a contract deployment, a storage write, a storage deletion and a reverting call.
import { type Common, createCustomCommon, Hardfork, Mainnet } from "@ethereumjs/common";
import { createFeeMarket1559Tx, createLegacyTx } from "@ethereumjs/tx";
import {
  bigIntToBytes,
  bytesToHex,
  createAddressFromString,
  generateAddress,
  hexToBytes,
  toChecksumAddress,
} from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { GENESIS_STORAGE_CONTRACT, REVERT_CALLDATA, STORAGE_INITCODE, storageCalldata } from "./contracts.ts";
import type { DevAccount } from "./interface.ts";
import { jsonRpcCall, jsonRpcHex } from "./jsonRpc.ts";

export type GeneratedTxKind = "transfer" | "deploy" | "storage-write" | "storage-delete" | "revert";

export const GENERATED_TX_KINDS: readonly GeneratedTxKind[] = [
  "transfer",
  "deploy",
  "storage-write",
  "storage-delete",
  "revert",
];

export interface GeneratedTx {
  hash: string;
  kind: GeneratedTxKind;
  from: string;
  /** Absent for deployments. */
  to?: string;
  nonce: bigint;
  /** For deployments: the address the contract will have. */
  contractAddress?: string;
  /** For storage writes/deletions: the slot touched. */
  slot?: bigint;
  batch: number;
}

export interface TxGeneratorStats {
  batches: number;
  /** Slots skipped because the previous batch was not in a block yet (keeps blocks small on a slow node). */
  skipped: number;
  sent: number;
  failed: number;
  byKind: Record<GeneratedTxKind, number>;
}

export interface TxGeneratorOpts {
  rpcUrl: string;
  chainId: number;
  /** Senders; one per kind when there are enough, else shared round-robin. */
  accounts: readonly DevAccount[];
  /** One batch per interval (a slot). */
  intervalMs: number;
  logger: Logger;
  signal?: AbortSignal;
  /** How many recent transactions `recent` keeps; default 1000. */
  keepRecent?: number;
}

interface SenderState {
  account: DevAccount;
  key: Uint8Array;
  /** Next nonce to use; undefined = ask the node (at start, or after a failed send). */
  nonce: bigint | undefined;
}

const GWEI = 1_000_000_000n;
const MAX_FEE = 20n * GWEI;
const PRIORITY_FEE = 1n * GWEI;
const GAS: Record<GeneratedTxKind, bigint> = {
  transfer: 21_000n,
  deploy: 200_000n,
  "storage-write": 60_000n,
  "storage-delete": 60_000n,
  revert: 60_000n,
};
/** Slots the generator writes start here, apart from the genesis contract's preset slots 1..4. */
const FIRST_WRITTEN_SLOT = 0x100n;

export class TxGenerator {
  private readonly opts: TxGeneratorOpts;
  private readonly common: Common;
  private readonly senders: SenderState[];
  private readonly keepRecent: number;
  private readonly recentTxs: GeneratedTx[] = [];
  /** Slots set and not yet deleted, oldest first; the genesis contract's presets come first. */
  private readonly liveSlots: { contract: string; slot: bigint }[] = [];
  private readonly deployed: string[] = [];
  private readonly counters: TxGeneratorStats;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<unknown> | undefined;
  private batchNo = 0;
  /** Execution head when the last batch was sent; the next batch waits for a newer block. */
  private lastBatchHead: bigint | undefined;

  constructor(opts: TxGeneratorOpts) {
    if (opts.accounts.length === 0)
      throw new RangeError("the transaction generator needs at least one account");
    this.opts = opts;
    this.keepRecent = opts.keepRecent ?? 1000;
    this.common = createCustomCommon({ chainId: opts.chainId }, Mainnet, { hardfork: Hardfork.Shanghai });
    this.senders = opts.accounts.map((account) => ({
      account,
      key: hexToBytes(account.privateKey as `0x${string}`),
      nonce: undefined,
    }));
    for (let slot = 1n; slot <= 4n; slot++) this.liveSlots.push({ contract: GENESIS_STORAGE_CONTRACT, slot });
    this.counters = {
      batches: 0,
      skipped: 0,
      sent: 0,
      failed: 0,
      byKind: { transfer: 0, deploy: 0, "storage-write": 0, "storage-delete": 0, revert: 0 },
    };
  }

  /** Sends a batch now and then every `intervalMs` until stop() or the abort signal. */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      if (this.inFlight !== undefined) return; // the previous batch is still being sent: skip this slot
      this.inFlight = this.sendBatchIfHeadMoved()
        .catch((e) => this.opts.logger.warn({ err: errorMessage(e) }, "transaction batch failed"))
        .finally(() => {
          this.inFlight = undefined;
        });
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs);
    this.opts.signal?.addEventListener("abort", () => void this.stop(), { once: true });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** Recently sent transactions, oldest first (bounded by `keepRecent`). */
  get recent(): readonly GeneratedTx[] {
    return this.recentTxs;
  }

  stats(): TxGeneratorStats {
    return { ...this.counters, byKind: { ...this.counters.byKind } };
  }

  /**
   * Backpressure: a batch only after a new block since the last one, so a node that falls behind is not
   * buried under a growing pool (Lodestar's validator gives block production one slot).
   */
  async sendBatchIfHeadMoved(): Promise<GeneratedTx[]> {
    const head = BigInt(await jsonRpcHex(this.opts.rpcUrl, "eth_blockNumber", []));
    if (this.lastBatchHead !== undefined && head <= this.lastBatchHead) {
      this.counters.skipped++;
      return [];
    }
    this.lastBatchHead = head;
    return this.sendBatch();
  }

  /** One batch: one transaction of each kind, each from its own sender so nonces never interleave. */
  async sendBatch(): Promise<GeneratedTx[]> {
    const batch = this.batchNo++;
    this.counters.batches++;
    const out: GeneratedTx[] = [];
    for (const [i, kind] of GENERATED_TX_KINDS.entries()) {
      const sender = this.senders[i % this.senders.length];
      if (sender === undefined) continue;
      try {
        out.push(await this.sendOne(kind, sender, batch));
        this.counters.sent++;
        this.counters.byKind[kind]++;
      } catch (e) {
        this.counters.failed++;
        sender.nonce = undefined; // resynchronise from the node next time
        this.opts.logger.warn(
          { kind, from: sender.account.address, err: errorMessage(e) },
          "could not send transaction",
        );
      }
    }
    for (const tx of out) this.recentTxs.push(tx);
    if (this.recentTxs.length > this.keepRecent)
      this.recentTxs.splice(0, this.recentTxs.length - this.keepRecent);
    this.opts.logger.debug({ batch, sent: out.length }, "transaction batch sent");
    return out;
  }

  private async nextNonce(sender: SenderState): Promise<bigint> {
    if (sender.nonce === undefined) {
      const hex = await jsonRpcHex(this.opts.rpcUrl, "eth_getTransactionCount", [
        sender.account.address,
        "pending",
      ]);
      sender.nonce = BigInt(hex);
    }
    return sender.nonce;
  }

  private async sendOne(kind: GeneratedTxKind, sender: SenderState, batch: number): Promise<GeneratedTx> {
    const nonce = await this.nextNonce(sender);
    const from = sender.account.address;
    const plan = this.plan(kind, sender, nonce, batch);
    const gasLimit = GAS[kind];
    const to = plan.to === undefined ? undefined : createAddressFromString(plan.to);
    const raw =
      kind === "transfer"
        ? // Legacy (EIP-155) for transfers, so blocks carry more than one transaction type.
          createLegacyTx(
            { nonce, gasPrice: MAX_FEE, gasLimit, to, value: plan.value, data: plan.data },
            { common: this.common },
          )
            .sign(sender.key)
            .serialize()
        : createFeeMarket1559Tx(
            {
              chainId: BigInt(this.opts.chainId),
              nonce,
              maxFeePerGas: MAX_FEE,
              maxPriorityFeePerGas: PRIORITY_FEE,
              gasLimit,
              to,
              value: plan.value,
              data: plan.data,
            },
            { common: this.common },
          )
            .sign(sender.key)
            .serialize();
    const hash = bytesToHex(keccak_256(raw));
    const returned = await jsonRpcCall(this.opts.rpcUrl, "eth_sendRawTransaction", [bytesToHex(raw)]);
    if (typeof returned === "string" && returned.toLowerCase() !== hash) {
      this.opts.logger.warn({ hash, returned }, "node returned an unexpected transaction hash");
    }
    sender.nonce = nonce + 1n;
    plan.commit();
    const tx: GeneratedTx = { hash, kind, from, nonce, batch };
    if (plan.to !== undefined) tx.to = plan.to;
    if (plan.contractAddress !== undefined) tx.contractAddress = plan.contractAddress;
    if (plan.slot !== undefined) tx.slot = plan.slot;
    return tx;
  }

  /** What a transaction of `kind` does; `commit` updates the generator's view once it was accepted. */
  private plan(
    kind: GeneratedTxKind,
    sender: SenderState,
    nonce: bigint,
    batch: number,
  ): {
    to?: string;
    value: bigint;
    data: Uint8Array;
    contractAddress?: string;
    slot?: bigint;
    commit: () => void;
  } {
    const noop = (): void => undefined;
    switch (kind) {
      case "transfer": {
        // A fresh recipient each time: creates an account in the state trie.
        const to = toChecksumAddress(bytesToHex(keccak_256(bigIntToBytes(BigInt(batch) + 1n)).subarray(12)));
        return { to, value: GWEI * BigInt(batch + 1), data: new Uint8Array(), commit: noop };
      }
      case "deploy": {
        const contractAddress = toChecksumAddress(
          bytesToHex(
            generateAddress(hexToBytes(sender.account.address as `0x${string}`), bigIntToBytes(nonce)),
          ),
        );
        return {
          value: 0n,
          data: STORAGE_INITCODE,
          contractAddress,
          commit: () => {
            this.deployed.push(contractAddress);
            if (this.deployed.length > 16) this.deployed.shift();
          },
        };
      }
      case "storage-write": {
        // Alternate between the genesis contract and the newest deployment that is surely mined by now.
        const older = this.deployed.length >= 2 ? this.deployed[this.deployed.length - 2] : undefined;
        const contract = batch % 2 === 0 || older === undefined ? GENESIS_STORAGE_CONTRACT : older;
        const slot = FIRST_WRITTEN_SLOT + BigInt(batch);
        return {
          to: contract,
          value: 0n,
          data: storageCalldata(slot, BigInt(batch) + 1n),
          slot,
          commit: () => this.liveSlots.push({ contract, slot }),
        };
      }
      case "storage-delete": {
        const victim = this.liveSlots[0];
        // Nothing set yet: delete an untouched slot (a no-op SSTORE of zero, still a valid call).
        const target = victim ?? { contract: GENESIS_STORAGE_CONTRACT, slot: 0xdeadn };
        return {
          to: target.contract,
          value: 0n,
          data: storageCalldata(target.slot, 0n),
          slot: target.slot,
          commit: () => {
            if (victim !== undefined) this.liveSlots.shift();
          },
        };
      }
      case "revert":
        return { to: GENESIS_STORAGE_CONTRACT, value: 0n, data: REVERT_CALLDATA, commit: noop };
    }
  }
}

export function startTxGenerator(opts: TxGeneratorOpts): TxGenerator {
  const g = new TxGenerator(opts);
  g.start();
  return g;
}
