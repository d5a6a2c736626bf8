// DOMAIN_EXECUTION_PROOF and signing roots: compute_domain(domain_type, fork_version, genesis_validators_root)
// through @lodestar/config, signing_root = hash_tree_root(SigningData{object_root, domain}).
import { type ChainForkConfig, createBeaconConfig } from "@lodestar/config";
import { ssz } from "@lodestar/types";
import type { ExecutionProof, ProofContainers } from "../spec/containers.ts";
import type { SpecProfile } from "../spec/profile.ts";

/** Domain for a proof signed at `slot`, using the fork version active at that slot. */
export function executionProofDomainAtSlot(
  chainConfig: ChainForkConfig,
  genesisValidatorsRoot: Uint8Array,
  slot: number,
  profile: SpecProfile,
): Uint8Array {
  const beaconConfig = createBeaconConfig(chainConfig, genesisValidatorsRoot);
  return beaconConfig.getDomain(slot, profile.domainExecutionProof, slot);
}

/** compute_domain for an explicit fork version (what a verifier with only the fork version needs). */
export function computeExecutionProofDomain(
  forkVersion: Uint8Array,
  genesisValidatorsRoot: Uint8Array,
  profile: SpecProfile,
): Uint8Array {
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
    currentVersion: forkVersion,
    genesisValidatorsRoot,
  });
  const domain = new Uint8Array(32);
  domain.set(profile.domainExecutionProof.subarray(0, 4), 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  return domain;
}

export function executionProofSigningRoot(
  proof: ExecutionProof,
  domain: Uint8Array,
  containers: ProofContainers,
): Uint8Array {
  const objectRoot = containers.ExecutionProof.hashTreeRoot(proof);
  return ssz.phase0.SigningData.hashTreeRoot({ objectRoot, domain });
}
