// Buffers signature sets and verifies them together (random linear combination, as Lodestar batches
// gossip signatures): ~4x the throughput of one-by-one verification. A failed batch falls back to
// verifying each set alone so one bad signature never fails its neighbours. Validator public keys are
// deserialized (and subgroup-checked) once and cached. Signatures are only decompressed on parse and
// subgroup-checked inside the batch call, where blst does it for a fraction of a standalone check.
import { PublicKey, Signature, verify, verifyMultipleAggregateSignatures } from "@chainsafe/blst";
import type { SignatureSet } from "../../signing/bls.ts";
import { toHex } from "../../util/hex.ts";
import { BoundedMap } from "../boundedSet.ts";

interface PendingSet {
  set: SignatureSet;
  resolve: (valid: boolean) => void;
}

interface ParsedSet {
  msg: Uint8Array;
  pk: PublicKey;
  sig: Signature;
  resolve: (valid: boolean) => void;
}

export class BlsBatchVerifier {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly pubkeys: BoundedMap<string, PublicKey>;
  private buffer: PendingSet[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: { maxBatch: number; maxWaitMs: number; pubkeyCacheSize?: number }) {
    this.maxBatch = Math.max(1, opts.maxBatch);
    this.maxWaitMs = Math.max(0, opts.maxWaitMs);
    this.pubkeys = new BoundedMap(opts.pubkeyCacheSize ?? 65_536);
  }

  verify(set: SignatureSet): Promise<boolean> {
    return new Promise((resolve) => {
      this.buffer.push({ set, resolve });
      if (this.buffer.length >= this.maxBatch) this.flush();
      else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Verifies everything buffered now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    const parsed: ParsedSet[] = [];
    for (const p of batch) {
      const set = this.parse(p);
      // Bytes that are no valid key or signature fail on their own.
      if (set) parsed.push(set);
      else p.resolve(false);
    }
    if (parsed.length === 0) return;
    if (parsed.length > 1 && this.batchValid(parsed)) {
      for (const p of parsed) p.resolve(true);
      return;
    }
    for (const p of parsed) p.resolve(this.oneValid(p));
  }

  close(): void {
    this.flush();
  }

  private parse(p: PendingSet): ParsedSet | undefined {
    try {
      const key = toHex(p.set.pubkey);
      let pk = this.pubkeys.get(key);
      if (!pk) {
        pk = PublicKey.fromBytes(p.set.pubkey, true);
        this.pubkeys.set(key, pk);
      }
      const sig = Signature.fromBytes(p.set.signature, false);
      return { msg: p.set.signingRoot, pk, sig, resolve: p.resolve };
    } catch {
      return undefined;
    }
  }

  private batchValid(sets: ParsedSet[]): boolean {
    try {
      return verifyMultipleAggregateSignatures(sets, false, true);
    } catch {
      return false;
    }
  }

  private oneValid(s: ParsedSet): boolean {
    try {
      return verify(s.msg, s.pk, s.sig, false, true);
    } catch {
      return false;
    }
  }
}
