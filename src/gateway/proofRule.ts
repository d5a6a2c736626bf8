// The k-of-n rule shared by the gateway and the status API: a payload counts as proof-verified
// once `k` distinct proof types (from the allow-list, when one is set) have a verified proof.
import type { StoredProof } from "../store/interface.ts";

export interface ProofRule {
  /** Distinct verified proof types needed. */
  k: number;
  /** Proof type ids that count; empty = any type counts. */
  allowedProofTypes: readonly number[];
}

/** The distinct proof types that count toward `rule`, ascending. */
export function countingProofTypes(proofs: readonly StoredProof[], rule: ProofRule): number[] {
  const allowed = rule.allowedProofTypes.length > 0 ? new Set(rule.allowedProofTypes) : undefined;
  const types = new Set<number>();
  for (const p of proofs) {
    if (!p.verified) continue;
    if (allowed && !allowed.has(p.proofType)) continue;
    types.add(p.proofType);
  }
  return [...types].sort((a, b) => a - b);
}

export function ruleHolds(proofs: readonly StoredProof[], rule: ProofRule): boolean {
  return countingProofTypes(proofs, rule).length >= rule.k;
}
