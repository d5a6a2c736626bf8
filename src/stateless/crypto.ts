// Faster crypto for the EVM: BN254 (ecAdd/ecMul/ecPairing precompiles) from rustbn-wasm, the WASM
// build of Parity's bn that @ethereumjs/evm ships a wrapper for; noble's pure-JS pairing is ~10× slower.
import { RustBN254 } from "@ethereumjs/evm";
import { initRustBN } from "rustbn-wasm";

type Bn254 = InstanceType<typeof RustBN254>;

let bn254: Promise<Bn254> | undefined;

/** The shared WASM BN254 backend (instantiated once per process). */
export function getBn254(): Promise<Bn254> {
  if (!bn254) bn254 = initRustBN().then((rustbn) => new RustBN254(rustbn));
  return bn254;
}
