// The stateless validation engine: (NewPayloadRequest, ExecutionWitness, chain config) → StatelessValidationResult.
// The pre-state is the witness alone; the block is rebuilt from the payload and executed with
// @ethereumjs/vm; everything a consensus client relies on from engine_newPayload is checked. A gap in
// the witness or a malformed input gives `successful_validation = false` with a reason, never a throw.
import { type Block, type BlockHeader, createBlockHeaderFromRLP } from "@ethereumjs/block";
import { Common } from "@ethereumjs/common";
import { bytesToHex, equalsBytes } from "@ethereumjs/util";
import { runBlock } from "@ethereumjs/vm";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import { nprRoot } from "../spec/newPayloadRequest.ts";
import {
  type ChainConfigValue,
  type ExecutionWitnessValue,
  type StatelessNpr,
  type StatelessValidationResultValue,
  statelessNprRoot,
} from "../spec/stateless.ts";
import { errorMessage } from "../util/errors.ts";
import { commonFromGethConfig, type GethChainConfig } from "./common.ts";
import { createFastVM, keccak256 } from "./crypto.ts";
import { blobHashesOf, blockFromPayload, payloadView } from "./payloadBlock.ts";
import { checkPublicKeys } from "./publicKeys.ts";
import { TrieNodes } from "./sparseTrie.ts";
import {
  findMissingWitness,
  insertBeforeDeleteCaches,
  trieOver,
  WitnessHeaderChain,
  WitnessNodeDb,
  WitnessStateManager,
} from "./witnessState.ts";

export interface StatelessValidationInput {
  npr: ForkedNewPayloadRequest | StatelessNpr;
  witness: ExecutionWitnessValue;
  /** A geth-style chain config, or a Common already built from one (reused across blocks). */
  chainConfig: GethChainConfig | Common;
  /** Supplied per-transaction public keys to check (StatelessInput.public_keys); empty/absent = none. */
  publicKeys?: Uint8Array[];
}

export interface StatelessOutcome {
  result: StatelessValidationResultValue;
  valid: boolean;
  reason?: string;
  gasUsed: bigint;
  ms: number;
}

export interface BlockVerdict {
  valid: boolean;
  reason?: string;
  /** Gas the execution used, or the header's claim when execution did not finish. */
  gasUsed: bigint;
  /** Accounts read as absent without proof (only under `unprovenAccountsAbsent`). */
  assumedAbsent?: string[];
}

export interface BlockCheckOptions {
  /** The NPR's versioned hashes, checked against the blob transactions in order. */
  versionedHashes?: Uint8Array[];
  publicKeys?: Uint8Array[];
  /** geth's witness rule (see WitnessStateManager); never for proofs, only for geth ExtWitness files. */
  unprovenAccountsAbsent?: boolean;
  /** Filled with where the time went when given (bench and profiling; costs a little when on). */
  phases?: BlockPhases;
}

/** Wall time of one block's re-execution by phase, in ms. */
export interface BlockPhases {
  /** Header checks, witness hashing, VM creation, pre-transaction system calls. */
  setupMs: number;
  /** First transaction's start to the last one's end. */
  txMs: number;
  /** Of those, time inside state reads (getAccount/getStorage/getCode from the EVM and VM). */
  stateReadMs: number;
  /** After the last transaction: withdrawals, requests, the state-root update, receipts. */
  postMs: number;
  /** First reads answered by walking the decoded witness nodes (not the strict trie). */
  flatHits: number;
}

type Reader = (this: WitnessStateManager, ...args: never[]) => unknown;

/** Wraps the state manager's read methods to sum their time (outermost calls inside transactions). */
function timeStateReads(sm: WitnessStateManager, phases: BlockPhases): void {
  let depth = 0;
  const self = sm as unknown as Record<string, Reader>;
  for (const name of ["getAccount", "getStorage", "getCode"]) {
    const original = self[name];
    if (!original) continue;
    self[name] = async function (this: WitnessStateManager, ...args: never[]) {
      if (depth > 0 || !sm.inTransaction) return original.apply(this, args);
      depth++;
      const t0 = performance.now();
      try {
        return await original.apply(this, args);
      } finally {
        phases.stateReadMs += performance.now() - t0;
        depth--;
      }
    };
  }
  // The synchronous cached-slot read (SLOAD's first try), timed the same way.
  const cached = self.getStorageCached;
  if (cached) {
    self.getStorageCached = function (this: WitnessStateManager, ...args: never[]) {
      if (depth > 0 || !sm.inTransaction) return cached.apply(this, args);
      const t0 = performance.now();
      try {
        return cached.apply(this, args);
      } finally {
        phases.stateReadMs += performance.now() - t0;
      }
    };
  }
}

class Invalid extends Error {}

/** EIP-4788/7002/7251 system-call sender. */
const SYSTEM_ADDRESS = 0xfffffffffffffffffffffffffffffffffffffffen;

function toCommon(config: GethChainConfig | Common): Common {
  return config instanceof Common ? config.copy() : commonFromGethConfig(config);
}

function chainIdOf(common: Common): number {
  return Number(common.chainId());
}

/** Validates a NewPayloadRequest against its witness; the result's root is the NPR's own SSZ root. */
export async function validateStateless(input: StatelessValidationInput): Promise<StatelessOutcome> {
  const t0 = performance.now();
  const stateless: StatelessNpr = "fork" in input.npr ? { schema: "cl", npr: input.npr } : input.npr;
  const root = stateless.schema === "cl" ? nprRoot(stateless.npr) : statelessNprRoot(stateless);
  let common: Common | undefined;
  let verdict: BlockVerdict;
  try {
    common = toCommon(input.chainConfig);
    const view = payloadView(stateless);
    let block: Block;
    try {
      block = await blockFromPayload(view, common);
    } catch (e) {
      throw new Invalid(`payload does not form a valid block: ${errorMessage(e)}`);
    }
    verdict = await validateStatelessBlock(block, input.witness, common, {
      versionedHashes: view.versionedHashes,
      publicKeys: input.publicKeys,
    });
  } catch (e) {
    verdict = { valid: false, reason: errorMessage(e), gasUsed: 0n };
  }
  const chainConfig: ChainConfigValue = {
    chainId: common ? chainIdOf(common) : Number((input.chainConfig as GethChainConfig).chainId ?? 0),
  };
  const outcome: StatelessOutcome = {
    result: { newPayloadRequestRoot: root, successfulValidation: verdict.valid, chainConfig },
    valid: verdict.valid,
    gasUsed: verdict.gasUsed,
    ms: performance.now() - t0,
  };
  if (verdict.reason !== undefined) outcome.reason = verdict.reason;
  return outcome;
}

/** Decoded witness headers, checked to be a contiguous chain; the last one is the parent. */
export function witnessHeaders(headers: readonly Uint8Array[], common: Common): BlockHeader[] {
  if (headers.length === 0) throw new Invalid("witness has no headers (the parent header is required)");
  const out: BlockHeader[] = [];
  for (const [i, raw] of headers.entries()) {
    let h: BlockHeader;
    try {
      h = createBlockHeaderFromRLP(raw, {
        common: common.copy(),
        setHardfork: true,
        skipConsensusFormatValidation: true,
      });
    } catch (e) {
      throw new Invalid(`witness header ${i} is not a block header: ${errorMessage(e)}`);
    }
    const prev = out[out.length - 1];
    if (prev && (h.number !== prev.number + 1n || !equalsBytes(h.parentHash, prev.hash()))) {
      throw new Invalid(`witness headers are not contiguous at #${h.number} (after #${prev.number})`);
    }
    out.push(h);
  }
  return out;
}

function checkAgainstParent(block: Block, parent: BlockHeader): void {
  const h = block.header;
  if (!equalsBytes(h.parentHash, parent.hash())) {
    throw new Invalid(
      `parent header in witness is ${bytesToHex(parent.hash())}, block's parent is ${bytesToHex(h.parentHash)}`,
    );
  }
  if (h.number !== parent.number + 1n)
    throw new Invalid(`block number ${h.number} does not follow parent ${parent.number}`);
  if (h.timestamp <= parent.timestamp) throw new Invalid("block timestamp is not after its parent's");
  try {
    h.validateGasLimit(parent);
  } catch (e) {
    throw new Invalid(`gas limit: ${errorMessage(e)}`);
  }
  if (h.common.isActivatedEIP(1559)) {
    const expected = parent.common.isActivatedEIP(1559)
      ? parent.calcNextBaseFee()
      : h.common.param("initialBaseFee");
    if (h.baseFeePerGas !== expected)
      throw new Invalid(`base fee ${h.baseFeePerGas} != expected ${expected}`);
  }
  if (h.common.isActivatedEIP(4844)) {
    const expected = parent.common.isActivatedEIP(4844) ? parent.calcNextExcessBlobGas(h.common) : 0n;
    if (h.excessBlobGas !== expected)
      throw new Invalid(`excess blob gas ${h.excessBlobGas} != expected ${expected}`);
  }
}

function checkVersionedHashes(block: Block, expected: readonly Uint8Array[]): void {
  const actual: Uint8Array[] = [];
  for (const tx of block.transactions) {
    actual.push(...blobHashesOf(tx));
  }
  if (
    actual.length !== expected.length ||
    actual.some((h, i) => !equalsBytes(h, expected[i] ?? new Uint8Array()))
  ) {
    throw new Invalid(
      `versioned hashes differ from the blob transactions' (${expected.length} given, ${actual.length} in block)`,
    );
  }
}

/**
 * Executes an already-built block statelessly (the entry for BlockchainTest files, whose blocks come as
 * RLP). `common` is copied, never mutated.
 */
export async function validateStatelessBlock(
  block: Block,
  witness: ExecutionWitnessValue,
  commonIn: Common,
  opts: BlockCheckOptions = {},
): Promise<BlockVerdict> {
  const tStart = performance.now();
  const common = commonIn.copy();
  common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp });
  let stateManager: WitnessStateManager | undefined;
  try {
    const headers = witnessHeaders(witness.headers, common);
    const parent = headers[headers.length - 1];
    if (!parent) throw new Invalid("witness has no parent header");
    checkAgainstParent(block, parent);
    if (opts.versionedHashes) checkVersionedHashes(block, opts.versionedHashes);
    if (opts.publicKeys && opts.publicKeys.length > 0) checkPublicKeys(block, opts.publicKeys);

    const db = WitnessNodeDb.fromWitness(witness.state, witness.codes);
    const trie = await trieOver(db, parent.stateRoot, common);
    // Caches on: first reads walk the witness nodes (each decoded once, when first needed), a path
    // with a missing node goes to the strict witness trie; writes meet the tries at the block's flush.
    const nodes = new TrieNodes(
      (key) => db.peek(key),
      undefined,
      (hash) => db.peekHash(hash),
    );
    // Nodes the root update makes stay in `nodes`; the strict trie finds them there.
    db.madeElsewhere = (key) => nodes.made(key);
    const sm = new WitnessStateManager(trie, common, SYSTEM_ADDRESS, insertBeforeDeleteCaches(), {
      unprovenAccountsAbsent: opts.unprovenAccountsAbsent === true,
      nodes,
      codeLookup: (key) => db.peek(key),
    });
    stateManager = sm;
    const chain = new WitnessHeaderChain(headers.map((h) => ({ number: h.number, hash: h.hash() })));
    const vm = await createFastVM({ common, stateManager: sm, blockchain: chain });
    const phases = opts.phases;
    let tFirstTx: number | undefined;
    let tLastTx: number | undefined;
    if (phases) timeStateReads(sm, phases);
    vm.events.on("beforeTx", () => {
      sm.inTransaction = true;
      if (phases) tFirstTx ??= performance.now();
    });
    vm.events.on("afterTx", () => {
      sm.inTransaction = false;
      if (phases) tLastTx = performance.now();
    });
    const tRun = performance.now();
    const result = await runBlock(vm, { block, skipHeaderValidation: true, setHardfork: false });
    sm.assertShadowUnchanged();
    if (phases) {
      const tEnd = performance.now();
      const firstTx = tFirstTx ?? tRun;
      const lastTx = tLastTx ?? firstTx;
      phases.setupMs += firstTx - tStart;
      phases.txMs += lastTx - firstTx;
      phases.postMs += tEnd - lastTx;
      phases.flatHits += sm.flatHits;
    }
    const verdict: BlockVerdict = { valid: true, gasUsed: result.gasUsed };
    if (sm.unprovenAbsent?.size) verdict.assumedAbsent = [...sm.unprovenAbsent];
    return verdict;
  } catch (e) {
    if (process.env.EPROOF_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    const missing =
      findMissingWitness(e) ??
      (stateManager?.shadowChanged()
        ? findMissingWitness(new Error("witness incomplete: missing node for the system address"))
        : undefined);
    let reason = missing ? missing.message : errorMessage(e).replace(/\s+/g, " ").slice(0, 400);
    const assumed = stateManager?.unprovenAbsent;
    if (assumed?.size)
      reason = `${reason} (after reading ${[...assumed].join(", ")} as absent without proof)`;
    const verdict: BlockVerdict = { valid: false, reason, gasUsed: block.header.gasUsed };
    if (assumed?.size) verdict.assumedAbsent = [...assumed];
    return verdict;
  }
}

/** keccak256 of a header's RLP: its block hash. */
export function headerHash(rlp: Uint8Array): Uint8Array {
  return keccak256(rlp);
}
