// Keeps devnet blocks non-trivial: each slot, signs with the dev keys and sends (eth_sendRawTransaction) a
// batch of a value transfer, a contract deployment, a storage write, a storage deletion and a reverting call.
// With a gas target (`eproof devnet --gas M`) it tops each slot up with load — calls into the LOAD contract
// (hashing, fresh and changing storage writes, a call per iteration; contracts.ts) and plain transfers to
// fresh accounts — until the block would use about M Mgas, never keeping more than one slot of load pending.
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
import {
  GENESIS_STORAGE_CONTRACT,
  LOAD_CALLEE_INITCODE,
  LOAD_GAS_PER_ITERATION,
  LOAD_GAS_PER_ROUND,
  LOAD_INITCODE,
  type LoadCallParams,
  loadCalldata,
  loadCallGas,
  REVERT_CALLDATA,
  STORAGE_INITCODE,
  storageCalldata,
} from "./contracts.ts";
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

/** What the load top-up sends: its two contract deployments (once), LOAD calls and plain transfers. */
export type LoadTxKind = "load-deploy" | "load-call" | "load-transfer";

export const LOAD_TX_KINDS: readonly LoadTxKind[] = ["load-deploy", "load-call", "load-transfer"];

export interface GeneratedTx {
  hash: string;
  kind: GeneratedTxKind | LoadTxKind;
  from: string;
  /** Absent for deployments. */
  to?: string;
  nonce: bigint;
  /** For deployments: the address the contract will have. */
  contractAddress?: string;
  /** For storage writes/deletions: the slot touched. */
  slot?: bigint;
  /** The gas limit it was sent with (for LOAD calls: exactly the gas it uses, plus 1 %). */
  gasLimit: bigint;
  /** For load calls and load transfers: exactly the gas it uses once mined (loadCallGas). */
  gas?: bigint;
  batch: number;
}

export interface TxGeneratorStats {
  batches: number;
  /**
   * Ticks without a new block since the last batch (keeps blocks small on a slow node); with a gas target
   * the generator ticks four times a slot, so this counts about three a slot then.
   */
  skipped: number;
  sent: number;
  failed: number;
  /** Times a sender's transactions were found lost (mined nonce stuck below its next) and sent again. */
  resynced: number;
  byKind: Record<GeneratedTxKind | LoadTxKind, number>;
  load: LoadStats;
}

export interface LoadStats {
  /** Gas per block aimed at (capped below the head's gas limit); 0 without a target. */
  targetGas: number;
  /** Gas of the load transactions sent (what they will use when mined). */
  gasSent: number;
  /** Slots whose top-up was left out or cut short because a slot of load was still pending. */
  throttled: number;
  /** Load gas still pending when the last top-up was planned. */
  pendingGas: number;
  /** The LOAD and CALLEE contracts are deployed (load calls are sent only then). */
  contractsReady: boolean;
  /** Load senders (the dev accounts after the batch's five) in use; one pending load transaction each. */
  senders: number;
  /** Load senders retired: the pool holds a stale transaction of theirs (see settleLoadSenders). */
  retired: number;
  /** Top-ups cut short for want of a free sender (pass more dev accounts). */
  senderShort: number;
  /**
   * Gas per block the load currently aims at (≤ targetGas): starts at a quarter of it (at least 2 M),
   * grows by half each time a slot's load was mined by the next block, halves when the execution client
   * missed a slot with load pending (it could not build the block in time).
   */
  budgetGas: number;
  /** Pending load transactions replaced by cheap self-transfers after a missed slot. */
  shed: number;
}

export interface TxGeneratorOpts {
  rpcUrl: string;
  chainId: number;
  /** Senders; one per kind when there are enough, else shared round-robin. */
  accounts: readonly DevAccount[];
  /** One batch per interval (a slot); with a gas target, the load is topped up every quarter of it. */
  intervalMs: number;
  logger: Logger;
  signal?: AbortSignal;
  /** How many recent transactions `recent` keeps; default 1000. */
  keepRecent?: number;
  /**
   * Gas per block to fill to (`eproof devnet --gas M`: M × 10⁶): each slot the batch is topped up with
   * load until the estimated gas of the block reaches it. Absent: only the small batch of five.
   * Capped at the head block's gas limit minus room for the batch.
   */
  targetGasPerBlock?: bigint;
  /** The largest single load transaction; default 2,000,000 gas (fewer, larger calls: EthereumJS pays per transaction). */
  maxLoadTxGas?: bigint;
}

interface SenderState {
  account: DevAccount;
  key: Uint8Array;
  /** Next nonce to use; undefined = ask the node (at start, or after a failed send). */
  nonce: bigint | undefined;
  /** The mined nonce while it stays below `nonce`, and for how many batches it has not moved. */
  stuck?: { mined: bigint; batches: number };
}

/**
 * Batches in a row with a sender's mined nonce stuck below its next nonce before the transactions in
 * between count as lost: EthereumJS does not return a reorged-out block's transactions to its pool,
 * so every later transaction of that sender would wait forever behind the gap.
 */
const LOST_AFTER_BATCHES = 3;

/**
 * A load sender has at most one load transaction pending: a transaction the pool loses (EthereumJS does
 * not return a reorged-out block's transactions to its pool) then leaves no nonce gap behind it.
 */
interface LoadSender extends SenderState {
  pending?: { nonce: bigint; gas: bigint; head: bigint; maxFee: bigint };
  /** Its pending load was replaced by a self-transfer (shedLoad): which one got mined decides its fate. */
  shed?: { nonce: bigint; hash: string };
}

/** One planned load transaction (gas: its upper bound; the exact gas is known once seed and callee are). */
export type LoadPlanItem =
  | { kind: "load-call"; iterations: number; rounds: number; gas: bigint }
  | { kind: "load-transfer"; gas: bigint };

export interface LoadPlanOpts {
  maxTxGas: bigint;
  /** Share of the gas (percent) sent as plain transfers; default 5. */
  transferPercent?: number;
  /** At most this many transfers per top-up; default 8, and a quarter of maxTxs. */
  maxTransfers?: number;
  /** Which rounds profile the first call uses (they rotate); default 0. */
  profileOffset?: number;
  /** At most this many transactions (one per free sender): calls grow above maxTxGas to fit. */
  maxTxs?: number;
}

/**
 * keccak rounds per iteration, rotated over the load calls: storage-bound (1 round: ~99 % of the gas in
 * SSTOREs and the call), mixed (16), hashing-heavy (160: ~48 % of the gas in KECCAK256 loops).
 */
export const LOAD_ROUND_PROFILES: readonly number[] = [1, 16, 160];

const TRANSFER_GAS = 21_000n;
/** Calldata of a LOAD call is 128 bytes: the intrinsic gas is at most 21000 + 128 × 16. */
const LOAD_CALL_GAS_BOUND_EXTRA = 128n * 16n - 128n * 4n;
/** Below this much gas a load call would be all overhead. */
const MIN_LOAD_CALL_GAS = 60_000n;

/**
 * Splits `needGas` into load transactions: about `transferPercent` % as 21000-gas transfers (bounded), the
 * rest as LOAD calls of at most `maxTxGas` each, rotating through the rounds profiles. Pure; the sum of
 * the items' gas never exceeds `needGas`.
 */
export function planLoad(needGas: bigint, opts: LoadPlanOpts): LoadPlanItem[] {
  const out: LoadPlanItem[] = [];
  if (needGas <= 0n) return out;
  const maxTxs = opts.maxTxs ?? Number.MAX_SAFE_INTEGER;
  if (maxTxs < 1) return out;
  const transferBudget = (needGas * BigInt(opts.transferPercent ?? 5)) / 100n;
  const transfers = Math.min(
    Number(transferBudget / TRANSFER_GAS),
    opts.maxTransfers ?? 8,
    Math.floor(maxTxs / 4),
  );
  let left = needGas - BigInt(transfers) * TRANSFER_GAS;
  const calls = BigInt(maxTxs - transfers);
  const fit = calls >= 1n ? (left + calls - 1n) / calls : left;
  const maxTxGas = fit > opts.maxTxGas ? fit : opts.maxTxGas;
  let profile = opts.profileOffset ?? 0;
  while (left >= MIN_LOAD_CALL_GAS && BigInt(out.length) < calls) {
    const rounds = LOAD_ROUND_PROFILES[profile % LOAD_ROUND_PROFILES.length] ?? 1;
    profile++;
    const budget = left < maxTxGas ? left : maxTxGas;
    const perIteration = LOAD_GAS_PER_ITERATION + LOAD_GAS_PER_ROUND * BigInt(rounds);
    // The gas of one iteration, less the overhead of the first (probe with 1 iteration, worst-case calldata).
    const overhead =
      loadCallGas({ seed: 1n, iterations: 1, rounds, callee: ZERO_ADDRESS }) +
      LOAD_CALL_GAS_BOUND_EXTRA -
      perIteration;
    if (budget < overhead + perIteration) {
      if (rounds === LOAD_ROUND_PROFILES[0]) break; // not even the cheapest iteration fits
      continue;
    }
    let iterations = Number((budget - overhead) / perIteration);
    // loadCallGas is not linear below LOAD_CHANGING_SLOTS iterations (each new changing slot is cold).
    let gas = bound(iterations, rounds);
    while (gas > budget && iterations > 1) gas = bound(--iterations, rounds);
    if (gas > budget) break;
    out.push({ kind: "load-call", iterations, rounds, gas });
    left -= gas;
  }
  for (let i = 0; i < transfers; i++) out.push({ kind: "load-transfer", gas: TRANSFER_GAS });
  return out;
}

const ZERO_ADDRESS = `0x${"00".repeat(20)}`;

/** An upper bound of a LOAD call's gas: the exact formula with all-non-zero calldata. */
function bound(iterations: number, rounds: number): bigint {
  return loadCallGas({ seed: 1n, iterations, rounds, callee: ZERO_ADDRESS }) + LOAD_CALL_GAS_BOUND_EXTRA;
}

const GWEI = 1_000_000_000n;
/** Fee cap floor; the cap follows the head's base fee (2 × base fee + tip) when that is higher. */
const MIN_MAX_FEE = 20n * GWEI;
const PRIORITY_FEE = 1n * GWEI;
/** Room left in a block for the batch of five (their gas limits, 401,000, and some): the load fills the rest. */
const BATCH_GAS_RESERVE = 500_000n;
/** What the batch of five uses (about 190,000 gas): the load tops it up to the target. */
const BATCH_GAS_ESTIMATE = 200_000n;
/** A load transaction neither mined nor in a block this many blocks after it was sent is taken as lost. */
const STUCK_BLOCKS = 3n;
const LOAD_DEPLOY_GAS = 400_000n;
const DEFAULT_MAX_LOAD_TX_GAS = 2_000_000n;
/** The budget never halves below this. */
const MIN_LOAD_BUDGET = 1_000_000n;
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
  /** Fee cap for the next batch, from the head's base fee. */
  private maxFee = MIN_MAX_FEE;
  /** Load senders: the dev accounts after the batch's five (the first also deploys the load contracts). */
  private readonly loadSenders: LoadSender[];
  private loadContracts: { load?: string; callee?: string; ready: boolean } = { ready: false };
  private loadTxNo = 0n;
  private loadProfile = 0;
  /** See LoadStats.budgetGas; undefined until the first top-up. */
  private loadBudget: bigint | undefined;
  /** When the execution head last moved (ms). */
  private headMovedAt = Date.now();
  /** When the load deployments were first seen without code (a lost deployment is sent again). */
  private loadDeploySentAt: number | undefined;

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
    this.loadSenders = this.senders.slice(GENERATED_TX_KINDS.length);
    if (opts.targetGasPerBlock !== undefined && this.loadSenders.length === 0)
      throw new RangeError(
        `a gas target needs more than ${GENERATED_TX_KINDS.length} dev accounts (load has its own senders)`,
      );
    for (let slot = 1n; slot <= 4n; slot++) this.liveSlots.push({ contract: GENESIS_STORAGE_CONTRACT, slot });
    this.counters = {
      batches: 0,
      skipped: 0,
      sent: 0,
      failed: 0,
      resynced: 0,
      byKind: {
        transfer: 0,
        deploy: 0,
        "storage-write": 0,
        "storage-delete": 0,
        revert: 0,
        "load-deploy": 0,
        "load-call": 0,
        "load-transfer": 0,
      },
      load: {
        targetGas: 0,
        gasSent: 0,
        throttled: 0,
        pendingGas: 0,
        contractsReady: false,
        senders: 0,
        retired: 0,
        senderShort: 0,
        budgetGas: 0,
        shed: 0,
      },
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
    // With a gas target, poll four times a slot: load sent as soon as a block took the last is in the pool
    // before the next payload is built (EthereumJS adds transactions up to engine_getPayload).
    const load = this.opts.targetGasPerBlock !== undefined && this.opts.targetGasPerBlock > 0n;
    this.timer = setInterval(tick, load ? Math.max(100, this.opts.intervalMs / 4) : this.opts.intervalMs);
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
    return { ...this.counters, byKind: { ...this.counters.byKind }, load: { ...this.counters.load } };
  }

  /** Where the LOAD and CALLEE contracts are (once their deployments were sent). */
  get loadContractAddresses(): { load?: string; callee?: string } {
    return { load: this.loadContracts.load, callee: this.loadContracts.callee };
  }

  /**
   * Backpressure: a batch only after a new block since the last one, so a node that falls behind is not
   * buried under a growing pool (Lodestar's validator gives block production one slot). The load top-up
   * (with a gas target) runs every tick: it keeps about one block of load pending, whatever the phase of
   * the tick against the slot.
   */
  async sendBatchIfHeadMoved(): Promise<GeneratedTx[]> {
    const block = (await jsonRpcCall(this.opts.rpcUrl, "eth_getBlockByNumber", ["latest", false])) as {
      number?: string;
      baseFeePerGas?: string;
      gasLimit?: string;
    } | null;
    if (typeof block?.number !== "string") throw new Error("eth_getBlockByNumber(latest): no block number");
    const head = BigInt(block.number);
    // A filled devnet raises the base fee every block above half the gas limit: the cap follows it.
    const baseFee = typeof block.baseFeePerGas === "string" ? BigInt(block.baseFeePerGas) : 0n;
    this.maxFee = 2n * baseFee + PRIORITY_FEE > MIN_MAX_FEE ? 2n * baseFee + PRIORITY_FEE : MIN_MAX_FEE;
    const moved = this.lastBatchHead === undefined || head > this.lastBatchHead;
    const out: GeneratedTx[] = [];
    if (moved) {
      this.lastBatchHead = head;
      this.headMovedAt = Date.now();
      out.push(...(await this.sendBatch()));
    } else this.counters.skipped++;
    const target = this.opts.targetGasPerBlock;
    if (target !== undefined && target > 0n) {
      const gasLimit = typeof block.gasLimit === "string" ? BigInt(block.gasLimit) : 30_000_000n;
      out.push(...(await this.topUpLoad(head, gasLimit, target, moved)));
    }
    return out;
  }

  /**
   * Load for one tick: deploys the LOAD and CALLEE contracts first, then sends the budget minus the batch
   * minus the load still pending (sent, not mined), one transaction per free sender, so the pool never
   * holds more than one block of load. A slot missed with load pending sheds it (see shedLoad).
   */
  async topUpLoad(head: bigint, gasLimit: bigint, target: bigint, moved: boolean): Promise<GeneratedTx[]> {
    const cap = gasLimit - BATCH_GAS_RESERVE;
    const aim = target < cap ? target : cap;
    this.counters.load.targetGas = Number(aim);
    if (!(await this.ensureLoadContracts())) return [];
    const pending = await this.settleLoadSenders(head);
    this.counters.load.pendingGas = Number(pending);
    if (!moved && Date.now() - this.headMovedAt > 1.5 * this.opts.intervalMs) {
      // No block for more than a slot: the execution client could not build it in time (Lodestar's
      // proposer gives it under a slot); the same transactions would make it miss every slot again.
      if (pending > 0n) await this.shedLoad();
      return [];
    }
    if (this.loadBudget === undefined) {
      this.loadBudget = aim / 4n > 2_000_000n ? aim / 4n : 2_000_000n;
    } else if (moved && pending <= this.loadBudget / 4n && this.counters.load.gasSent > 0) {
      this.loadBudget += this.loadBudget / 4n; // the last block took (nearly) all of it: aim higher
    }
    if (this.loadBudget > aim) this.loadBudget = aim;
    this.counters.load.budgetGas = Number(this.loadBudget);
    const need = this.loadBudget - BATCH_GAS_ESTIMATE - pending;
    if (pending > 0n) this.counters.load.throttled++;
    const free = this.loadSenders.filter((s) => s.pending === undefined && s.shed === undefined);
    const plan = planLoad(need, {
      maxTxGas: this.opts.maxLoadTxGas ?? DEFAULT_MAX_LOAD_TX_GAS,
      profileOffset: this.loadProfile,
      maxTxs: free.length,
    });
    if (need >= MIN_LOAD_CALL_GAS && plan.reduce((sum, p) => sum + p.gas, 0n) < need / 2n)
      this.counters.load.senderShort++;
    this.loadProfile += plan.filter((p) => p.kind === "load-call").length;
    const batch = this.batchNo - 1;
    const sent = await Promise.all(
      plan.map(async (item, i) => {
        const sender = free[i];
        if (sender === undefined) return undefined;
        try {
          return await this.sendLoad(item, sender, batch, head);
        } catch (e) {
          this.counters.failed++;
          sender.nonce = undefined;
          this.opts.logger.warn(
            { kind: item.kind, from: sender.account.address, err: errorMessage(e) },
            "could not send load transaction",
          );
          return undefined;
        }
      }),
    );
    const out = sent.filter((t): t is GeneratedTx => t !== undefined);
    this.remember(out);
    this.opts.logger.debug(
      { head: Number(head), planned: plan.length, sent: out.length, pendingGas: Number(pending) },
      "load sent",
    );
    return out;
  }

  /**
   * After a missed slot: every pending load transaction is replaced (same nonce, fees up by a quarter) by
   * a 21000-gas transfer to its own sender, so the next block is cheap to build; the budget halves.
   */
  private async shedLoad(): Promise<void> {
    const senders = this.loadSenders.filter((s) => s.pending !== undefined);
    if (senders.length === 0) return;
    if (this.loadBudget !== undefined) {
      this.loadBudget /= 2n;
      if (this.loadBudget < MIN_LOAD_BUDGET) this.loadBudget = MIN_LOAD_BUDGET;
      this.counters.load.budgetGas = Number(this.loadBudget);
    }
    let replaced = 0;
    await Promise.all(
      senders.map(async (sender) => {
        const t = sender.pending;
        if (t === undefined) return;
        sender.pending = undefined;
        const maxFee = t.maxFee + t.maxFee / 4n;
        const raw = createFeeMarket1559Tx(
          {
            chainId: BigInt(this.opts.chainId),
            nonce: t.nonce,
            maxFeePerGas: maxFee > this.maxFee ? maxFee : this.maxFee,
            maxPriorityFeePerGas: PRIORITY_FEE + PRIORITY_FEE / 4n,
            gasLimit: TRANSFER_GAS,
            to: createAddressFromString(sender.account.address),
            value: 0n,
          },
          { common: this.common },
        )
          .sign(sender.key)
          .serialize();
        try {
          await jsonRpcCall(this.opts.rpcUrl, "eth_sendRawTransaction", [bytesToHex(raw)]);
          sender.shed = { nonce: t.nonce, hash: bytesToHex(keccak_256(raw)) };
          replaced++;
        } catch {
          // Mined meanwhile (nonce too low) or gone from the pool: settleLoadSenders sorts it out.
          sender.pending = t;
        }
      }),
    );
    this.counters.load.shed += replaced;
    this.opts.logger.warn(
      { replaced, budgetGas: Number(this.loadBudget ?? 0n) },
      "execution client missed a slot with load pending: pending load replaced, budget halved",
    );
  }

  /** Sends the two deployments once; true once both contracts have code at the head. */
  private async ensureLoadContracts(): Promise<boolean> {
    const c = this.loadContracts;
    if (c.ready) return true;
    const deployer = this.loadSenders[0];
    if (deployer === undefined) return false;
    if (c.load === undefined || c.callee === undefined) {
      for (const which of ["callee", "load"] as const) {
        if (c[which] !== undefined) continue;
        try {
          const tx = await this.sendRaw(
            deployer,
            "load-deploy",
            undefined,
            which === "load" ? LOAD_INITCODE : LOAD_CALLEE_INITCODE,
            0n,
            LOAD_DEPLOY_GAS,
            this.batchNo - 1,
          );
          c[which] = tx.contractAddress;
          this.counters.sent++;
          this.counters.byKind["load-deploy"]++;
          this.remember([tx]);
        } catch (e) {
          this.counters.failed++;
          deployer.nonce = undefined;
          this.opts.logger.warn({ err: errorMessage(e) }, "could not send a load contract deployment");
          return false;
        }
      }
      return false;
    }
    const hasCode = async (address: string): Promise<boolean> =>
      (await jsonRpcHex(this.opts.rpcUrl, "eth_getCode", [address, "latest"])).length > 2;
    c.ready = (await hasCode(c.callee)) && (await hasCode(c.load));
    this.counters.load.contractsReady = c.ready;
    if (c.ready) this.opts.logger.info({ load: c.load, callee: c.callee }, "load contracts deployed");
    else if (this.loadDeploySentAt === undefined) this.loadDeploySentAt = Date.now();
    else if (Date.now() - this.loadDeploySentAt > 10 * this.opts.intervalMs) {
      // Lost (a reorg): deploy again from the deployer's mined nonce.
      this.loadContracts = { ready: false };
      this.loadDeploySentAt = undefined;
      deployer.nonce = undefined;
    }
    return c.ready;
  }

  /**
   * Gas of the load still pending, after looking at each busy sender's mined nonce ("latest"): a mined
   * transaction frees its sender; one neither mined nor included STUCK_BLOCKS blocks after it was sent
   * was lost (a reorg; EthereumJS 0.10.5 does not return a dropped block's transactions to its pool), so
   * the sender sends again at its mined nonce. After shedLoad, a sender whose original transaction was
   * mined instead of the replacement is retired: the EthereumJS pool drops transactions only by hash, so
   * the replacement stays, and the pool skips every later transaction of that sender (for 20 minutes).
   */
  private async settleLoadSenders(head: bigint): Promise<bigint> {
    let pending = 0n;
    const busy = this.loadSenders.filter((s) => s.pending !== undefined || s.shed !== undefined);
    await Promise.all(
      busy.map(async (sender) => {
        const mined = BigInt(
          await jsonRpcHex(this.opts.rpcUrl, "eth_getTransactionCount", [sender.account.address, "latest"]),
        );
        if (sender.shed !== undefined && mined > sender.shed.nonce) {
          const receipt = await jsonRpcCall(this.opts.rpcUrl, "eth_getTransactionReceipt", [
            sender.shed.hash,
          ]);
          if (receipt === null) {
            this.loadSenders.splice(this.loadSenders.indexOf(sender), 1);
            this.counters.load.retired++;
            return;
          }
          sender.shed = undefined;
        }
        const t = sender.pending;
        if (t === undefined) return;
        if (mined > t.nonce) {
          sender.pending = undefined;
          if (sender.nonce === undefined || sender.nonce < mined) sender.nonce = mined;
        } else if (head - t.head >= STUCK_BLOCKS) {
          this.opts.logger.debug(
            { from: sender.account.address, nonce: Number(t.nonce) },
            "load lost: resend",
          );
          sender.pending = undefined;
          sender.nonce = mined;
        } else pending += t.gas;
      }),
    );
    this.counters.load.senders = this.loadSenders.length;
    return pending;
  }

  private async sendLoad(
    item: LoadPlanItem,
    sender: LoadSender,
    batch: number,
    head: bigint,
  ): Promise<GeneratedTx> {
    const nonce = await this.nextNonce(sender);
    let tx: GeneratedTx;
    let gas: bigint;
    if (item.kind === "load-transfer") {
      // A fresh recipient each time: a new account in the state trie.
      const to = toChecksumAddress(
        bytesToHex(
          keccak_256(new TextEncoder().encode(`eproof load transfer ${this.loadTxNo++}`)).subarray(12),
        ),
      );
      gas = TRANSFER_GAS;
      tx = await this.sendRaw(sender, "load-transfer", to, new Uint8Array(), GWEI, gas, batch);
    } else {
      const { load, callee } = this.loadContracts;
      if (load === undefined || callee === undefined) throw new Error("load contracts not deployed");
      // The seed makes this call's fresh slots unique: one per (sender, nonce, send).
      const seed = BigInt(
        bytesToHex(
          keccak_256(new TextEncoder().encode(`${sender.account.address}:${nonce}:${this.loadTxNo++}`)),
        ),
      );
      const params: LoadCallParams = { seed, iterations: item.iterations, rounds: item.rounds, callee };
      gas = loadCallGas(params);
      tx = await this.sendRaw(sender, "load-call", load, loadCalldata(params), 0n, gas + gas / 100n, batch);
    }
    tx.gas = gas;
    sender.pending = { nonce, gas, head, maxFee: this.maxFee };
    this.counters.load.gasSent += Number(gas);
    this.counters.sent++;
    this.counters.byKind[item.kind]++;
    return tx;
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
        if (i < this.senders.length) await this.resyncIfLost(sender);
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
    this.remember(out);
    this.opts.logger.debug({ batch, sent: out.length }, "transaction batch sent");
    return out;
  }

  private remember(txs: readonly GeneratedTx[]): void {
    for (const tx of txs) this.recentTxs.push(tx);
    if (this.recentTxs.length > this.keepRecent)
      this.recentTxs.splice(0, this.recentTxs.length - this.keepRecent);
  }

  /** Sends again from the mined nonce when the sender's last transactions were lost (see LOST_AFTER_BATCHES). */
  private async resyncIfLost(sender: SenderState): Promise<void> {
    if (sender.nonce === undefined) return;
    const mined = BigInt(
      await jsonRpcHex(this.opts.rpcUrl, "eth_getTransactionCount", [sender.account.address, "latest"]),
    );
    if (mined >= sender.nonce) {
      sender.stuck = undefined;
      return;
    }
    sender.stuck =
      sender.stuck?.mined === mined ? { mined, batches: sender.stuck.batches + 1 } : { mined, batches: 1 };
    if (sender.stuck.batches < LOST_AFTER_BATCHES) return;
    this.opts.logger.info(
      { from: sender.account.address, mined: Number(mined), next: Number(sender.nonce) },
      "transactions lost from the pool (a reorg?): sending again from the mined nonce",
    );
    this.counters.resynced++;
    sender.nonce = mined;
    sender.stuck = undefined;
  }

  private async nextNonce(sender: SenderState): Promise<bigint> {
    if (sender.nonce === undefined) {
      // Lower case: EthereumJS counts a sender's pooled transactions for "pending" only then.
      const hex = await jsonRpcHex(this.opts.rpcUrl, "eth_getTransactionCount", [
        sender.account.address.toLowerCase(),
        "pending",
      ]);
      sender.nonce = BigInt(hex);
    }
    return sender.nonce;
  }

  private async sendOne(kind: GeneratedTxKind, sender: SenderState, batch: number): Promise<GeneratedTx> {
    const nonce = await this.nextNonce(sender);
    const plan = this.plan(kind, sender, nonce, batch);
    const tx = await this.sendRaw(sender, kind, plan.to, plan.data, plan.value, GAS[kind], batch);
    plan.commit();
    if (plan.slot !== undefined) tx.slot = plan.slot;
    return tx;
  }

  /**
   * Signs and sends one transaction at the sender's next nonce (legacy EIP-155 for the batch's transfer,
   * so blocks carry more than one transaction type; EIP-1559 otherwise); advances the nonce once accepted.
   */
  private async sendRaw(
    sender: SenderState,
    kind: GeneratedTxKind | LoadTxKind,
    toAddress: string | undefined,
    data: Uint8Array,
    value: bigint,
    gasLimit: bigint,
    batch: number,
  ): Promise<GeneratedTx> {
    const nonce = await this.nextNonce(sender);
    const from = sender.account.address;
    const to = toAddress === undefined ? undefined : createAddressFromString(toAddress);
    const raw =
      kind === "transfer"
        ? createLegacyTx({ nonce, gasPrice: this.maxFee, gasLimit, to, value, data }, { common: this.common })
            .sign(sender.key)
            .serialize()
        : createFeeMarket1559Tx(
            {
              chainId: BigInt(this.opts.chainId),
              nonce,
              maxFeePerGas: this.maxFee,
              maxPriorityFeePerGas: PRIORITY_FEE,
              gasLimit,
              to,
              value,
              data,
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
    const tx: GeneratedTx = { hash, kind, from, nonce, gasLimit, batch };
    if (toAddress !== undefined) tx.to = toAddress;
    if (to === undefined)
      tx.contractAddress = toChecksumAddress(
        bytesToHex(generateAddress(hexToBytes(from as `0x${string}`), bigIntToBytes(nonce))),
      );
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
