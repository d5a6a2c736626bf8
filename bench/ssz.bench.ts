// ssz.npr_root_plus_input_encode_ms: hash_tree_root of a NewPayloadRequest the size of a 60 Mgas block
// plus SSZ encoding of a ~2 MB StatelessInput — the fixed cost eproof pays per block before proving.
import "../src/util/hasher.ts";
import { readFileSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import { decodeNpr, type ElectraNewPayloadRequest, nprType } from "../src/spec/newPayloadRequest.ts";
import { encodeStatelessInput, SCHEMA_OSAKA_CL, witnessFromRpcJson } from "../src/spec/stateless.ts";
import { hoodi1265656 } from "../test/execution/hoodiFixtures.ts";
import { type BenchFigure, medianMs } from "./figure.ts";

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);
const TARGET_GAS = 60_000_000;
const TARGET_INPUT_BYTES = 2 * 1024 * 1024;

/** Hoodi block 1151683's transactions (RLP), with the gas the block spent per transaction. */
function hoodiTransactions(): { txs: Uint8Array[]; gasPerTx: number } {
  const raw = RLP.decode(readFileSync(new URL("hoodi/1151683-block.rlp", FIXTURES))) as unknown as [
    Uint8Array[],
    (Uint8Array | Uint8Array[])[],
  ];
  const header = raw[0];
  const gasUsed = Number.parseInt(Buffer.from(header[10] ?? new Uint8Array()).toString("hex") || "0", 16);
  const txs = raw[1].map((t) => (t instanceof Uint8Array ? t : RLP.encode(t)));
  return { txs, gasPerTx: gasUsed / Math.max(1, txs.length) };
}

/** The 11 real transactions of Hoodi block 1265656 (4.4 Mgas: ~400 kgas each, contract calls). */
function hoodiContractTransactions(): { txs: Uint8Array[]; gasPerTx: number } {
  const payload = (hoodi1265656().npr.value as ElectraNewPayloadRequest).executionPayload;
  return { txs: payload.transactions, gasPerTx: Number(payload.gasUsed) / payload.transactions.length };
}

export async function run(): Promise<BenchFigure[]> {
  const realistic = await measure(hoodiContractTransactions());
  // Worst case for hashing: 60 Mgas of plain 21 kgas transfers (Hoodi 1151683's transaction, repeated).
  const transfers = await measure(hoodiTransactions());
  return [
    { name: "ssz.npr_root_plus_input_encode_ms", value: realistic.totalMs, unit: "ms", target: "<= 20 ms" },
    { name: "ssz.npr_root_ms", value: realistic.rootMs, unit: "ms" },
    { name: "ssz.input_encode_ms", value: realistic.encodeMs, unit: "ms" },
    { name: "ssz.npr_transactions", value: realistic.count, unit: "txs" },
    { name: "ssz.input_bytes", value: realistic.inputBytes, unit: "bytes" },
    { name: "ssz.transfers_npr_root_plus_input_encode_ms", value: transfers.totalMs, unit: "ms" },
    { name: "ssz.transfers_npr_transactions", value: transfers.count, unit: "txs" },
  ];
}

async function measure({ txs, gasPerTx }: { txs: Uint8Array[]; gasPerTx: number }) {
  const npr = decodeNpr(
    "fulu",
    new Uint8Array(readFileSync(new URL("zkboost-devnet/new_payload_request.ssz", FIXTURES))),
  );
  const count = Math.ceil(TARGET_GAS / gasPerTx);
  const value = npr.value as ElectraNewPayloadRequest;
  const big: ElectraNewPayloadRequest = {
    ...value,
    executionPayload: {
      ...value.executionPayload,
      gasUsed: TARGET_GAS,
      gasLimit: TARGET_GAS,
      transactions: Array.from({ length: count }, (_, i) => txs[i % txs.length] as Uint8Array),
    },
  };
  const type = nprType("fulu");

  // A witness of real trie nodes (the devnet block's), repeated to the size of a large block's witness.
  const base = witnessFromRpcJson(
    JSON.parse(readFileSync(new URL("zkboost-devnet/execution_witness.json", FIXTURES), "utf8")),
  );
  const baseBytes = base.state.reduce((n, s) => n + s.length, 0) || 1;
  const reps = Math.ceil(TARGET_INPUT_BYTES / baseBytes);
  const witness = {
    state: Array.from({ length: reps }).flatMap(() => base.state),
    codes: base.codes,
    headers: base.headers,
  };
  const input = {
    newPayloadRequest: { schema: "cl" as const, npr: { fork: "fulu" as const, value: big } },
    witness,
    chainConfig: { chainId: 3151908 },
    publicKeys: big.executionPayload.transactions.map(() => new Uint8Array(65).fill(4)),
  };
  const encodedSize = encodeStatelessInput(input, SCHEMA_OSAKA_CL).length;

  // A daemon does this for every block: measure the steady state, after the JIT and the heap settled.
  for (let i = 0; i < 30; i++) {
    type.hashTreeRoot(big as never);
    encodeStatelessInput(input, SCHEMA_OSAKA_CL);
  }
  // Mean over many blocks, so the garbage collection this work causes is counted too.
  const runs = 60;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    type.hashTreeRoot(big as never);
    encodeStatelessInput(input, SCHEMA_OSAKA_CL);
  }
  const totalMs = (performance.now() - t0) / runs;
  const encodeMs = await medianMs(() => encodeStatelessInput(input, SCHEMA_OSAKA_CL), 21, 5);
  const rootMs = await medianMs(() => type.hashTreeRoot(big as never), 21, 5);
  return { totalMs, rootMs, encodeMs, count, inputBytes: encodedSize };
}
