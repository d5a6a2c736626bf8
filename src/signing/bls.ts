// BLS12-381 signing and verification of execution proofs with @chainsafe/blst.
import { PublicKey, SecretKey, Signature, verify, verifyMultipleAggregateSignatures } from "@chainsafe/blst";

export interface SignatureSet {
  pubkey: Uint8Array;
  signingRoot: Uint8Array;
  signature: Uint8Array;
}

export function signRoot(secretKey: SecretKey, signingRoot: Uint8Array): Uint8Array {
  return secretKey.sign(signingRoot).toBytes();
}

/** False for a wrong signature and for bytes that are no valid key or signature: never throws. */
export function verifyProofSignature(
  pubkey: Uint8Array,
  signingRoot: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const pk = PublicKey.fromBytes(pubkey, true);
    const sig = Signature.fromBytes(signature, true);
    return verify(signingRoot, pk, sig);
  } catch {
    return false;
  }
}

/**
 * Verifies many sets at once (random linear combination, as Lodestar batches gossip): true only if
 * every set is valid. On false, callers re-verify one by one to find the bad set.
 */
export function verifySignatureSetsBatch(sets: readonly SignatureSet[]): boolean {
  if (sets.length === 0) return true;
  try {
    return verifyMultipleAggregateSignatures(
      sets.map((s) => ({
        msg: s.signingRoot,
        pk: PublicKey.fromBytes(s.pubkey, true),
        sig: Signature.fromBytes(s.signature, true),
      })),
    );
  } catch {
    return false;
  }
}

export function secretKeyFromBytes(bytes: Uint8Array): SecretKey {
  return SecretKey.fromBytes(bytes);
}

export { SecretKey };
