// The CPU proof type `eproof-reexec` (default id 0xF0): sound but not succinct. proof_data is the
// schema-prefixed StatelessInput, brotli-compressed; verifying means decompressing (bounded), decoding and
// re-executing the payload statelessly, accepting only a successful validation of the expected NPR root.
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from "node:zlib";
import { Common } from "@ethereumjs/common";
import type { VerifyResult } from "../proving/interface.ts";
import {
  decodeStatelessInput,
  type StatelessInputValue,
  type StatelessRevisionName,
} from "../spec/stateless.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, toHex } from "../util/hex.ts";
import { type GethChainConfig, knownChainConfig } from "./common.ts";
import { type StatelessOutcome, validateStateless } from "./engine.ts";

/** Largest StatelessInput a proof may decompress to (the SSZ schema allows far more; memory does not). */
export const MAX_REEXEC_INPUT_BYTES = 256 * 1024 * 1024;

/** proof_data for a schema-prefixed StatelessInput (checked to decode first, in `revision` if given). */
export function proveReexec(statelessInput: Uint8Array, revision?: StatelessRevisionName): Uint8Array {
  decodeStatelessInput(statelessInput, revision);
  return new Uint8Array(
    brotliCompressSync(statelessInput, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 9,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: statelessInput.length,
      },
    }),
  );
}

/** Decompresses proof_data, refusing to produce more than `maxBytes`. */
export function openReexecProof(proofData: Uint8Array, maxBytes = MAX_REEXEC_INPUT_BYTES): Uint8Array {
  try {
    return new Uint8Array(brotliDecompressSync(proofData, { maxOutputLength: maxBytes }));
  } catch (e) {
    throw new EproofError(
      "BAD_INPUT",
      `proof_data is not a brotli stream of at most ${maxBytes} bytes: ${errorMessage(e)}`,
    );
  }
}

export type ChainConfigSource =
  | GethChainConfig
  | Common
  | ((chainId: number) => GethChainConfig | Common | undefined);

/** The chain config to execute a decoded input with; its chain id must match the input's. */
export function resolveReexecConfig(
  source: ChainConfigSource | undefined,
  input: StatelessInputValue,
): GethChainConfig | Common {
  const chainId = input.chainConfig.chainId;
  const found = typeof source === "function" ? source(chainId) : (source ?? knownChainConfig(chainId));
  if (!found) throw new EproofError("BAD_CONFIG", `no chain config for chain id ${chainId}`);
  const configured = found instanceof Common ? Number(found.chainId()) : Number(found.chainId);
  if (configured !== chainId) {
    throw new EproofError(
      "BAD_INPUT",
      `StatelessInput is for chain ${chainId}, the verifier is configured for ${configured}`,
    );
  }
  return found;
}

export interface ReexecVerification extends VerifyResult {
  outcome?: StatelessOutcome;
}

/**
 * Verifies an `eproof-reexec` proof: valid only when the re-executed NPR root equals `expectedRoot` and
 * the validation succeeded. A 0x1501 input is read in `revision`, or in whichever revision decodes.
 * Never throws for bad proof bytes; the reason says what failed.
 */
export async function verifyReexec(
  proofData: Uint8Array,
  expectedRoot: Uint8Array,
  chainConfig?: ChainConfigSource,
  revision?: StatelessRevisionName,
): Promise<ReexecVerification> {
  const t0 = performance.now();
  const fail = (reason: string, outcome?: StatelessOutcome): ReexecVerification => {
    const r: ReexecVerification = { valid: false, reason, ms: performance.now() - t0 };
    if (outcome) r.outcome = outcome;
    return r;
  };
  try {
    const { value } = decodeStatelessInput(openReexecProof(proofData), revision);
    const outcome = await validateStateless({
      npr: value.newPayloadRequest,
      witness: value.witness,
      chainConfig: resolveReexecConfig(chainConfig, value),
      publicKeys: value.publicKeys,
    });
    if (!bytesEqual(outcome.result.newPayloadRequestRoot, expectedRoot)) {
      return fail(
        `proof is for NPR ${toHex(outcome.result.newPayloadRequestRoot)}, expected ${toHex(expectedRoot)}`,
        outcome,
      );
    }
    if (!outcome.valid) return fail(`payload does not validate: ${outcome.reason ?? "unknown"}`, outcome);
    return { valid: true, ms: performance.now() - t0, outcome };
  } catch (e) {
    return fail(errorMessage(e));
  }
}
