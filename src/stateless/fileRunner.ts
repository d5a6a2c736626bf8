// Validates every block of a file statelessly, whatever its format, yielding one BlockReport per block:
// EF BlockchainTest JSON (witness recorded from the pre-state), EEST zkevm fixtures (their own
// StatelessInput bytes, output compared), ethrex-replay caches, geth block+witness RLP pairs, and a
// zkboost-style `new_payload_request.ssz` with `execution_witness.json` + `chain_config.json` beside it.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import type { Common } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import { decodeNprAnyFork, nprRoot } from "../spec/newPayloadRequest.ts";
import {
  decodeStatelessInput,
  decodeValidationResult,
  encodeStatelessInput,
  encodeValidationResult,
  isMalformedInputResult43,
  SCHEMA_AMSTERDAM_R0,
  statelessNprRoot,
  witnessFromRpcJson,
} from "../spec/stateless.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../util/hex.ts";
import {
  type BlockchainTest,
  type BlockReport,
  commonForTest,
  parseBlockchainTests,
  runBlockchainTest,
} from "./blockchainTest.ts";
import { commonFromGethConfig, EEST_ZKEVM_V033_EXCLUDED_EIPS, type GethChainConfig } from "./common.ts";
import { type BlockCheckOptions, validateStateless, validateStatelessBlock } from "./engine.ts";
import {
  type BlockWithWitness,
  isEthrexCache,
  networkChainConfig,
  readEthrexCache,
  readGethBlockPair,
} from "./fixtureFiles.ts";

export interface FileRunOptions {
  /** Network whose config geth RLP pairs are executed with (they carry none). */
  network?: string;
  /**
   * geth ExtWitness pairs only: refuse geth's rule that an account whose trie path the witness lacks
   * reads as absent (see WitnessStateManager). Every other input is always strict.
   */
  strictGethWitness?: boolean;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new EproofError("BAD_INPUT", `${file}: not readable JSON: ${errorMessage(e)}`);
  }
}

function isZkevmTest(test: BlockchainTest): boolean {
  return test.blocks.some((b) => typeof b.statelessInputBytes === "string");
}

/** One real block (geth pair or ethrex cache) that the chain accepted: expected valid. */
async function runChainBlock(
  file: string,
  b: BlockWithWitness,
  opts: BlockCheckOptions = {},
): Promise<BlockReport> {
  const t0 = performance.now();
  const v = await validateStatelessBlock(b.block, b.witness, b.common, opts);
  const ms = performance.now() - t0;
  const r = report(
    file,
    basename(file),
    Number(b.block.header.number),
    bytesToHex(b.block.hash()),
    true,
    v.valid,
    v.gasUsed,
    ms,
    v.reason,
  );
  if (v.assumedAbsent) r.assumedAbsent = v.assumedAbsent;
  return r;
}

export async function* runFile(file: string, opts: FileRunOptions = {}): AsyncGenerator<BlockReport> {
  if (!existsSync(file)) throw new EproofError("BAD_INPUT", `${file}: no such file`);
  if (file.endsWith("-block.rlp")) {
    const pair = readGethBlockPair(file, networkChainConfig(opts.network ?? "hoodi"));
    yield await runChainBlock(file, pair, { unprovenAccountsAbsent: opts.strictGethWitness !== true });
    return;
  }
  if (file.endsWith(".ssz")) {
    yield await runNprFile(file);
    return;
  }
  const json = readJson(file);
  if (isEthrexCache(json)) {
    for (const b of readEthrexCache(json, file)) yield await runChainBlock(file, b);
    return;
  }
  for (const [name, test] of parseBlockchainTests(json, file)) {
    if (isZkevmTest(test)) {
      yield* runZkevmTest(file, name, test);
      continue;
    }
    try {
      for await (const r of runBlockchainTest(file, name, test)) {
        const { witness: _w, ethBlock: _b, common: _c, ...plain } = r;
        yield plain;
      }
    } catch (e) {
      yield {
        file,
        test: name,
        block: 0,
        hash: "",
        expected: true,
        valid: false,
        ok: false,
        gasUsed: 0n,
        ms: 0,
        reason: errorMessage(e),
      };
    }
  }
}

function report(
  file: string,
  test: string,
  block: number,
  hash: string,
  expected: boolean,
  valid: boolean,
  gasUsed: bigint,
  ms: number,
  reason?: string,
): BlockReport {
  const r: BlockReport = { file, test, block, hash, expected, valid, ok: valid === expected, gasUsed, ms };
  if (reason !== undefined) r.reason = reason;
  return r;
}

/** The first block's StatelessInput schema id, when the file carries one (decides the EIP set). */
function firstSchemaId(test: BlockchainTest): number | undefined {
  const hex = test.blocks.find((b) => typeof b.statelessInputBytes === "string")?.statelessInputBytes;
  if (!hex) return undefined;
  const m = /^(0x)?([0-9a-fA-F]{4})/.exec(hex);
  return m?.[2] ? Number.parseInt(m[2], 16) : undefined;
}

/**
 * EEST zkevm: decode the guest input, re-encode it, execute it, and compare the result we would write
 * with the expected guest output byte for byte. An expected all-zero 43-byte output (tests-zkevm ≥ v0.8)
 * says the input must not decode.
 */
async function* runZkevmTest(file: string, name: string, test: BlockchainTest): AsyncGenerator<BlockReport> {
  let common: Common;
  try {
    // The left-out EIPs were found for the zkevm@v0.3.3 fixtures (schema 0x1400) only.
    const v033 = firstSchemaId(test) === SCHEMA_AMSTERDAM_R0;
    common = commonForTest(test, v033 ? EEST_ZKEVM_V033_EXCLUDED_EIPS : undefined);
  } catch (e) {
    yield report(file, name, 0, "", true, false, 0n, 0, errorMessage(e));
    return;
  }
  for (const [i, tb] of test.blocks.entries()) {
    const t0 = performance.now();
    const hash = tb.blockHeader?.hash ?? "";
    if (typeof tb.statelessInputBytes !== "string" || !tb.statelessOutputBytes) {
      yield report(
        file,
        name,
        i + 1,
        hash,
        tb.expectException === undefined,
        false,
        0n,
        0,
        "block has no statelessInputBytes/statelessOutputBytes",
      );
      continue;
    }
    try {
      const outputBytes = fromHex(tb.statelessOutputBytes, "statelessOutputBytes");
      const inputBytes = fromHex(tb.statelessInputBytes, "statelessInputBytes");
      if (isMalformedInputResult43(outputBytes)) {
        yield malformedInputReport(file, name, i + 1, hash, inputBytes, t0);
        continue;
      }
      const expectedOut = decodeValidationResult(outputBytes);
      const { schemaId, value, revision } = decodeStatelessInput(inputBytes);
      const problems: string[] = [];
      if (!bytesEqual(encodeStatelessInput(value, schemaId, revision), inputBytes))
        problems.push("re-encoding differs");
      const root = statelessNprRoot(value.newPayloadRequest);
      if (!bytesEqual(root, expectedOut.newPayloadRequestRoot)) {
        problems.push(`NPR root ${toHex(root)} != expected ${toHex(expectedOut.newPayloadRequestRoot)}`);
      }
      if (value.chainConfig.chainId !== expectedOut.chainConfig.chainId) problems.push("chain id differs");
      const outcome = await validateStateless({
        npr: value.newPayloadRequest,
        witness: value.witness,
        chainConfig: common,
        publicKeys: value.publicKeys,
      });
      const expected = expectedOut.successfulValidation;
      const ours = encodeValidationResult(outcome.result, schemaId, revision);
      if (outcome.valid === expected && !bytesEqual(ours, outputBytes)) {
        problems.push(`our output ${toHex(ours)} != expected ${toHex(outputBytes)}`);
      }
      const r = report(
        file,
        name,
        i + 1,
        hash,
        expected,
        outcome.valid,
        outcome.gasUsed,
        performance.now() - t0,
        outcome.reason,
      );
      r.schema = `0x${schemaId.toString(16).padStart(4, "0")}${revision ? ` ${revision}` : ""}`;
      if (problems.length > 0) {
        r.ok = false;
        r.reason = [...problems, outcome.reason].filter(Boolean).join("; ");
      }
      yield r;
    } catch (e) {
      yield report(file, name, i + 1, hash, true, false, 0n, performance.now() - t0, errorMessage(e));
    }
  }
}

/** The expected output is the malformed-input sentinel: ok exactly when the input does not decode. */
function malformedInputReport(
  file: string,
  name: string,
  block: number,
  hash: string,
  input: Uint8Array,
  t0: number,
): BlockReport {
  try {
    const { schemaId, revision } = decodeStatelessInput(input);
    const r = report(file, name, block, hash, false, false, 0n, performance.now() - t0);
    r.ok = false;
    r.reason = `input decodes (0x${schemaId.toString(16)}${revision ? ` ${revision}` : ""}) but the expected output is the all-zero malformed-input result`;
    return r;
  } catch (e) {
    return report(
      file,
      name,
      block,
      hash,
      false,
      false,
      0n,
      performance.now() - t0,
      `malformed input (expected): ${errorMessage(e)}`,
    );
  }
}

/** zkboost-style NPR SSZ with `execution_witness.json` and `chain_config.json` in the same folder. */
async function runNprFile(file: string): Promise<BlockReport> {
  const dir = dirname(file);
  const witnessFile = join(dir, "execution_witness.json");
  const configFile = join(dir, "chain_config.json");
  if (!existsSync(witnessFile) || !existsSync(configFile)) {
    throw new EproofError(
      "BAD_INPUT",
      `${file}: needs execution_witness.json and chain_config.json beside it`,
    );
  }
  const npr = decodeNprAnyFork(readFileSync(file));
  const config = readJson(configFile) as GethChainConfig;
  const outcome = await validateStateless({
    npr,
    witness: witnessFromRpcJson(readJson(witnessFile)),
    chainConfig: commonFromGethConfig(config),
  });
  const payload = (npr.value as { executionPayload: { blockNumber: number; blockHash: Uint8Array } })
    .executionPayload;
  return report(
    file,
    `${npr.fork} NPR ${toHex(nprRoot(npr)).slice(0, 18)}…`,
    payload.blockNumber,
    toHex(payload.blockHash),
    true,
    outcome.valid,
    outcome.gasUsed,
    outcome.ms,
    outcome.reason,
  );
}
