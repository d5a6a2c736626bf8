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
//
// IGNOREs are not free (issue 18, defect 6): each peer may hold at most `pendingPerPeer` entries of the
// pending queue; an entry that never resolves (expired) or is over the peer's quota, and a dedup
// IGNORE, add to the peer's penalty tally (PeerPenalties, gossipsub's app-specific score). A proof
// dropped from the queue is told to its origin (onDropped: a later gossip copy must be validated
// again), and once its block becomes known `onMissedKnown` fires so it can be fetched again.

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
import { PENALTY_UNITS, type PeerPenalties } from "./peerPenalties.ts";

export type GossipVerdict =
  | { result: "accept" }
  | { result: "ignore"; reason: GossipIgnoreReason }
  | { result: "reject"; reason: GossipRejectReason };

export const ACCEPT: GossipVerdict = { result: "accept" };
const ignore = (reason: GossipIgnoreReason): GossipVerdict => ({ result: "ignore", reason });
const reject = (reason: GossipRejectReason): GossipVerdict => ({ result: "reject", reason });

/** Smallest serialized SignedExecutionProof of a profile (empty proof data), by containers. */
const minSizes = new WeakMap<ProofContainers, number>();
function minSignedProofBytes(containers: ProofContainers): number {
  let n = minSizes.get(containers);
  if (n === undefined) {
    const codec = containers.SignedExecutionProof;
    n = codec.serialize(codec.defaultValue()).length;
    minSizes.set(containers, n);
  }
  return n;
}

/**
 * Decodes SSZ SignedExecutionProof; malformed bytes are a REJECT. Too short or too long a message is
 * refused by its length first (a flood of junk costs no decoder run and no exception each).
 */
export function decodeSignedProof(
  data: Uint8Array,
  containers: ProofContainers,
): SignedExecutionProof | GossipVerdict {
  if (data.length < minSignedProofBytes(containers) || data.length > containers.maxSignedProofBytes)
    return reject("malformed_ssz");
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
  /** Per-peer IGNORE tally (gossipsub's app-specific score); none: IGNOREs cost nothing. */
  penalties?: PeerPenalties;
  /**
   * A block (envelope form) or payload root (proof form) for which a queued proof was dropped became
   * known: its proofs can be fetched again (a beacon node's API, or a later gossip copy).
   */
  onMissedKnown?: (missed: { blockRoot?: Uint8Array; payloadRoot?: Uint8Array }) => void;
}

/** Where a gossip message came from. */
export interface GossipOrigin {
  peer: string;
  /** The message was dropped from the pending queue unresolved (its later copies deserve a look). */
  onDropped?: () => void;
}

export interface ProofValidatorOpts {
  pendingQueueSize: number;
  pendingQueueTtlMs: number;
  /** Entries of the pending queue one peer may hold (default: a sixteenth of the queue, at least 8). */
  pendingPerPeer?: number;
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
  origin?: GossipOrigin;
}

const DUPLICATE_REASONS: ReadonlySet<GossipIgnoreReason> = new Set([
  "already_seen",
  "valid_already_received",
  "not_first_from_validator",
]);

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
  /** Pending entries per peer. */
  private readonly perPeer = new Map<string, number>();
  /** Queue keys whose proofs were dropped unresolved (re-fetched once the block is known). */
  private readonly missed: BoundedMap<string, true>;

  constructor(deps: ProofValidatorDeps, opts: ProofValidatorOpts) {
    this.deps = deps;
    this.opts = opts;
    this.seenProofs = new BoundedSet(opts.seenCacheSize);
    this.validReceived = new BoundedSet(opts.seenCacheSize);
    this.firstFromValidator = new BoundedSet(opts.seenCacheSize);
    this.validatorCache = new BoundedMap(opts.seenCacheSize);
    this.missed = new BoundedMap(Math.max(64, opts.pendingQueueSize));
  }

  private get perPeerQuota(): number {
    return this.opts.pendingPerPeer ?? Math.max(8, Math.floor(this.opts.pendingQueueSize / 16));
  }

  /** Entries of the pending queue held by `peer`. */
  queuedFrom(peer: string): number {
    return this.perPeer.get(peer) ?? 0;
  }

  get queued(): number {
    return this.pendingCount;
  }

  /**
   * Validates one decoded proof. A proof for an unknown payload waits in the bounded queue and
   * settles when `onPayloadKnown` fires for its root (or IGNORE when the queue is full or it expires).
   */
  async validate(signed: SignedExecutionProof, origin?: GossipOrigin): Promise<GossipVerdict> {
    const verdict = await this.validateFrom(signed, origin);
    if (origin && verdict.result === "ignore" && DUPLICATE_REASONS.has(verdict.reason))
      this.deps.penalties?.add(origin.peer, PENALTY_UNITS.duplicate);
    return verdict;
  }

  private validateFrom(signed: SignedExecutionProof, origin?: GossipOrigin): Promise<GossipVerdict> {
    if (this.deps.containers.profile.wire === "envelope") return this.validateEnvelope(signed, origin);
    const keys = proofKeys(signed, this.deps.containers);
    if (this.seenProofs.has(keys.proofRoot)) return Promise.resolve(ignore("already_seen"));
    const root = signed.message.publicInput.newPayloadRequestRoot;
    if (!this.deps.proofs.isKnownPayload(root)) {
      return this.enqueue(toHex(root), () => this.validateKnownPayload(signed, keys), origin);
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
    const rootKey = toHex(root);
    const missedRoot = this.missed.get(rootKey) === true;
    const missedBlock = blockRoot !== undefined && this.missed.get(blockKey(blockRoot)) === true;
    this.release(rootKey);
    if (blockRoot) this.release(blockKey(blockRoot));
    if (missedRoot || missedBlock) {
      this.missed.delete(rootKey);
      if (blockRoot) this.missed.delete(blockKey(blockRoot));
      this.deps.onMissedKnown?.(missedBlock ? { blockRoot, payloadRoot: root } : { payloadRoot: root });
    }
  }

  private release(key: string): void {
    const waiting = this.pending.get(key);
    if (!waiting) return;
    this.pending.delete(key);
    this.pendingCount -= waiting.length;
    for (const entry of waiting) {
      this.unqueue(entry);
      entry.expiry.abort();
      // Settles with the full verdict; a rejection here still penalizes the original sender.
      entry.resume().then(entry.settle, () => entry.settle(ignore("cannot_verify")));
    }
  }

  /** The envelope rules (file header), in the merged order. */
  private async validateEnvelope(
    signed: SignedExecutionProof,
    origin?: GossipOrigin,
  ): Promise<GossipVerdict> {
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
      return this.enqueue(blockKey(blockRoot), () => this.validateKnownBlock(signed), origin);
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

  /**
   * Drops every pending entry `peer` holds (it was cut off for flooding): with fresh peer ids an
   * attacker could otherwise keep the whole queue full of its entries until they expire. Each is still
   * remembered for a re-fetch and its message-id forgotten (an honest copy from another peer is read).
   */
  dropPeer(peer: string): number {
    if (!this.perPeer.has(peer)) return 0;
    let n = 0;
    for (const [key, list] of this.pending) {
      const keep: PendingProof[] = [];
      for (const entry of list) {
        if (entry.origin?.peer !== peer) {
          keep.push(entry);
          continue;
        }
        n++;
        entry.expiry.abort();
        this.dropped(key, entry.origin, 0);
        entry.settle(ignore("peer_cut_off"));
      }
      if (keep.length === 0) this.pending.delete(key);
      else if (keep.length !== list.length) this.pending.set(key, keep);
    }
    this.pendingCount -= n;
    this.perPeer.delete(peer);
    return n;
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
    this.perPeer.clear();
  }

  /** A proof that could not wait for its block: remembered for a re-fetch, told to its origin. */
  private dropped(key: string, origin: GossipOrigin | undefined, units: number): void {
    this.missed.set(key, true);
    if (!origin) return;
    if (units > 0) this.deps.penalties?.add(origin.peer, units);
    origin.onDropped?.();
  }

  private unqueue(entry: PendingProof): void {
    const peer = entry.origin?.peer;
    if (peer === undefined) return;
    const n = (this.perPeer.get(peer) ?? 1) - 1;
    if (n <= 0) this.perPeer.delete(peer);
    else this.perPeer.set(peer, n);
  }

  private enqueue(
    rootHex: string,
    resume: () => Promise<GossipVerdict>,
    origin?: GossipOrigin,
  ): Promise<GossipVerdict> {
    if (origin && this.queuedFrom(origin.peer) >= this.perPeerQuota) {
      this.dropped(rootHex, origin, PENALTY_UNITS.overQuota);
      return Promise.resolve(ignore("peer_quota"));
    }
    if (this.pendingCount >= this.opts.pendingQueueSize) {
      // Not this peer's fault (its quota is not used up): no penalty, but fetched again later.
      this.dropped(rootHex, origin, 0);
      return Promise.resolve(ignore("queue_full"));
    }
    return new Promise<GossipVerdict>((resolve) => {
      const expiry = new AbortController();
      const entry: PendingProof = { resume, settle: resolve, expiry, origin };
      const list = this.pending.get(rootHex) ?? [];
      list.push(entry);
      this.pending.set(rootHex, list);
      this.pendingCount++;
      if (origin) this.perPeer.set(origin.peer, this.queuedFrom(origin.peer) + 1);
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
    this.unqueue(entry);
    if (list.length === 0) this.pending.delete(rootHex);
    // Its block never came in time: the sender may have made it up (or we are behind: it decays).
    this.dropped(rootHex, entry.origin, PENALTY_UNITS.unresolved);
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
