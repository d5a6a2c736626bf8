// Loads the real Hoodi blocks of ../shared/fixtures/hoodi as electra NewPayloadRequests (Prague) with their
// execution witnesses in debug_executionWitness JSON form, for an RPC test server to serve.
import { readFileSync } from "node:fs";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { createTx, type TypedTxData } from "@ethereumjs/tx";
import { ssz } from "@lodestar/types";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { commonFromGethConfig, HOODI_CHAIN_CONFIG } from "../../src/stateless/common.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";

const HOODI = new URL("../../../shared/fixtures/hoodi/", import.meta.url);

export interface RpcWitnessJson {
  state: string[];
  codes: string[];
  keys: string[];
  headers: string[];
}

export interface BlockFixture {
  name: string;
  npr: ForkedNewPayloadRequest;
  witnessJson: RpcWitnessJson;
  chainConfig: typeof HOODI_CHAIN_CONFIG;
}

type Rlp = Uint8Array | Rlp[];

function bytes(v: Rlp | undefined): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new Error("expected an RLP byte string");
  return v;
}
function list(v: Rlp | undefined): Rlp[] {
  if (!Array.isArray(v)) throw new Error("expected an RLP list");
  return v;
}
function int(v: Rlp | undefined): number {
  const b = bytes(v);
  return b.length === 0 ? 0 : Number(BigInt(toHex(b)));
}
function big(v: Rlp | undefined): bigint {
  const b = bytes(v);
  return b.length === 0 ? 0n : BigInt(toHex(b));
}

/** Header fields (Prague order) → electra ExecutionPayload pieces, and the NPR. */
function electraNpr(header: Rlp[], txs: Uint8Array[], withdrawals: Rlp[][]): ForkedNewPayloadRequest {
  const npr = ssz.electra.NewPayloadRequest.defaultValue();
  const p = npr.executionPayload;
  p.parentHash = bytes(header[0]);
  p.feeRecipient = bytes(header[2]);
  p.stateRoot = bytes(header[3]);
  p.receiptsRoot = bytes(header[5]);
  p.logsBloom = bytes(header[6]);
  p.blockNumber = int(header[8]);
  p.gasLimit = int(header[9]);
  p.gasUsed = int(header[10]);
  p.timestamp = int(header[11]);
  p.extraData = bytes(header[12]);
  p.prevRandao = bytes(header[13]);
  p.baseFeePerGas = big(header[15]);
  p.blobGasUsed = big(header[17]);
  p.excessBlobGas = big(header[18]);
  p.transactions = txs;
  p.withdrawals = withdrawals.map((w) => ({
    index: int(w[0]),
    validatorIndex: int(w[1]),
    address: bytes(w[2]),
    amount: big(w[3]),
  }));
  // Blob transactions (type 3) list their versioned hashes as field 10 of the typed payload.
  npr.versionedHashes = txs.flatMap((raw) =>
    raw[0] === 3 ? list(list(RLP.decode(raw.subarray(1)) as Rlp)[10]).map(bytes) : [],
  );
  npr.parentBeaconBlockRoot = bytes(header[19]);
  // Both fixture blocks carry the empty-requests hash (sha256 of nothing): no execution requests.
  p.blockHash = keccakHeader(header);
  return { fork: "electra", value: npr };
}

function keccakHeader(header: Rlp[]): Uint8Array {
  return keccak_256(RLP.encode(header));
}

/** Any Prague block's full RLP `[header, txs, uncles, withdrawals]` → its electra NPR (no requests). */
export function electraNprFromBlockRlp(rlp: Uint8Array): ForkedNewPayloadRequest {
  const block = list(RLP.decode(rlp) as Rlp);
  const txs = list(block[1]).map((t) => (t instanceof Uint8Array ? t : RLP.encode(t)));
  return electraNpr(list(block[0]), txs, list(block[3]).map(list));
}

/** Hoodi 1151683: full block RLP and geth's RLP ExtWitness [headers, codes, state, keys]. */
export function hoodi1151683(): BlockFixture {
  const block = list(RLP.decode(readFileSync(new URL("1151683-block.rlp", HOODI))) as Rlp);
  const header = list(block[0]);
  const txs = list(block[1]).map((t) => (t instanceof Uint8Array ? t : RLP.encode(t)));
  const withdrawals = list(block[3]).map(list);
  const w = list(RLP.decode(readFileSync(new URL("1151683-witness.rlp", HOODI))) as Rlp);
  return {
    name: "hoodi-1151683",
    npr: electraNpr(header, txs, withdrawals),
    witnessJson: {
      headers: list(w[0]).map((h) => toHex(RLP.encode(h))),
      codes: list(w[1]).map((c) => toHex(bytes(c))),
      state: list(w[2]).map((s) => toHex(bytes(s))),
      keys: list(w[3]).map((k) => toHex(bytes(k))),
    },
    chainConfig: HOODI_CHAIN_CONFIG,
  };
}

interface EthrexTx {
  type: string;
  [k: string]: unknown;
}

/** ethrex's transaction JSON (no hash/from) → raw EIP-2718 bytes. */
function ethrexTxBytes(tx: EthrexTx, common: Common): Uint8Array {
  const data: Record<string, unknown> = {
    type: tx.type,
    nonce: tx.nonce,
    to: tx.to ?? undefined,
    gasLimit: tx.gas,
    value: tx.value,
    data: tx.input,
    accessList: tx.accessList,
    chainId: tx.chainId,
    r: tx.r,
    s: tx.s,
  };
  const type = Number(tx.type);
  if (type === 0) {
    data.gasPrice = tx.gasPrice;
    data.v = tx.v;
  } else {
    data.v = tx.yParity ?? tx.v;
    if (type === 1) data.gasPrice = tx.gasPrice;
    else {
      data.maxFeePerGas = tx.maxFeePerGas;
      data.maxPriorityFeePerGas = tx.maxPriorityFeePerGas;
    }
    if (type === 3) {
      data.maxFeePerBlobGas = tx.maxFeePerBlobGas;
      data.blobVersionedHashes = tx.blobVersionedHashes;
    }
    if (type === 4) data.authorizationList = tx.authorizationList;
  }
  if (data.to === null) delete data.to;
  return createTx(data as TypedTxData, { common }).serialize();
}

function quantity(n: bigint): Uint8Array {
  if (n === 0n) return new Uint8Array();
  const hex = n.toString(16);
  return fromHex(`0x${hex.length % 2 ? "0" : ""}${hex}`);
}

/** Hoodi 1265656 (11 txs, 4.4 Mgas): ethrex-replay cache with the debug_executionWitness-shaped witness. */
export function hoodi1265656(): BlockFixture {
  const json = JSON.parse(readFileSync(new URL("1265656-ethrex-replay-cache.json", HOODI), "utf8"));
  const b = json.blocks[0];
  const h = b.header;
  const header: Rlp[] = [
    h.parentHash,
    h.sha3Uncles,
    h.miner,
    h.stateRoot,
    h.transactionsRoot,
    h.receiptsRoot,
    h.logsBloom,
    h.difficulty,
    h.number,
    h.gasLimit,
    h.gasUsed,
    h.timestamp,
    h.extraData,
    h.mixHash,
    h.nonce,
    h.baseFeePerGas,
    h.withdrawalsRoot,
    h.blobGasUsed,
    h.excessBlobGas,
    h.parentBeaconBlockRoot,
    h.requestsHash,
  ].map((v: string, i) => {
    // Quantities are minimal big-endian in RLP; fixed-size hashes/addresses/bloom/nonce keep their bytes.
    const fixed = [0, 1, 2, 3, 4, 5, 6, 12, 13, 14, 16, 19, 20].includes(i);
    if (fixed) return fromHex(v);
    return quantity(BigInt(v));
  });
  const common = commonFromGethConfig(HOODI_CHAIN_CONFIG);
  common.setHardforkBy({ blockNumber: BigInt(h.number), timestamp: BigInt(h.timestamp) });
  const txs = (b.body.transactions as EthrexTx[]).map((t) => ethrexTxBytes(t, common));
  const withdrawals = (
    b.body.withdrawals as { index: string; validatorIndex: string; address: string; amount: string }[]
  ).map((w) =>
    [w.index, w.validatorIndex, w.address, w.amount].map((v, i) =>
      i === 2 ? fromHex(v) : quantity(BigInt(v)),
    ),
  );
  return {
    name: "hoodi-1265656",
    npr: electraNpr(header, txs, withdrawals),
    witnessJson: json.witness,
    chainConfig: HOODI_CHAIN_CONFIG,
  };
}
