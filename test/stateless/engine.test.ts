import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeNprAnyFork, type ForkedNewPayloadRequest, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { type ExecutionWitnessValue, witnessFromRpcJson } from "../../src/spec/stateless.ts";
import {
  commonFromGethConfig,
  type GethChainConfig,
  HOODI_CHAIN_CONFIG,
} from "../../src/stateless/common.ts";
import { validateStateless, validateStatelessBlock } from "../../src/stateless/engine.ts";
import {
  type BlockWithWitness,
  readEthrexCache,
  readGethBlockPair,
} from "../../src/stateless/fixtureFiles.ts";
import { nprFromBlock } from "../../src/stateless/payloadBlock.ts";
import { recoverTransactionKeys } from "../../src/stateless/publicKeys.ts";
import { EproofError } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";

const FIX = new URL("../../../shared/fixtures/", import.meta.url).pathname;
const ZK = join(FIX, "zkboost-devnet");

function without(
  w: ExecutionWitnessValue,
  part: "state" | "codes" | "headers",
  i: number,
): ExecutionWitnessValue {
  return { ...w, [part]: w[part].filter((_, j) => j !== i) };
}

describe("zkboost devnet NPR (Fulu, chain 3151908)", () => {
  let npr: ForkedNewPayloadRequest;
  let witness: ExecutionWitnessValue;
  let config: GethChainConfig;
  beforeAll(() => {
    npr = decodeNprAnyFork(readFileSync(join(ZK, "new_payload_request.ssz")));
    witness = witnessFromRpcJson(JSON.parse(readFileSync(join(ZK, "execution_witness.json"), "utf8")));
    config = JSON.parse(readFileSync(join(ZK, "chain_config.json"), "utf8")) as GethChainConfig;
  });

  it("validates with its witness; the result carries the NPR's consensus root and the chain id", async () => {
    const out = await validateStateless({ npr, witness, chainConfig: config });
    expect(out.reason).toBeUndefined();
    expect(out.valid).toBe(true);
    expect(out.result.successfulValidation).toBe(true);
    expect(toHex(out.result.newPayloadRequestRoot)).toBe(toHex(nprRoot(npr)));
    expect(out.result.chainConfig.chainId).toBe(3151908);
  });

  it("rejects the block when a system contract's code is missing from the witness", async () => {
    const out = await validateStateless({ npr, witness: without(witness, "codes", 0), chainConfig: config });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/witness incomplete: missing code 0x/);
  });

  it("rejects the block without its parent header", async () => {
    const out = await validateStateless({ npr, witness: { ...witness, headers: [] }, chainConfig: config });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/parent header is required/);
  });

  it("rejects a payload whose block hash does not match (tampered state root)", async () => {
    const tampered = structuredClone(npr);
    const payload = (tampered.value as { executionPayload: { stateRoot: Uint8Array } }).executionPayload;
    payload.stateRoot = payload.stateRoot.map((b, i) => (i === 0 ? b ^ 1 : b));
    const out = await validateStateless({ npr: tampered, witness, chainConfig: config });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/blockHash/);
  });

  it("refuses the wrong chain's fork schedule without throwing", async () => {
    const out = await validateStateless({ npr, witness, chainConfig: { chainId: "not a number" } });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/chainId/);
  });

  it("rejects supplied public keys that do not match the transactions", async () => {
    const out = await validateStateless({
      npr,
      witness,
      chainConfig: config,
      publicKeys: [new Uint8Array(65)],
    });
    expect(out.valid).toBe(false);
    expect(out.reason).toMatch(/public_keys has 1 keys for 0 transactions/);
  });
});

describe("Hoodi blocks", () => {
  let ethrex: BlockWithWitness;
  beforeAll(() => {
    const json = JSON.parse(readFileSync(join(FIX, "hoodi/1265656-ethrex-replay-cache.json"), "utf8"));
    const [b] = readEthrexCache(json, "1265656");
    if (!b) throw new Error("no block");
    ethrex = b;
  });

  it("1265656 (11 txs, 4.4 Mgas) validates from the ethrex witness with the right post-state root", async () => {
    const v = await validateStatelessBlock(ethrex.block, ethrex.witness, ethrex.common);
    expect(v.reason).toBeUndefined();
    expect(v.valid).toBe(true);
    expect(v.gasUsed).toBe(ethrex.block.header.gasUsed);
  });

  it("1265656 as an Electra NewPayloadRequest (4 blob hashes) validates end to end; a wrong blob hash fails", async () => {
    const npr = nprFromBlock(ethrex.block, "electra");
    const out = await validateStateless({ npr, witness: ethrex.witness, chainConfig: ethrex.common });
    expect(out.reason).toBeUndefined();
    expect(out.valid).toBe(true);
    expect(toHex(out.result.newPayloadRequestRoot)).toBe(toHex(nprRoot(npr)));
    const hashes = (npr.value as { versionedHashes: Uint8Array[] }).versionedHashes;
    expect(hashes.length).toBe(4);
    const bad = structuredClone(npr);
    const first = (bad.value as { versionedHashes: Uint8Array[] }).versionedHashes[0];
    if (first) first[31] = (first[31] ?? 0) ^ 1;
    const out2 = await validateStateless({ npr: bad, witness: ethrex.witness, chainConfig: ethrex.common });
    expect(out2.valid).toBe(false);
    expect(out2.reason).toMatch(/versioned hashes differ/);
  });

  it("1265656 is rejected when one state node (seeded pick) is removed", async () => {
    const i = 977 % ethrex.witness.state.length; // fixed pick: the test must fail the same way every run
    const v = await validateStatelessBlock(ethrex.block, without(ethrex.witness, "state", i), ethrex.common);
    expect(v.valid).toBe(false);
    expect(v.reason).toMatch(/witness incomplete|stateRoot/);
  });

  it("1151683 (geth ExtWitness) is rejected: geth left out accounts the block only reads", async () => {
    const pair = readGethBlockPair(join(FIX, "hoodi/1151683-block.rlp"), HOODI_CHAIN_CONFIG);
    const v = await validateStatelessBlock(pair.block, pair.witness, pair.common);
    expect(v.valid).toBe(false);
    // The blob transaction's recipient: a branch in the witness points at a node the witness lacks.
    expect(v.reason).toBe(
      "witness incomplete: missing node 0x7e224bab8f0d640af8c8c34c9d9592cf1a0d7e6e9fb6f799e70ef0a216f80f6e",
    );
  });

  it("1151683 validates under geth's witness rule, naming the one account it read as absent", async () => {
    const pair = readGethBlockPair(join(FIX, "hoodi/1151683-block.rlp"), HOODI_CHAIN_CONFIG);
    const v = await validateStatelessBlock(pair.block, pair.witness, pair.common, {
      unprovenAccountsAbsent: true,
    });
    expect(v.reason).toBeUndefined();
    expect(v.valid).toBe(true);
    expect(v.gasUsed).toBe(21000n);
    expect(v.assumedAbsent).toEqual(["0x00d8b9e957becc0978a9882f0cd5e776cd7c5b20"]);
    // The rule never hides a gap silently: with a node removed, the block fails or names more accounts.
    for (const i of [0, 7, 19, 33, 52, 71, 88, 103]) {
      const cut = await validateStatelessBlock(pair.block, without(pair.witness, "state", i), pair.common, {
        unprovenAccountsAbsent: true,
      });
      if (cut.valid) expect(cut.assumedAbsent?.length ?? 0, `node ${i}`).toBeGreaterThan(0);
      else expect(cut.reason, `node ${i}`).toMatch(/witness incomplete|as absent without proof/);
    }
  });

  it("recovers one 65-byte key per transaction", () => {
    const pair = readGethBlockPair(join(FIX, "hoodi/1151683-block.rlp"), HOODI_CHAIN_CONFIG);
    const common = commonFromGethConfig(HOODI_CHAIN_CONFIG);
    common.setHardforkBy({ timestamp: pair.block.header.timestamp });
    const tx = pair.block.transactions[0];
    if (!tx) throw new Error("no tx");
    const keys = recoverTransactionKeys([tx.serialize()], common);
    expect(keys.length).toBe(1);
    expect(keys[0]?.length).toBe(65);
    expect(keys[0]?.[0]).toBe(4);
    expect(toHex(keys[0]?.subarray(1) ?? new Uint8Array())).toBe(toHex(tx.getSenderPublicKey()));
  });

  it("a bad transaction is a BAD_INPUT EproofError", () => {
    expect(() =>
      recoverTransactionKeys([new Uint8Array([1, 2, 3])], commonFromGethConfig(HOODI_CHAIN_CONFIG)),
    ).toThrow(EproofError);
  });
});
