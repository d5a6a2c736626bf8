// Buffers signature sets and verifies them together (random linear combination, as Lodestar batches
// gossip signatures): ~4x the throughput of one-by-one verification. A failed batch falls back to
// verifying each set alone so one bad signature never fails its neighbours.
import { type SignatureSet, verifyProofSignature, verifySignatureSetsBatch } from "../../signing/bls.ts";

interface PendingSet {
  set: SignatureSet;
  resolve: (valid: boolean) => void;
}

export class BlsBatchVerifier {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private buffer: PendingSet[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: { maxBatch: number; maxWaitMs: number }) {
    this.maxBatch = Math.max(1, opts.maxBatch);
    this.maxWaitMs = Math.max(0, opts.maxWaitMs);
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
    if (batch.length === 0) return;
    if (batch.length > 1 && verifySignatureSetsBatch(batch.map((p) => p.set))) {
      for (const p of batch) p.resolve(true);
      return;
    }
    for (const p of batch) p.resolve(verifyProofSignature(p.set.pubkey, p.set.signingRoot, p.set.signature));
  }

  close(): void {
    this.flush();
  }
}
