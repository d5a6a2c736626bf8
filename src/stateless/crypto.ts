// Faster crypto for the EVM: BN254 (ecAdd/ecMul/ecPairing precompiles) from rustbn-wasm, the WASM
// build of Parity's bn that @ethereumjs/evm ships a wrapper for; noble's pure-JS pairing is ~10× slower.
import type { Common } from "@ethereumjs/common";
import { EVM, type EVMMockBlockchainInterface, RustBN254 } from "@ethereumjs/evm";
import type { MerkleStateManager } from "@ethereumjs/statemanager";
import { createVM, type VM } from "@ethereumjs/vm";
import { initRustBN } from "rustbn-wasm";
import { installJumpAnalysisCache } from "./jumpAnalysis.ts";

type Bn254 = InstanceType<typeof RustBN254>;

let bn254: Promise<Bn254> | undefined;

/** The shared WASM BN254 backend (instantiated once per process). */
export function getBn254(): Promise<Bn254> {
  if (!bn254) bn254 = initRustBN().then((rustbn) => new RustBN254(rustbn));
  return bn254;
}

export interface VmParts {
  common: Common;
  stateManager: MerkleStateManager;
  blockchain: EVMMockBlockchainInterface;
}

/**
 * A VM whose EVM uses the WASM BN254 backend. The EVM is built here, not through `evmOpts`: in
 * @ethereumjs/evm 10.1.3 `createEVM` overwrites any `bn254` option with the pure-JS one.
 */
export async function createFastVM(parts: VmParts): Promise<VM> {
  await installJumpAnalysisCache();
  const evm = new EVM({
    common: parts.common,
    stateManager: parts.stateManager,
    blockchain: parts.blockchain,
    bn254: await getBn254(),
  });
  return createVM({ common: parts.common, stateManager: parts.stateManager, evm });
}
