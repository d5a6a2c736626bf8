// An in-memory, bounded index of verified proof types per NPR root, fed by the proof service's
// proof_verified events: the gateway's fast path answers VALID without a store read. A miss
// (e.g. after a restart) falls back to the service, which reads the durable store.
import type { ProofService } from "../proving/interface.ts";
import { toHex } from "../util/hex.ts";
import type { ProofRule } from "./proofRule.ts";

export class VerifiedIndex {
  private readonly types = new Map<string, Set<number>>();
  private readonly capacity: number;
  private unsubscribe: (() => void) | undefined;

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  attach(service: ProofService): void {
    this.unsubscribe ??= service.subscribe((e) => {
      if (e.type === "proof_verified") this.add(e.newPayloadRequestRoot, e.proofType);
    });
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  add(root: Uint8Array, proofType: number): void {
    const key = toHex(root);
    const set = this.types.get(key) ?? new Set<number>();
    set.add(proofType);
    this.types.delete(key);
    this.types.set(key, set);
    while (this.types.size > this.capacity) {
      const oldest = this.types.keys().next();
      if (oldest.done) break;
      this.types.delete(oldest.value);
    }
  }

  holds(root: Uint8Array, rule: ProofRule): boolean {
    const set = this.types.get(toHex(root));
    if (!set) return false;
    let n = 0;
    for (const t of set) {
      if (rule.allowedProofTypes.length === 0 || rule.allowedProofTypes.includes(t)) n++;
    }
    return n >= rule.k;
  }
}
