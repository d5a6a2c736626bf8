// ssz.npr_root_plus_input_encode_ms: hash_tree_root of a NewPayloadRequest the size of a 60 Mgas block
// plus SSZ encoding of a ~2 MB StatelessInput — the fixed cost eproof pays per block before proving.
import "../src/util/hasher.ts";
import { readFileSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import { decodeNpr, type ElectraNewPayloadRequest, nprType } from "../src/spec/newPayloadRequest.ts";
import { encodeStatelessInput, SCHEMA_OSAKA_CL, witnessFromRpcJson } from "../src/spec/stateless.ts";
import { type BenchFigure, medianMs } from "./figure.ts";

const FIXTURES = new URL("../../shared/fixtures/", import.meta.url);
const TARGET_GAS = 60_000_000;
const TARGET_INPUT_BYTES = 2 * 1024 * 1024;

/** Real transactions of the Hoodi fixture blocks (their RLP), with the gas each block spent per tx. */
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

export async function run(): Promise<BenchFigure[]> {
  const npr = decodeNpr(
    "fulu",
    new Uint8Array(readFileSync(new URL("zkboost-devnet/new_payload_request.ssz", FIXTURES))),
  );
  const { txs, gasPerTx } = hoodiTransactions();
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

  const rootMs = await medianMs(() => type.hashTreeRoot(big as never));
  const encodeMs = await medianMs(() => encodeStatelessInput(input, SCHEMA_OSAKA_CL));
  const totalMs = await medianMs(() => {
    type.hashTreeRoot(big as never);
    encodeStatelessInput(input, SCHEMA_OSAKA_CL);
  });
  return [
    { name: "ssz.npr_root_plus_input_encode_ms", value: totalMs, unit: "ms", target: "<= 20 ms" },
    { name: "ssz.npr_root_ms", value: rootMs, unit: "ms" },
    { name: "ssz.input_encode_ms", value: encodeMs, unit: "ms" },
    { name: "ssz.npr_transactions", value: count, unit: "txs" },
    { name: "ssz.input_bytes", value: encodedSize, unit: "bytes" },
  ];
}
