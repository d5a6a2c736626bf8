// The proof signer: domain → signing root → double-sign guard → BLS signature.
import type { SecretKey } from "@chainsafe/blst";
import type { ExecutionProof, ProofContainers, SignedExecutionProof } from "../spec/containers.ts";
import { signRoot } from "./bls.ts";
import { executionProofSigningRoot } from "./domain.ts";
import type { DoubleSignGuard } from "./doubleSignGuard.ts";

export interface ProofSignerDeps {
  secretKey: SecretKey;
  validatorIndex: number;
  guard: DoubleSignGuard;
  containers: ProofContainers;
  /** The DOMAIN_EXECUTION_PROOF domain for a proof about a payload of `slot`. */
  domainAtSlot: (slot: number) => Uint8Array;
}

export class ProofSigner {
  private readonly deps: ProofSignerDeps;
  constructor(deps: ProofSignerDeps) {
    this.deps = deps;
  }

  get validatorIndex(): number {
    return this.deps.validatorIndex;
  }

  /** Throws DOUBLE_SIGN (and signs nothing) when a different proof was signed for the same pair. */
  sign(proof: ExecutionProof, slot: number): SignedExecutionProof {
    const { containers, guard, secretKey, validatorIndex } = this.deps;
    const proofRoot = containers.ExecutionProof.hashTreeRoot(proof);
    guard.check(proof.publicInput.newPayloadRequestRoot, proof.proofType, proofRoot, slot);
    const signingRoot = executionProofSigningRoot(proof, this.deps.domainAtSlot(slot), containers);
    return { message: proof, validatorIndex, signature: signRoot(secretKey, signingRoot) };
  }
}
