// Runs EF BlockchainTest files statelessly: each block's witness is recorded by executing it on the
// full pre-state, then the block is validated again with nothing but that witness.
import { type Block, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, equalsBytes, hexToBytes, type PrefixedHexString } from "@ethereumjs/util";
import type { ExecutionWitnessValue } from "../spec/stateless.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { type BlobScheduleEntry, commonFromGethConfig, gethConfigForTestNetwork } from "./common.ts";
import { validateStatelessBlock } from "./engine.ts";
import { type AllocAccount, fullStateFromAlloc, recordWitness } from "./witnessRecorder.ts";

export interface BlockchainTestBlock {
  rlp: string;
  expectException?: string;
  blockHeader?: { hash?: string };
  executionWitness?: { state: string[]; codes: string[]; headers: string[] };
  statelessInputBytes?: string;
  statelessOutputBytes?: string;
}

export interface BlockchainTest {
  network: string;
  genesisRLP: string;
  genesisBlockHeader: { stateRoot: string; hash: string };
  pre: Record<string, AllocAccount>;
  blocks: BlockchainTestBlock[];
  config?: { chainid?: string; blobSchedule?: Record<string, BlobScheduleEntry> };
}

/** One block's result, the shape `eproof stateless --json` prints. */
export interface BlockReport {
  file: string;
  test: string;
  block: number;
  hash: string;
  expected: boolean;
  valid: boolean;
  ok: boolean;
  gasUsed: bigint;
  ms: number;
  reason?: string;
  /** Accounts read as absent without proof under geth's witness rule (geth ExtWitness files only). */
  assumedAbsent?: string[];
  /** EEST zkevm files: the input's schema id and, for 0x1501, its body revision ("0x1501 v0.8.4"). */
  schema?: string;
}

/** A report plus what produced it, for tests that tamper with the witness afterwards. */
export interface BlockRun extends BlockReport {
  witness?: ExecutionWitnessValue;
  ethBlock?: Block;
  common?: Common;
}

export function parseBlockchainTests(json: unknown, file: string): [string, BlockchainTest][] {
  if (typeof json !== "object" || json === null)
    throw new EproofError("BAD_INPUT", `${file}: not a JSON object`);
  const out: [string, BlockchainTest][] = [];
  for (const [name, t] of Object.entries(json as Record<string, unknown>)) {
    const test = t as Partial<BlockchainTest>;
    if (
      !test ||
      typeof test.network !== "string" ||
      !Array.isArray(test.blocks) ||
      typeof test.genesisRLP !== "string"
    ) {
      throw new EproofError(
        "BAD_INPUT",
        `${file}: "${name}" is not a BlockchainTest (network, genesisRLP, blocks)`,
      );
    }
    out.push([name, test as BlockchainTest]);
  }
  return out;
}

export function commonForTest(test: BlockchainTest, amsterdamExcludeEips?: readonly number[]): Common {
  const chainId = Number(test.config?.chainid ?? "0x1");
  return commonFromGethConfig(
    gethConfigForTestNetwork(
      test.network,
      chainId,
      test.config?.blobSchedule,
      amsterdamExcludeEips ? [...amsterdamExcludeEips] : undefined,
    ),
  );
}

/** Runs every block of one test; yields a report per block in order. */
export async function* runBlockchainTest(
  file: string,
  name: string,
  test: BlockchainTest,
): AsyncGenerator<BlockRun> {
  const common = commonForTest(test);
  const genesis = createBlockFromRLP(hexToBytes(test.genesisRLP as PrefixedHexString), {
    common: common.copy(),
    setHardfork: true,
  });
  const { db, stateRoot } = await fullStateFromAlloc(test.pre, common);
  if (!equalsBytes(stateRoot, genesis.header.stateRoot)) {
    throw new EproofError(
      "BAD_INPUT",
      `${file}: ${name}: pre-state root ${bytesToHex(stateRoot)} != genesis ${bytesToHex(genesis.header.stateRoot)}`,
    );
  }
  // Canonical chain so far, by hash and by number (for BLOCKHASH and the parent link).
  const byHash = new Map<string, Block>([[bytesToHex(genesis.hash()), genesis]]);
  const headerRlpByNumber = new Map<bigint, Uint8Array>([[0n, genesis.header.serialize()]]);
  for (const [i, tb] of test.blocks.entries()) {
    const expected = tb.expectException === undefined;
    const t0 = performance.now();
    const base = { file, test: name, block: i + 1, expected };
    let block: Block;
    try {
      block = createBlockFromRLP(hexToBytes(tb.rlp as PrefixedHexString), {
        common: common.copy(),
        setHardfork: true,
      });
    } catch (e) {
      const valid = false;
      yield {
        ...base,
        hash: tb.blockHeader?.hash ?? "",
        valid,
        ok: valid === expected,
        gasUsed: 0n,
        ms: performance.now() - t0,
        reason: `block does not decode: ${errorMessage(e)}`,
      };
      continue;
    }
    const parent = byHash.get(bytesToHex(block.header.parentHash));
    if (!parent) {
      yield {
        ...base,
        hash: bytesToHex(block.hash()),
        valid: false,
        ok: !expected,
        gasUsed: 0n,
        ms: performance.now() - t0,
        reason: "unknown parent",
      };
      continue;
    }
    const recorded = await recordWitness({
      block,
      common,
      db,
      parentStateRoot: parent.header.stateRoot,
      headers: (n) => headerRlpByNumber.get(n),
    });
    const t1 = performance.now();
    const verdict = await validateStatelessBlock(block, recorded.witness, common);
    const report: BlockRun = {
      ...base,
      hash: bytesToHex(block.hash()),
      valid: verdict.valid,
      ok: verdict.valid === expected,
      gasUsed: verdict.gasUsed,
      ms: performance.now() - t1,
      witness: recorded.witness,
      ethBlock: block,
      common,
    };
    if (verdict.reason !== undefined) report.reason = verdict.reason;
    if (verdict.valid !== recorded.valid) {
      report.reason = `stateless (${verdict.valid ? "valid" : verdict.reason}) and stateful (${recorded.valid ? "valid" : recorded.reason}) disagree`;
      report.ok = false;
    }
    if (recorded.valid) {
      byHash.set(bytesToHex(block.hash()), block);
      headerRlpByNumber.set(block.header.number, block.header.serialize());
    }
    yield report;
  }
}
