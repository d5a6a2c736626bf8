// Gossip validation of `execution_proof` (digest §3), in spec order, with IGNORE vs REJECT as specified:
// IGNORE seen proof root → IGNORE unknown payload (queued until known) → IGNORE valid proof already
// received for (root, type) → IGNORE not first for (root, type, validator) → REJECT inactive validator →
// REJECT bad signature → REJECT empty/oversize proof_data → REJECT what verify_execution_proof refuses.
// The rules are pure functions; the class owns only the dedup caches and the pending queue.

import { ssz } from "@lodestar/types";
import type { ProofService } from "../../proving/interface.ts";
import type { ProofContainers, SignedExecutionProof } from "../../spec/containers.ts";
import type { Clock } from "../../util/clock.ts";
import { toHex } from "../../util/hex.ts";
import { BoundedMap, BoundedSet } from "../boundedSet.ts";
import type {
  GossipIgnoreReason,
  GossipRejectReason,
  SigningDomainProvider,
  ValidatorLookup,
} from "../interface.ts";
import type { BlsBatchVerifier } from "./blsBatch.ts";

export type GossipVerdict =
  | { result: "accept" }
  | { result: "ignore"; reason: GossipIgnoreReason }
  | { result: "reject"; reason: GossipRejectReason };

export const ACCEPT: GossipVerdict = { result: "accept" };
const ignore = (reason: GossipIgnoreReason): GossipVerdict => ({ result: "ignore", reason });
const reject = (reason: GossipRejectReason): GossipVerdict => ({ result: "reject", reason });

/** Decodes SSZ SignedExecutionProof; malformed bytes are a REJECT. */
export function decodeSignedProof(
  data: Uint8Array,
  containers: ProofContainers,
): SignedExecutionProof | GossipVerdict {
  try {
    return containers.SignedExecutionProof.deserialize(data);
  } catch {
    return reject("malformed_ssz");
  }
}

/** REJECT empty or oversize proof_data. */
export function proofDataRule(proofData: Uint8Array, maxProofSize: number): GossipVerdict | undefined {
  if (proofData.length === 0) return reject("empty_proof");
  if (proofData.length > maxProofSize) return reject("oversize_proof");
  return undefined;
}

/** The validator must exist and be active at the current epoch. */
export function validatorRule(
  validator: { pubkey: Uint8Array; active: boolean } | undefined,
): GossipVerdict | undefined {
  if (validator === undefined) return reject("unknown_validator");
  if (!validator.active) return reject("inactive_validator");
  return undefined;
}

/** Dedup keys of the three IGNORE rules. */
export interface ProofKeys {
  /** hash_tree_root(ExecutionProof): computed once, reused for the signing root. */
  proofRootBytes: Uint8Array;
  proofRoot: string;
  rootType: string;
  rootTypeValidator: string;
}

export function proofKeys(signed: SignedExecutionProof, containers: ProofContainers): ProofKeys {
  const proof = signed.message;
  const proofRootBytes = containers.ExecutionProof.hashTreeRoot(proof);
  const rootType = `${toHex(proof.publicInput.newPayloadRequestRoot)}:${proof.proofType}`;
  return {
    proofRootBytes,
    proofRoot: toHex(proofRootBytes),
    rootType,
    rootTypeValidator: `${rootType}:${signed.validatorIndex}`,
  };
}

export interface ProofValidatorDeps {
  containers: ProofContainers;
  validators: ValidatorLookup;
  proofs: Pick<ProofService, "isKnownPayload" | "verifyProof">;
  domain: SigningDomainProvider;
  clock: Clock;
  bls: BlsBatchVerifier;
}

export interface ProofValidatorOpts {
  pendingQueueSize: number;
  pendingQueueTtlMs: number;
  validatorCacheTtlMs: number;
  seenCacheSize: number;
}

interface PendingProof {
  signed: SignedExecutionProof;
  keys: ProofKeys;
  settle: (verdict: GossipVerdict) => void;
  expiry: AbortController;
}

interface CachedValidator {
  value: { pubkey: Uint8Array; active: boolean } | undefined;
  at: number;
}

export class ProofGossipValidator {
  private readonly deps: ProofValidatorDeps;
  private readonly opts: ProofValidatorOpts;
  private readonly seenProofs: BoundedSet<string>;
  private readonly validReceived: BoundedSet<string>;
  private readonly firstFromValidator: BoundedSet<string>;
  private readonly validatorCache: BoundedMap<number, CachedValidator>;
  /** Proofs waiting for their payload, by NPR root hex. */
  private readonly pending = new Map<string, PendingProof[]>();
  private pendingCount = 0;

  constructor(deps: ProofValidatorDeps, opts: ProofValidatorOpts) {
    this.deps = deps;
    this.opts = opts;
    this.seenProofs = new BoundedSet(opts.seenCacheSize);
    this.validReceived = new BoundedSet(opts.seenCacheSize);
    this.firstFromValidator = new BoundedSet(opts.seenCacheSize);
    this.validatorCache = new BoundedMap(opts.seenCacheSize);
  }

  get queued(): number {
    return this.pendingCount;
  }

  /**
   * Validates one decoded proof. A proof for an unknown payload waits in the bounded queue and
   * settles when `onPayloadKnown` fires for its root (or IGNORE when the queue is full or it expires).
   */
  async validate(signed: SignedExecutionProof): Promise<GossipVerdict> {
    const keys = proofKeys(signed, this.deps.containers);
    if (this.seenProofs.has(keys.proofRoot)) return ignore("already_seen");
    const root = signed.message.publicInput.newPayloadRequestRoot;
    if (!this.deps.proofs.isKnownPayload(root)) return this.enqueue(signed, keys);
    return this.validateKnownPayload(signed, keys);
  }

  /** Marks our own published proof as seen and valid, so echoes of it are ignored. */
  markOwn(signed: SignedExecutionProof): void {
    const keys = proofKeys(signed, this.deps.containers);
    this.seenProofs.add(keys.proofRoot);
    this.validReceived.add(keys.rootType);
    this.firstFromValidator.add(keys.rootTypeValidator);
  }

  /** True when this exact proof (by hash_tree_root) was already accepted or published here. */
  hasSeen(signed: SignedExecutionProof): boolean {
    return this.seenProofs.has(proofKeys(signed, this.deps.containers).proofRoot);
  }

  /** Re-validates proofs queued for `root` now that its payload is known. */
  onPayloadKnown(root: Uint8Array): void {
    const rootHex = toHex(root);
    const waiting = this.pending.get(rootHex);
    if (!waiting) return;
    this.pending.delete(rootHex);
    this.pendingCount -= waiting.length;
    for (const entry of waiting) {
      entry.expiry.abort();
      // Settles with the full verdict; a rejection here still penalizes the original sender.
      this.validateKnownPayload(entry.signed, entry.keys).then(entry.settle, () =>
        entry.settle(ignore("cannot_verify")),
      );
    }
  }

  close(): void {
    for (const [, waiting] of this.pending) {
      for (const entry of waiting) {
        entry.expiry.abort();
        entry.settle(ignore("queue_expired"));
      }
    }
    this.pending.clear();
    this.pendingCount = 0;
  }

  private enqueue(signed: SignedExecutionProof, keys: ProofKeys): Promise<GossipVerdict> {
    if (this.pendingCount >= this.opts.pendingQueueSize) return Promise.resolve(ignore("queue_full"));
    const rootHex = toHex(signed.message.publicInput.newPayloadRequestRoot);
    return new Promise<GossipVerdict>((resolve) => {
      const expiry = new AbortController();
      const entry: PendingProof = { signed, keys, settle: resolve, expiry };
      const list = this.pending.get(rootHex) ?? [];
      list.push(entry);
      this.pending.set(rootHex, list);
      this.pendingCount++;
      this.deps.clock.sleep(this.opts.pendingQueueTtlMs, expiry.signal).then(
        () => this.expire(rootHex, entry),
        () => undefined,
      );
    });
  }

  private expire(rootHex: string, entry: PendingProof): void {
    const list = this.pending.get(rootHex);
    if (!list) return;
    const idx = list.indexOf(entry);
    if (idx < 0) return;
    list.splice(idx, 1);
    this.pendingCount--;
    if (list.length === 0) this.pending.delete(rootHex);
    entry.settle(ignore("queue_expired"));
  }

  /** The rules that follow "payload known"; dedup rules are re-checked after every await. */
  private async validateKnownPayload(signed: SignedExecutionProof, keys: ProofKeys): Promise<GossipVerdict> {
    const dedup = this.dedupRules(keys);
    if (dedup) return dedup;

    const validator = await this.lookupValidator(signed.validatorIndex);
    const validatorVerdict = validatorRule(validator);
    if (validatorVerdict || validator === undefined) return validatorVerdict ?? reject("unknown_validator");

    const { containers, domain, bls, proofs } = this.deps;
    // compute_signing_root over the proof root already hashed for the dedup key (400 KiB proofs hash once).
    const signingRoot = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: keys.proofRootBytes,
      domain: domain.currentDomain(),
    });
    const sigOk = await bls.verify({ pubkey: validator.pubkey, signingRoot, signature: signed.signature });
    if (!sigOk) return reject("bad_signature");

    const afterSig = this.dedupRules(keys);
    if (afterSig) return afterSig;
    // Only a correctly signed proof claims the validator's one slot for (root, type).
    this.firstFromValidator.add(keys.rootTypeValidator);

    const sizeVerdict = proofDataRule(signed.message.proofData, containers.profile.maxProofSize);
    if (sizeVerdict) return sizeVerdict;

    const proof = signed.message;
    let valid: boolean;
    try {
      const res = await proofs.verifyProof(
        proof.publicInput.newPayloadRequestRoot,
        proof.proofType,
        proof.proofData,
      );
      valid = res.valid;
    } catch {
      // No verifier for this type here: not the sender's fault.
      return ignore("cannot_verify");
    }
    if (!valid) return reject("invalid_proof");

    if (this.seenProofs.has(keys.proofRoot)) return ignore("already_seen");
    if (this.validReceived.has(keys.rootType)) return ignore("valid_already_received");
    this.seenProofs.add(keys.proofRoot);
    this.validReceived.add(keys.rootType);
    return ACCEPT;
  }

  private dedupRules(keys: ProofKeys): GossipVerdict | undefined {
    if (this.seenProofs.has(keys.proofRoot)) return ignore("already_seen");
    if (this.validReceived.has(keys.rootType)) return ignore("valid_already_received");
    if (this.firstFromValidator.has(keys.rootTypeValidator)) return ignore("not_first_from_validator");
    return undefined;
  }

  private async lookupValidator(index: number): Promise<{ pubkey: Uint8Array; active: boolean } | undefined> {
    const now = this.deps.clock.now();
    const cached = this.validatorCache.get(index);
    if (cached && now - cached.at < this.opts.validatorCacheTtlMs) return cached.value;
    const value = await this.deps.validators.getValidator(index);
    this.validatorCache.set(index, { value, at: now });
    return value;
  }
}
