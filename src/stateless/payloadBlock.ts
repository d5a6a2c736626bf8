// Rebuilds the execution block from a NewPayloadRequest exactly as an execution client does for
// engine_newPayload: header fields from the payload, tx/withdrawal roots recomputed, requests hash from
// the NPR's execution requests, and the block hash checked against the payload's.
import { type Block, createBlockFromExecutionPayload, type ExecutionPayload } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { equalsBytes, hexToBytes } from "@ethereumjs/util";
import { ssz } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { ForkedNewPayloadRequest, NewPayloadRequest } from "../spec/newPayloadRequest.ts";
import type { StatelessNpr } from "../spec/stateless.ts";
import { toHex as toHexString } from "../util/hex.ts";

const toHex = (b: Uint8Array): `0x${string}` => toHexString(b) as `0x${string}`;

type Numberish = number | bigint;

interface PayloadFields {
  parentHash: Uint8Array;
  feeRecipient: Uint8Array;
  stateRoot: Uint8Array;
  receiptsRoot: Uint8Array;
  logsBloom: Uint8Array;
  prevRandao: Uint8Array;
  blockNumber: Numberish;
  gasLimit: Numberish;
  gasUsed: Numberish;
  timestamp: Numberish;
  extraData: Uint8Array;
  baseFeePerGas: Numberish;
  blockHash: Uint8Array;
  transactions: Uint8Array[];
  withdrawals?: { index: Numberish; validatorIndex: Numberish; address: Uint8Array; amount: Numberish }[];
  blobGasUsed?: Numberish;
  excessBlobGas?: Numberish;
  blockAccessList?: Uint8Array;
  slotNumber?: Numberish;
}

/** What the engine needs from any NPR family, in one shape. */
export interface PayloadView {
  payload: PayloadFields;
  versionedHashes: Uint8Array[];
  parentBeaconBlockRoot?: Uint8Array;
  /** EIP-7685 typed request bytes (type ‖ data), only non-empty ones; undefined before Prague. */
  requests?: Uint8Array[];
}

const qty = (v: Numberish): `0x${string}` => `0x${BigInt(v).toString(16)}`;

/** A blob transaction's versioned hashes as bytes (ethereumjs keeps them as hex strings). */
export function blobHashesOf(tx: unknown): Uint8Array[] {
  const hashes = (tx as { blobVersionedHashes?: (string | Uint8Array)[] }).blobVersionedHashes ?? [];
  return hashes.map((h) => (typeof h === "string" ? hexToBytes(h as `0x${string}`) : h));
}

/** EIP-7685: sha256 over the sha256 of each non-empty typed request. */
export function requestsHash(requests: readonly Uint8Array[]): Uint8Array {
  const parts = requests.filter((r) => r.length > 1).map((r) => sha256(r));
  const all = new Uint8Array(parts.length * 32);
  parts.forEach((p, i) => {
    all.set(p, i * 32);
  });
  return sha256(all);
}

function typed(type: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + data.length);
  out[0] = type;
  out.set(data, 1);
  return out;
}

/** Engine-API request list from the consensus-side containers (SSZ-serialized lists, per consensus-specs). */
function clRequests(npr: ForkedNewPayloadRequest): Uint8Array[] | undefined {
  if (npr.fork === "deneb" || npr.fork === "capella") return undefined;
  const r = (
    npr.value as {
      executionRequests: { deposits: unknown[]; withdrawals: unknown[]; consolidations: unknown[] };
    }
  ).executionRequests;
  const t = ssz.electra.ExecutionRequests.fields;
  const out: Uint8Array[] = [];
  if (r.deposits.length) out.push(typed(0, t.deposits.serialize(r.deposits as never)));
  if (r.withdrawals.length) out.push(typed(1, t.withdrawals.serialize(r.withdrawals as never)));
  if (r.consolidations.length) out.push(typed(2, t.consolidations.serialize(r.consolidations as never)));
  return out;
}

export function payloadView(npr: StatelessNpr | ForkedNewPayloadRequest): PayloadView {
  if ("fork" in npr) return payloadView({ schema: "cl", npr });
  if (npr.schema === "cl") {
    const v = npr.npr.value as unknown as {
      executionPayload: PayloadFields;
      versionedHashes: Uint8Array[];
      parentBeaconBlockRoot: Uint8Array;
    };
    if (npr.npr.fork === "gloas") {
      const r = (npr.npr.value as { executionRequests: Record<string, unknown[]> }).executionRequests;
      const extra = Object.entries(r).filter(
        ([k, list]) => !["deposits", "withdrawals", "consolidations"].includes(k) && list.length,
      );
      if (extra.length)
        throw new Error(
          `Gloas builder requests (${extra.map(([k]) => k).join(", ")}) are not executable here`,
        );
    }
    return {
      payload: v.executionPayload,
      versionedHashes: v.versionedHashes,
      parentBeaconBlockRoot: v.parentBeaconBlockRoot,
      requests: clRequests(npr.npr.fork === "gloas" ? { fork: "electra", value: npr.npr.value } : npr.npr),
    };
  }
  if (npr.schema === "amsterdam-r0") {
    const v = npr.value;
    return {
      payload: v.executionPayload,
      versionedHashes: v.versionedHashes,
      parentBeaconBlockRoot: v.parentBeaconBlockRoot,
      requests: v.executionRequests,
    };
  }
  const v = npr.value;
  const r = v.executionRequests;
  const f = ssz.electra.ExecutionRequests.fields;
  const requests: Uint8Array[] = [];
  if (r.deposits.length) requests.push(typed(0, f.deposits.serialize(r.deposits as never)));
  if (r.withdrawals.length) requests.push(typed(1, f.withdrawals.serialize(r.withdrawals as never)));
  if (r.consolidations.length) requests.push(typed(2, f.consolidations.serialize(r.consolidations as never)));
  if (r.builderDeposits.length || r.builderExits.length) {
    throw new Error("builder deposit/exit requests have no execution-layer request type here");
  }
  return {
    payload: v.executionPayload,
    versionedHashes: v.versionedHashes,
    parentBeaconBlockRoot: v.parentBeaconBlockRoot,
    requests,
  };
}

/** The ethereumjs Block for a payload; throws when the recomputed block hash differs from the payload's. */
export async function blockFromPayload(view: PayloadView, common: Common): Promise<Block> {
  const p = view.payload;
  const ep: ExecutionPayload = {
    parentHash: toHex(p.parentHash),
    feeRecipient: toHex(p.feeRecipient),
    stateRoot: toHex(p.stateRoot),
    receiptsRoot: toHex(p.receiptsRoot),
    logsBloom: toHex(p.logsBloom),
    prevRandao: toHex(p.prevRandao),
    blockNumber: qty(p.blockNumber),
    gasLimit: qty(p.gasLimit),
    gasUsed: qty(p.gasUsed),
    timestamp: qty(p.timestamp),
    extraData: toHex(p.extraData),
    baseFeePerGas: qty(p.baseFeePerGas),
    blockHash: toHex(p.blockHash),
    transactions: p.transactions.map((t) => toHex(t)),
  };
  if (p.withdrawals) {
    ep.withdrawals = p.withdrawals.map((w) => ({
      index: qty(w.index),
      validatorIndex: qty(w.validatorIndex),
      address: toHex(w.address),
      amount: qty(w.amount),
    }));
  }
  if (p.blobGasUsed !== undefined) ep.blobGasUsed = qty(p.blobGasUsed);
  if (p.excessBlobGas !== undefined) ep.excessBlobGas = qty(p.excessBlobGas);
  if (view.parentBeaconBlockRoot) ep.parentBeaconBlockRoot = toHex(view.parentBeaconBlockRoot);
  if (view.requests) ep.requestsHash = toHex(requestsHash(view.requests));
  if (p.blockAccessList !== undefined) ep.blockAccessListHash = toHex(keccak_256(p.blockAccessList));
  if (p.slotNumber !== undefined) ep.slotNumber = qty(p.slotNumber);
  common.setHardforkBy({ blockNumber: BigInt(p.blockNumber), timestamp: BigInt(p.timestamp) });
  return createBlockFromExecutionPayload(ep, { common });
}

/**
 * The consensus-side NewPayloadRequest of an execution block (the inverse of blockFromPayload), for
 * blocks without EIP-7685 requests; the requests themselves are not recoverable from a block.
 */
export function nprFromBlock(block: Block, fork: "deneb" | "electra" | "fulu"): ForkedNewPayloadRequest {
  const h = block.header;
  if (fork !== "deneb" && !equalsBytes(h.requestsHash ?? new Uint8Array(), requestsHash([]))) {
    throw new Error("the block carries execution requests, which a block alone does not reveal");
  }
  const blobHashes: Uint8Array[] = [];
  for (const tx of block.transactions) {
    blobHashes.push(...blobHashesOf(tx));
  }
  const executionPayload = {
    parentHash: h.parentHash,
    feeRecipient: h.coinbase.bytes,
    stateRoot: h.stateRoot,
    receiptsRoot: h.receiptTrie,
    logsBloom: h.logsBloom,
    prevRandao: h.mixHash,
    blockNumber: Number(h.number),
    gasLimit: Number(h.gasLimit),
    gasUsed: Number(h.gasUsed),
    timestamp: Number(h.timestamp),
    extraData: h.extraData,
    baseFeePerGas: h.baseFeePerGas ?? 0n,
    blockHash: block.hash(),
    transactions: block.transactions.map((tx) => tx.serialize()),
    withdrawals: (block.withdrawals ?? []).map((w) => ({
      index: Number(w.index),
      validatorIndex: Number(w.validatorIndex),
      address: w.address.bytes,
      amount: w.amount,
    })),
    blobGasUsed: h.blobGasUsed ?? 0n,
    excessBlobGas: h.excessBlobGas ?? 0n,
  };
  const value = {
    executionPayload,
    versionedHashes: blobHashes,
    parentBeaconBlockRoot: h.parentBeaconBlockRoot ?? new Uint8Array(32),
    ...(fork === "deneb" ? {} : { executionRequests: { deposits: [], withdrawals: [], consolidations: [] } }),
  };
  return { fork, value: value as unknown as NewPayloadRequest };
}
