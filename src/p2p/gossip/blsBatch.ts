// Buffers signature sets and verifies them together (see signatureSets.ts). With `workers > 0` the
// batches run on worker threads, so an 8–25 ms batch never blocks gossip, the API or the gateway and
// decoding overlaps with verification; a worker that dies has its batches verified on the event loop.
import { Worker } from "node:worker_threads";
import type { SignatureSet } from "../../signing/bls.ts";
import type { BlsWorkerRequest, BlsWorkerResponse } from "./blsWorker.ts";
import { SignatureSetVerifier } from "./signatureSets.ts";

interface PendingSet {
  set: SignatureSet;
  resolve: (valid: boolean) => void;
}

interface PoolWorker {
  worker: Worker;
  inflight: Map<number, PendingSet[]>;
}

export interface BlsBatchOpts {
  maxBatch: number;
  maxWaitMs: number;
  pubkeyCacheSize?: number;
  /** Worker threads for verification; 0 verifies on the calling thread. */
  workers?: number;
}

export class BlsBatchVerifier {
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;
  private readonly local: SignatureSetVerifier;
  private readonly pool: PoolWorker[] = [];
  private buffer: PendingSet[] = [];
  private timer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closed = false;

  constructor(opts: BlsBatchOpts) {
    this.maxBatch = Math.max(1, opts.maxBatch);
    this.maxWaitMs = Math.max(0, opts.maxWaitMs);
    this.local = new SignatureSetVerifier(opts.pubkeyCacheSize);
    for (let i = 0; i < Math.max(0, Math.floor(opts.workers ?? 0)); i++) this.spawn();
  }

  /** Worker threads currently serving batches. */
  get workers(): number {
    return this.pool.length;
  }

  verify(set: SignatureSet): Promise<boolean> {
    return new Promise((resolve) => {
      this.buffer.push({ set, resolve });
      if (this.buffer.length >= this.maxBatch) this.flush();
      else if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
    });
  }

  /** Sends everything buffered now to verification. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return;
    const target = this.leastBusy();
    if (!target) {
      this.verifyHere(batch);
      return;
    }
    const id = this.nextId++;
    target.inflight.set(id, batch);
    target.worker.postMessage({ id, sets: batch.map((p) => p.set) } satisfies BlsWorkerRequest);
  }

  /** Verifies what is buffered, then stops the workers (batches in flight are finished here). */
  close(): void {
    this.flush();
    this.closed = true;
    for (const w of this.pool.splice(0)) {
      void w.worker.terminate();
      for (const batch of w.inflight.values()) this.verifyHere(batch);
      w.inflight.clear();
    }
  }

  private verifyHere(batch: PendingSet[]): void {
    settle(batch, this.local.verifyAll(batch.map((p) => p.set)));
  }

  private leastBusy(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.pool) if (!best || w.inflight.size < best.inflight.size) best = w;
    return best;
  }

  private spawn(): void {
    const worker = new Worker(new URL("./blsWorker.ts", import.meta.url));
    worker.unref(); // an idle verifier never keeps the process alive
    const entry: PoolWorker = { worker, inflight: new Map() };
    worker.on("message", (res: BlsWorkerResponse) => {
      const batch = entry.inflight.get(res.id);
      if (!batch) return;
      entry.inflight.delete(res.id);
      settle(batch, res.verdicts);
    });
    const retire = () => {
      const at = this.pool.indexOf(entry);
      if (at >= 0) this.pool.splice(at, 1);
      for (const batch of entry.inflight.values()) this.verifyHere(batch);
      entry.inflight.clear();
    };
    worker.on("error", retire);
    worker.on("exit", () => {
      if (!this.closed) retire();
    });
    this.pool.push(entry);
  }
}

function settle(batch: PendingSet[], verdicts: readonly boolean[]): void {
  for (const [i, p] of batch.entries()) p.resolve(verdicts[i] === true);
}
