// Gossip validation of `execution_proof`, in spec order, with IGNORE vs REJECT as specified.
//
// Envelope form (consensus-specs v1.7.0-beta.4, #5593; the order Prysm implements): REJECT empty
// proof_data or an unsupported proof_type (before any lookup or hashing) → IGNORE unseen block or
// payload (queued, bounded) → IGNORE a valid proof of this type already known for the block → IGNORE a
// seen envelope root → IGNORE a seen (block, type, validator) → REJECT verify_execution_proof_envelope
// (index, active, signature) → mark seen → REJECT what verify_execution_proof refuses.
//
// Proof form (older profiles, digest §3): IGNORE seen proof root → IGNORE unknown payload (queued) →
// IGNORE valid proof already received for (root, type) → IGNORE not first for (root, type, validator) →
// REJECT inactive validator → REJECT bad signature → REJECT empty/oversize proof_data → REJECT what
// verify_execution_proof refuses.
//
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

/** REJECT a proof type outside the profile's wire set (plus local types this network announces). */
export function proofTypeRule(
  proofType: number,
  wireTypes: readonly number[] | undefined,
  localTypes: readonly number[],
): GossipVerdict | undefined {
  if (wireTypes === undefined || wireTypes.includes(proofType) || localTypes.includes(proofType))
    return undefined;
  return reject("unsupported_proof_type");
}

/** Dedup keys of the envelope form: the block names the payload. */
export function envelopeKeys(signed: SignedExecutionProof, containers: ProofContainers): ProofKeys {
  const proof = signed.message;
  const proofRootBytes = containers.ExecutionProof.hashTreeRoot(proof);
  const rootType = `${toHex(proof.beaconBlockRoot ?? new Uint8Array(32))}:${proof.proofType}`;
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
  proofs: Pick<ProofService, "isKnownPayload" | "verifyProof" | "payloadRootOfBlock">;
  domain: SigningDomainProvider;
  clock: Clock;
  bls: BlsBatchVerifier;
}

export interface ProofValidatorOpts {
  pendingQueueSize: number;
  pendingQueueTtlMs: number;
  validatorCacheTtlMs: number;
  seenCacheSize: number;
  /** Proof types outside the profile's wire set that this network announces (eproof's CPU type). */
  localProofTypes?: readonly number[];
}

interface PendingProof {
  /** Runs the rest of the validation once the payload is known. */
  resume: () => Promise<GossipVerdict>;
  settle: (verdict: GossipVerdict) => void;
  expiry: AbortController;
}

/** Queue key of an envelope waiting for its block (proof-form entries wait on the payload root). */
const blockKey = (blockRoot: Uint8Array) => `block:${toHex(blockRoot)}`;

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
    if (this.deps.containers.profile.wire === "envelope") return this.validateEnvelope(signed);
    const keys = proofKeys(signed, this.deps.containers);
    if (this.seenProofs.has(keys.proofRoot)) return ignore("already_seen");
    const root = signed.message.publicInput.newPayloadRequestRoot;
    if (!this.deps.proofs.isKnownPayload(root)) {
      return this.enqueue(toHex(root), () => this.validateKnownPayload(signed, keys));
    }
    return this.validateKnownPayload(signed, keys);
  }

  private keysOf(signed: SignedExecutionProof): ProofKeys {
    const { containers } = this.deps;
    return containers.profile.wire === "envelope"
      ? envelopeKeys(signed, containers)
      : proofKeys(signed, containers);
  }

  /** Marks our own published proof as seen and valid, so echoes of it are ignored. */
  markOwn(signed: SignedExecutionProof): void {
    const keys = this.keysOf(signed);
    this.seenProofs.add(keys.proofRoot);
    this.validReceived.add(keys.rootType);
    this.firstFromValidator.add(keys.rootTypeValidator);
  }

  /** True when this exact proof (by hash_tree_root) was already accepted or published here. */
  hasSeen(signed: SignedExecutionProof): boolean {
    return this.seenProofs.has(this.keysOf(signed).proofRoot);
  }

  /** Re-validates proofs queued for `root` (or for its block) now that its payload is known. */
  onPayloadKnown(root: Uint8Array, blockRoot?: Uint8Array): void {
    this.release(toHex(root));
    if (blockRoot) this.release(blockKey(blockRoot));
  }

  private release(key: string): void {
    const waiting = this.pending.get(key);
    if (!waiting) return;
    this.pending.delete(key);
    this.pendingCount -= waiting.length;
    for (const entry of waiting) {
      entry.expiry.abort();
      // Settles with the full verdict; a rejection here still penalizes the original sender.
      entry.resume().then(entry.settle, () => entry.settle(ignore("cannot_verify")));
    }
  }

  /** The envelope rules (file header), in the merged order. */
  private async validateEnvelope(signed: SignedExecutionProof): Promise<GossipVerdict> {
    const proof = signed.message;
    const { containers, proofs } = this.deps;
    if (proof.proofData.length === 0) return reject("empty_proof");
    const typeVerdict = proofTypeRule(
      proof.proofType,
      containers.profile.wireProofTypes,
      this.opts.localProofTypes ?? [],
    );
    if (typeVerdict) return typeVerdict;
    const blockRoot = proof.beaconBlockRoot;
    if (!blockRoot) return reject("malformed_ssz");
    const payloadRoot = proofs.payloadRootOfBlock(blockRoot);
    if (payloadRoot === undefined) {
      return this.enqueue(blockKey(blockRoot), () => this.validateKnownBlock(signed));
    }
    return this.validateKnownBlock(signed);
  }

  private async validateKnownBlock(signed: SignedExecutionProof): Promise<GossipVerdict> {
    const proof = signed.message;
    const { proofs } = this.deps;
    const blockRoot = proof.beaconBlockRoot ?? new Uint8Array(32);
    const payloadRoot = proofs.payloadRootOfBlock(blockRoot);
    if (payloadRoot === undefined) return ignore("payload_unknown");
    const keys = envelopeKeys(signed, this.deps.containers);
    const dedup = this.envelopeDedup(keys);
    if (dedup) return dedup;

    const validator = await this.lookupValidator(signed.validatorIndex);
    const validatorVerdict = validatorRule(validator);
    if (validatorVerdict || validator === undefined) return validatorVerdict ?? reject("unknown_validator");
    if (!(await this.signatureOk(signed, keys, validator.pubkey))) return reject("bad_signature");

    const afterSig = this.envelopeDedup(keys);
    if (afterSig) return afterSig;
    this.seenProofs.add(keys.proofRoot);
    this.firstFromValidator.add(keys.rootTypeValidator);

    const verdict = await this.proofVerdict(payloadRoot, proof);
    if (verdict) return verdict;
    if (this.validReceived.has(keys.rootType)) return ignore("valid_already_received");
    this.validReceived.add(keys.rootType);
    // PublicInput is rebuilt here, from our own payload, never taken from the sender.
    proof.publicInput = { newPayloadRequestRoot: payloadRoot };
    return ACCEPT;
  }

  private envelopeDedup(keys: ProofKeys): GossipVerdict | undefined {
    if (this.validReceived.has(keys.rootType)) return ignore("valid_already_received");
    if (this.seenProofs.has(keys.proofRoot)) return ignore("already_seen");
    if (this.firstFromValidator.has(keys.rootTypeValidator)) return ignore("not_first_from_validator");
    return undefined;
  }

  private async signatureOk(
    signed: SignedExecutionProof,
    keys: ProofKeys,
    pubkey: Uint8Array,
  ): Promise<boolean> {
    // compute_signing_root over the message root already hashed for the dedup key (large proofs hash once).
    const signingRoot = ssz.phase0.SigningData.hashTreeRoot({
      objectRoot: keys.proofRootBytes,
      domain: this.deps.domain.currentDomain(),
    });
    return this.deps.bls.verify({ pubkey, signingRoot, signature: signed.signature });
  }

  /** verify_execution_proof: REJECT an invalid proof, IGNORE a type nobody here can verify. */
  private async proofVerdict(
    payloadRoot: Uint8Array,
    proof: SignedExecutionProof["message"],
  ): Promise<GossipVerdict | undefined> {
    try {
      const res = await this.deps.proofs.verifyProof(payloadRoot, proof.proofType, proof.proofData);
      return res.valid ? undefined : reject("invalid_proof");
    } catch {
      // No verifier for this type here: not the sender's fault, and never forwarded as valid.
      return ignore("cannot_verify");
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

  private enqueue(rootHex: string, resume: () => Promise<GossipVerdict>): Promise<GossipVerdict> {
    if (this.pendingCount >= this.opts.pendingQueueSize) return Promise.resolve(ignore("queue_full"));
    return new Promise<GossipVerdict>((resolve) => {
      const expiry = new AbortController();
      const entry: PendingProof = { resume, settle: resolve, expiry };
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

    const { containers } = this.deps;
    if (!(await this.signatureOk(signed, keys, validator.pubkey))) return reject("bad_signature");

    const afterSig = this.dedupRules(keys);
    if (afterSig) return afterSig;
    // Only a correctly signed proof claims the validator's one slot for (root, type).
    this.firstFromValidator.add(keys.rootTypeValidator);

    const sizeVerdict = proofDataRule(signed.message.proofData, containers.profile.maxProofSize);
    if (sizeVerdict) return sizeVerdict;

    const proof = signed.message;
    const verdict = await this.proofVerdict(proof.publicInput.newPayloadRequestRoot, proof);
    if (verdict) return verdict;

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
