// Faster crypto for the EVM than @ethereumjs' pure-JS defaults, each measured on Node 24 here:
// - keccak256 from hash-wasm (WASM): 0.6–1.7 µs per trie node vs 4.7–14 µs for @noble/hashes;
// - secp256k1 public-key recovery from the libsecp256k1 bindings (`secp256k1`): 54 µs vs 1.2 ms;
// - BN254 (ecAdd/ecMul/ecPairing precompiles) on mcl-wasm (bn254.ts): a 2-pair pairing check in
//   3.4 ms vs 13 ms for rustbn-wasm and 21 ms for noble.
import { createRequire } from "node:module";
import type { Common } from "@ethereumjs/common";
import { EVM, type EVMMockBlockchainInterface } from "@ethereumjs/evm";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { calculateSigRecovery, ecrecover as nobleEcrecover, setLengthLeft } from "@ethereumjs/util";
import { createVM, type VM } from "@ethereumjs/vm";
import { createKeccak } from "hash-wasm";
import type Secp256k1 from "secp256k1";
import { createMclBn254 } from "./bn254.ts";
import { installJumpAnalysisCache } from "./jumpAnalysis.ts";

export interface VmParts {
  common: Common;
  stateManager: MerkleStateManager;
  blockchain: EVMMockBlockchainInterface;
}

/**
 * A VM whose EVM uses the mcl BN254 backend. The EVM is built here, not through `evmOpts`: in
 * @ethereumjs/evm 10.1.3 `createEVM` overwrites any `bn254` option with the pure-JS one.
 */
export async function createFastVM(parts: VmParts): Promise<VM> {
  await installJumpAnalysisCache();
  const evm = new EVM({
    common: parts.common,
    stateManager: parts.stateManager,
    blockchain: parts.blockchain,
    bn254: await createMclBn254(),
  });
  return createVM({ common: parts.common, stateManager: parts.stateManager, evm });
}

// One hasher, reset per call: every call runs init → update → digest synchronously, so calls cannot
// interleave. digest("binary") returns a fresh array the caller may keep.
const keccakHasher = await createKeccak(256);

/** keccak256 (Ethereum's pre-standard SHA-3). */
export function keccak256(data: Uint8Array): Uint8Array {
  keccakHasher.init();
  keccakHasher.update(data);
  return keccakHasher.digest("binary");
}

/** libsecp256k1 through its N-API bindings; undefined (noble is used) where no prebuilt binary loads. */
function loadSecp256k1(): typeof Secp256k1 | undefined {
  try {
    // `secp256k1`'s own entry would fall back to elliptic.js, slower than noble; take the bindings only.
    return createRequire(import.meta.url)("secp256k1/bindings") as typeof Secp256k1;
  } catch {
    return undefined;
  }
}
const secp256k1 = loadSecp256k1();

/** True when public-key recovery runs on libsecp256k1. */
export const nativeEcrecover = secp256k1 !== undefined;

/**
 * Drop-in for @ethereumjs/util's `ecrecover` (64-byte X‖Y, throws on an invalid signature), with its
 * input handling kept (r and s left-padded or cut to 32 bytes, v mapped to recovery id 0 or 1):
 * r and s must be non-zero and below the group order; high s is accepted here as there (the
 * transaction rules reject it separately).
 */
export function ecrecover(
  msgHash: Uint8Array,
  v: bigint,
  r: Uint8Array,
  s: Uint8Array,
  chainId?: bigint,
): Uint8Array {
  if (!secp256k1) return nobleEcrecover(msgHash, v, r, s, chainId);
  const recovery = calculateSigRecovery(v, chainId);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  const sig = new Uint8Array(64);
  sig.set(setLengthLeft(r, 32), 0);
  sig.set(setLengthLeft(s, 32), 32);
  return secp256k1.ecdsaRecover(sig, Number(recovery), msgHash, false).subarray(1);
}
