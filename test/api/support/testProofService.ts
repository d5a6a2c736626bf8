// A ProofService for API and gateway tests: payloads and proofs live in a real ProofStore; proving
// is replaced by test calls (complete/fail/verify), since GPU provers cannot run here.
// Verification rule of this double: proof data whose first byte is 0x01 is valid.

import type {
  PayloadMeta,
  ProofEvent,
  ProofFailureReason,
  ProofService,
  ProofTypeInfo,
  VerifyResult,
} from "../../../src/proving/interface.ts";
import { proofContainers } from "../../../src/spec/containers.ts";
import { encodeNpr, type ForkedNewPayloadRequest, nprRoot } from "../../../src/spec/newPayloadRequest.ts";
import type { ProofStore, StoredProof } from "../../../src/store/interface.ts";
import { bytesEqual, toHex } from "../../../src/util/hex.ts";

export class TestProofService implements ProofService {
  readonly store: ProofStore;
  readonly requested: { root: string; proofTypes: number[] }[] = [];
  readonly notified: string[] = [];
  private readonly types: ProofTypeInfo[];
  private readonly listeners = new Set<(e: ProofEvent) => void>();
  private readonly recent: ProofEvent[] = [];
  private readonly known = new Set<string>();

  constructor(store: ProofStore, types: ProofTypeInfo[]) {
    this.store = store;
    this.types = types;
  }

  private async register(npr: ForkedNewPayloadRequest, meta: Partial<PayloadMeta> = {}): Promise<Uint8Array> {
    const root = nprRoot(npr);
    this.known.add(toHex(root));
    await this.store.putPayload({
      newPayloadRequestRoot: root,
      slot: meta.slot ?? 0,
      blockRoot: meta.blockRoot ?? new Uint8Array(32),
      blockHash: meta.blockHash ?? npr.value.executionPayload.blockHash,
      fork: npr.fork,
      npr: encodeNpr(npr),
      seenAt: meta.seenAt ?? Date.now(),
    });
    return root;
  }

  async requestProofs(
    npr: ForkedNewPayloadRequest,
    proofTypes: readonly number[],
    meta?: Partial<PayloadMeta>,
  ): Promise<Uint8Array> {
    const root = await this.register(npr, meta);
    this.requested.push({ root: toHex(root), proofTypes: [...proofTypes] });
    return root;
  }

  async notifyPayload(npr: ForkedNewPayloadRequest, meta?: Partial<PayloadMeta>): Promise<Uint8Array> {
    const root = await this.register(npr, meta);
    this.notified.push(toHex(root));
    return root;
  }

  isKnownPayload(root: Uint8Array): boolean {
    return this.known.has(toHex(root));
  }

  async verifyProof(_root: Uint8Array, _proofType: number, proofData: Uint8Array): Promise<VerifyResult> {
    return { valid: proofData[0] === 0x01, ms: 0 };
  }

  async acceptProof(proof: StoredProof): Promise<void> {
    await this.store.putProof(proof);
    if (proof.verified) {
      this.emit({
        type: "proof_verified",
        newPayloadRequestRoot: proof.newPayloadRequestRoot,
        proofType: proof.proofType,
        source: proof.source,
        validatorIndex: proof.signed?.validatorIndex,
        at: Date.now(),
      });
    }
  }

  getProof(root: Uint8Array, proofType: number): Promise<StoredProof | undefined> {
    return this.store.getProof(root, proofType);
  }

  async verifiedProofs(root: Uint8Array): Promise<StoredProof[]> {
    return (await this.store.proofsByRoot(root)).filter((p) => p.verified);
  }

  async waitForVerified(
    root: Uint8Array,
    k: number,
    allowedTypes: readonly number[] | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<StoredProof[]> {
    const counts = (ps: StoredProof[]): boolean =>
      new Set(ps.filter((p) => !allowedTypes || allowedTypes.includes(p.proofType)).map((p) => p.proofType))
        .size >= k;
    const now = await this.verifiedProofs(root);
    if (counts(now) || timeoutMs <= 0) return now;
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener("abort", finish);
        this.verifiedProofs(root).then(resolve, () => resolve([]));
      };
      const timer = setTimeout(finish, timeoutMs);
      const unsubscribe = this.subscribe((e) => {
        if (e.type !== "proof_verified" || !bytesEqual(e.newPayloadRequestRoot, root)) return;
        this.verifiedProofs(root).then((ps) => {
          if (counts(ps)) finish();
        });
      });
      signal?.addEventListener("abort", finish, { once: true });
    });
  }

  proofTypes(): ProofTypeInfo[] {
    return this.types;
  }

  subscribe(listener: (event: ProofEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  recentEvents(root?: Uint8Array): ProofEvent[] {
    return this.recent.filter((e) => !root || bytesEqual(e.newPayloadRequestRoot, root));
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }

  // --- test controls: what a prover / the network would do ---

  /** A local proof finished: stored verified, proof_complete (cached for replay) and proof_verified. */
  async complete(root: Uint8Array, proofType: number, proofData: Uint8Array, slot = 0): Promise<void> {
    const proof = proofContainers().ExecutionProof.serialize({
      proofData,
      proofType,
      publicInput: { newPayloadRequestRoot: root },
    });
    await this.store.putProof({
      newPayloadRequestRoot: root,
      proofType,
      slot,
      proof,
      source: "local",
      verified: true,
      receivedAt: Date.now(),
    });
    this.emitRecent({ type: "proof_complete", newPayloadRequestRoot: root, proofType, at: Date.now() });
    this.emit({
      type: "proof_verified",
      newPayloadRequestRoot: root,
      proofType,
      source: "local",
      at: Date.now(),
    });
  }

  /** A gossiped proof from `validatorIndex`, verified or not. */
  async receive(
    root: Uint8Array,
    proofType: number,
    validatorIndex: number,
    verified: boolean,
    slot = 0,
  ): Promise<void> {
    const proof = proofContainers().ExecutionProof.serialize({
      proofData: Uint8Array.of(verified ? 1 : 0, 2, 3),
      proofType,
      publicInput: { newPayloadRequestRoot: root },
    });
    await this.acceptProof({
      newPayloadRequestRoot: root,
      proofType,
      slot,
      proof,
      signed: { validatorIndex, signature: new Uint8Array(96) },
      source: "gossip",
      verified,
      receivedAt: Date.now(),
    });
  }

  fail(root: Uint8Array, proofType: number, reason: ProofFailureReason, error: string): void {
    this.emitRecent({
      type: "proof_failure",
      newPayloadRequestRoot: root,
      proofType,
      reason,
      error,
      at: Date.now(),
    });
  }

  private emitRecent(e: ProofEvent): void {
    this.recent.push(e);
    if (this.recent.length > 256) this.recent.shift();
    this.emit(e);
  }

  private emit(e: ProofEvent): void {
    for (const l of this.listeners) l(e);
  }
}
