// A bounded block hash → new_payload_request_root map, filled by engine_newPayload, so
// engine_forkchoiceUpdated can judge the head by its proofs. Oldest entries are evicted first.
import { toHex } from "../util/hex.ts";

export class HeadIndex {
  private readonly map = new Map<string, Uint8Array>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  set(blockHash: Uint8Array, root: Uint8Array): void {
    const key = toHex(blockHash);
    this.map.delete(key);
    this.map.set(key, root);
    while (this.map.size > this.capacity) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      this.map.delete(oldest.value);
    }
  }

  get(blockHash: Uint8Array): Uint8Array | undefined {
    return this.map.get(toHex(blockHash));
  }

  get size(): number {
    return this.map.size;
  }
}
