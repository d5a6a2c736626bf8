// Tracks the latest proof-verified block: on each proof_verified event, re-checks the k-of-n rule
// for that payload and keeps the highest-slot payload for which it holds.

import { countingProofTypes, type ProofRule } from "../gateway/proofRule.ts";
import type { ProofEvent, ProofService } from "../proving/interface.ts";
import type { PayloadRecord, ProofStore } from "../store/interface.ts";
import type { Logger } from "../util/logger.ts";

export interface VerifiedHead {
  payload: PayloadRecord;
  proofTypes: number[];
  verifiedAt: number;
}

export class VerifiedHeadTracker {
  private head: VerifiedHead | undefined;
  private unsubscribe: (() => void) | undefined;
  private readonly service: ProofService;
  private readonly store: ProofStore;
  private readonly rule: ProofRule;
  private readonly logger: Logger;

  constructor(deps: { proofService: ProofService; store: ProofStore; rule: ProofRule; logger: Logger }) {
    this.service = deps.proofService;
    this.store = deps.store;
    this.rule = deps.rule;
    this.logger = deps.logger;
  }

  start(): void {
    this.unsubscribe ??= this.service.subscribe((e) => {
      if (e.type !== "proof_verified") return;
      this.onVerified(e).catch((err: unknown) => this.logger.warn({ err }, "verified-head update failed"));
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  current(): VerifiedHead | undefined {
    return this.head;
  }

  private async onVerified(e: Extract<ProofEvent, { type: "proof_verified" }>): Promise<void> {
    const proofs = await this.service.verifiedProofs(e.newPayloadRequestRoot);
    const types = countingProofTypes(proofs, this.rule);
    if (types.length < this.rule.k) return;
    const payload = await this.store.getPayload(e.newPayloadRequestRoot);
    if (!payload) return;
    if (this.head && this.head.payload.slot > payload.slot) return;
    this.head = { payload, proofTypes: types, verifiedAt: e.at };
  }
}
