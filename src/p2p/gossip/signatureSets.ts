// Verifying a batch of BLS signature sets with @chainsafe/blst, the same way on the event loop and in
// a worker thread: random-linear-combination batch first (as Lodestar batches gossip signatures, ~4x
// one-by-one), and when the batch fails, each set alone so one bad signature never fails its
// neighbours. Public keys are deserialized and subgroup-checked once and cached; signatures are only
// decompressed here and subgroup-checked inside the verify call, where blst's check is far cheaper
// than a standalone one.
import { PublicKey, Signature, verify, verifyMultipleAggregateSignatures } from "@chainsafe/blst";
import type { SignatureSet } from "../../signing/bls.ts";
import { toHex } from "../../util/hex.ts";
import { BoundedMap } from "../boundedSet.ts";

interface ParsedSet {
  msg: Uint8Array;
  pk: PublicKey;
  sig: Signature;
}

export class SignatureSetVerifier {
  private readonly pubkeys: BoundedMap<string, PublicKey>;

  constructor(pubkeyCacheSize = 65_536) {
    this.pubkeys = new BoundedMap(pubkeyCacheSize);
  }

  /** One verdict per set, in order; never throws. */
  verifyAll(sets: readonly SignatureSet[]): boolean[] {
    const parsed = sets.map((s) => this.parse(s));
    const ok = parsed.filter((p): p is ParsedSet => p !== undefined);
    if (ok.length > 1 && batchValid(ok)) return parsed.map((p) => p !== undefined);
    return parsed.map((p) => p !== undefined && oneValid(p));
  }

  private parse(set: SignatureSet): ParsedSet | undefined {
    try {
      const key = toHex(set.pubkey);
      let pk = this.pubkeys.get(key);
      if (!pk) {
        pk = PublicKey.fromBytes(set.pubkey, true);
        this.pubkeys.set(key, pk);
      }
      return { msg: set.signingRoot, pk, sig: Signature.fromBytes(set.signature, false) };
    } catch {
      // Bytes that are no valid key or signature fail on their own.
      return undefined;
    }
  }
}

function batchValid(sets: ParsedSet[]): boolean {
  try {
    return verifyMultipleAggregateSignatures(sets, false, true);
  } catch {
    return false;
  }
}

function oneValid(s: ParsedSet): boolean {
  try {
    return verify(s.msg, s.pk, s.sig, false, true);
  } catch {
    return false;
  }
}
