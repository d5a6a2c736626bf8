// The proof side of `eproof light`: the proof-service adapter the p2p layer validates gossip with. A block
// root resolves to a payload root only after its block, fetched from the untrusted beacon node, hashed
// to a verified header's root (or to the parent root of one); proofs are verified by the configured
// backends (in-process SP1 first); the verified execution head is the newest such payload with ≥ k valid
// proofs of the allowed types, and it never moves backwards or to an unproven block.
import type { gloas } from "@lodestar/types";
import {
  type BuiltNpr,
  buildGloasNpr,
  buildNprFromBlock,
  type DecodedBlock,
  decodeGloasEnvelopeJson,
  decodeGloasEnvelopeSsz,
} from "../beacon/blockToNpr.ts";
import type { BeaconClient } from "../beacon/interface.ts";
import type { ProofService, ProvingBackend, VerifyResult } from "../proving/interface.ts";
import { payloadRequestRoot } from "../spec/payloadRoot.ts";
import type { SpecProfile } from "../spec/profile.ts";
import type { PayloadRecord, ProofStore, StoredProof } from "../store/interface.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type {
  LightHeadStatus,
  LightMetrics,
  LightProofRecord,
  LightRule,
  VerifiedExecutionHead,
  VerifiedHeader,
  VerifiedPayload,
} from "./interface.ts";

export interface ProofTrackerOpts {
  rule: LightRule;
  /** Verified blocks remembered (headers, payloads, their proofs). */
  maxBlocks: number;
  /** Unverified parents fetched behind a new verified header (hash chain) to fill skipped slots. */
  maxParentWalk: number;
}

export interface ProofTrackerModules {
  beacon: Pick<BeaconClient, "getBlock" | "getExecutionPayloadEnvelope">;
  backends: readonly ProvingBackend[];
  profile: SpecProfile;
  clock: Clock;
  logger: Logger;
  metrics?: LightMetrics;
  nameOf: (proofType: number) => string;
  /** The p2p layer: re-validates proofs queued for this block. */
  onPayloadKnown?: (payloadRoot: Uint8Array, blockRoot: Uint8Array) => void;
}

interface Entry {
  header: VerifiedHeader;
  verifiedAt: number;
  payload?: VerifiedPayload;
  npr?: BuiltNpr;
  proofs: Map<number, LightProofRecord>;
  fetching?: Promise<void>;
  /** The block was read and has no execution payload (pre-merge): nothing to prove. */
  noPayload?: boolean;
  /** Last time its block was asked for (a failed fetch is retried, at most every REFETCH_MS). */
  fetchedAt?: number;
}

/** A verified block whose fetch failed (a lying or unreachable server) is asked for again after this. */
const REFETCH_MS = 2_000;

type HeadListener = (head: VerifiedExecutionHead) => void;

/** The head rule (pure): newest payload with ≥ k valid proofs of the allowed types, never older than `current`. */
export function chooseHead<T extends { slot: number; provenTypes: readonly number[] }>(
  candidates: readonly T[],
  rule: LightRule,
  currentSlot: number | undefined,
): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    const counted = c.provenTypes.filter(
      (t) => rule.allowedTypes.length === 0 || rule.allowedTypes.includes(t),
    );
    if (new Set(counted).size < rule.k) continue;
    if (currentSlot !== undefined && c.slot <= currentSlot) continue;
    if (!best || c.slot > best.slot) best = c;
  }
  return best;
}

export class ProofTracker
  implements Pick<ProofService, "isKnownPayload" | "verifyProof" | "acceptProof" | "payloadRootOfBlock">
{
  private readonly o: ProofTrackerOpts;
  private readonly m: ProofTrackerModules;
  /** By block root hex, oldest first. */
  private readonly blocks = new Map<string, Entry>();
  /** Payload root hex → block root hex. */
  private readonly byPayload = new Map<string, string>();
  private headValue: VerifiedExecutionHead | undefined;
  private optimistic = 0;
  private finalized = 0;
  private readonly listeners = new Set<HeadListener>();
  private proofBytes = 0;

  constructor(o: ProofTrackerOpts, m: ProofTrackerModules) {
    this.o = o;
    this.m = m;
  }

  // --- consensus side

  /** A header the light client verified: its block is fetched and checked against the root. */
  onHeader(header: VerifiedHeader): Promise<void> {
    if (header.via !== "parent_of_verified") {
      if (header.via === "finality") this.finalized = Math.max(this.finalized, header.slot);
      this.optimistic = Math.max(this.optimistic, header.slot);
    }
    const key = toHex(header.blockRoot);
    const existing = this.blocks.get(key);
    if (existing) {
      // Seen again (e.g. now finalized): a block whose fetch failed before is asked for again.
      if (existing.header.via === "parent_of_verified" && header.via !== "parent_of_verified")
        existing.header = header;
      return this.startFetch(existing, true);
    }
    const entry: Entry = { header, verifiedAt: this.m.clock.now(), proofs: new Map() };
    this.blocks.set(key, entry);
    this.evict();
    return this.startFetch(entry, true);
  }

  /** Fetches the entry's block unless it is known, being fetched, or (unless `now`) was tried recently. */
  private startFetch(entry: Entry, now: boolean): Promise<void> {
    if (entry.payload || entry.noPayload) return Promise.resolve();
    if (entry.fetching) return entry.fetching;
    const t = this.m.clock.now();
    if (!now && entry.fetchedAt !== undefined && t - entry.fetchedAt < REFETCH_MS) return Promise.resolve();
    entry.fetchedAt = t;
    const key = toHex(entry.header.blockRoot);
    entry.fetching = this.fetchPayload(entry)
      .catch((e: unknown) => {
        this.m.logger.warn(
          { slot: entry.header.slot, root: key, err: errorMessage(e) },
          "verified block not usable (asked again later)",
        );
      })
      .finally(() => {
        entry.fetching = undefined;
      });
    return entry.fetching;
  }

  private async fetchPayload(entry: Entry, walk = this.o.maxParentWalk): Promise<void> {
    const header = entry.header;
    const fetched = await this.m.beacon.getBlock(toHex(header.blockRoot));
    if (!fetched) throw new EproofError("UPSTREAM", `beacon node has no block ${toHex(header.blockRoot)}`);
    if (!bytesEqual(fetched.blockRoot, header.blockRoot)) {
      throw new EproofError(
        "UPSTREAM",
        `beacon node served block ${toHex(fetched.blockRoot)} for verified root ${toHex(header.blockRoot)}: refused`,
      );
    }
    if (header.via === "parent_of_verified") {
      entry.header = { ...header, slot: fetched.slot, parentRoot: fetched.parentRoot };
    }
    const decoded = { fork: fetched.fork, block: fetched.signedBlock } as DecodedBlock;
    let built: BuiltNpr | undefined;
    if (decoded.fork === "gloas") {
      const raw = await this.m.beacon.getExecutionPayloadEnvelope?.(header.blockRoot);
      if (raw === undefined) throw new EproofError("UPSTREAM", "payload envelope not revealed (yet)");
      const envelope: gloas.SignedExecutionPayloadEnvelope =
        raw instanceof Uint8Array ? decodeGloasEnvelopeSsz(raw) : decodeGloasEnvelopeJson(raw);
      built = buildGloasNpr(decoded.block, envelope);
    } else {
      built = buildNprFromBlock(decoded);
    }
    if (!built) entry.noPayload = true;
    if (built) {
      const payloadRoot = payloadRequestRoot(built.npr, this.m.profile);
      const p = built.npr.value.executionPayload;
      entry.npr = built;
      entry.payload = {
        slot: entry.header.slot,
        blockRoot: header.blockRoot,
        payloadRoot,
        blockNumber: built.blockNumber,
        blockHash: built.blockHash,
        stateRoot: p.stateRoot,
      };
      this.byPayload.set(toHex(payloadRoot), toHex(header.blockRoot));
      this.m.onPayloadKnown?.(payloadRoot, header.blockRoot);
    }
    // Skipped slots between verified headers: the parent root is verified by this block's root.
    const parentKey = toHex(fetched.parentRoot);
    if (
      walk > 0 &&
      fetched.slot > 0 &&
      !this.blocks.has(parentKey) &&
      fetched.slot - 1 > (this.headValue?.slot ?? 0)
    ) {
      const parent: Entry = {
        header: {
          slot: fetched.slot - 1,
          blockRoot: fetched.parentRoot,
          parentRoot: new Uint8Array(32),
          stateRoot: new Uint8Array(32),
          via: "parent_of_verified",
        },
        verifiedAt: this.m.clock.now(),
        proofs: new Map(),
      };
      this.blocks.set(parentKey, parent);
      await this.fetchPayload(parent, walk - 1).catch((e: unknown) =>
        this.m.logger.debug(
          { root: parentKey, err: errorMessage(e) },
          "parent of a verified block not usable",
        ),
      );
    }
  }

  private evict(): void {
    while (this.blocks.size > this.o.maxBlocks) {
      const oldest = this.blocks.keys().next();
      if (oldest.done) return;
      const e = this.blocks.get(oldest.value);
      if (e?.payload) {
        const root = toHex(e.payload.payloadRoot);
        this.byPayload.delete(root);
        for (const k of this.lastVerify.keys()) if (k.startsWith(root)) this.lastVerify.delete(k);
      }
      this.blocks.delete(oldest.value);
    }
  }

  // --- the proof-service adapter the p2p layer uses

  payloadRootOfBlock(blockRoot: Uint8Array): Uint8Array | undefined {
    if (!(blockRoot instanceof Uint8Array) || blockRoot.length !== 32) return undefined;
    const entry = this.blocks.get(toHex(blockRoot));
    // Gossip names a verified block we could not read yet: ask again (rate-limited); the proof waits.
    if (entry && !entry.payload) void this.startFetch(entry, false);
    return entry?.payload?.payloadRoot;
  }

  isKnownPayload(root: Uint8Array): boolean {
    return root instanceof Uint8Array && root.length === 32 && this.byPayload.has(toHex(root));
  }

  async verifyProof(root: Uint8Array, proofType: number, proofData: Uint8Array): Promise<VerifyResult> {
    if (!this.isKnownPayload(root))
      throw new EproofError("NOT_FOUND", `payload ${toHex(root)} is not a verified block's payload`);
    const backend = this.m.backends.find((b) => b.capabilities().verify.includes(proofType));
    if (!backend)
      throw new EproofError("BAD_INPUT", `no configured backend verifies ${this.m.nameOf(proofType)}`);
    const r = await backend.verify({ proofType, proofData, newPayloadRequestRoot: root });
    const entry = this.entryOfPayload(root);
    if (r.valid && entry?.payload)
      this.m.metrics?.recordProofVerified(proofType, r.ms, proofData.length, entry.payload.slot);
    this.lastVerify.set(`${toHex(root)}:${proofType}`, r.ms);
    return r;
  }

  private readonly lastVerify = new Map<string, number>();

  async acceptProof(proof: StoredProof): Promise<void> {
    const entry = this.entryOfPayload(proof.newPayloadRequestRoot);
    if (!entry?.payload || !proof.verified) return;
    const key = `${toHex(proof.newPayloadRequestRoot)}:${proof.proofType}`;
    this.proofBytes += proof.proof.length;
    entry.proofs.set(proof.proofType, {
      proofType: proof.proofType,
      validatorIndex: proof.signed?.validatorIndex ?? -1,
      bytes: proof.proof.length,
      verifyMs: this.lastVerify.get(key) ?? 0,
      receivedAt: proof.receivedAt,
    });
    this.lastVerify.delete(key);
    this.recompute();
  }

  private entryOfPayload(root: Uint8Array): Entry | undefined {
    const blockKey = this.byPayload.get(toHex(root));
    return blockKey === undefined ? undefined : this.blocks.get(blockKey);
  }

  /** The store the p2p layer reads (in memory, bounded like the blocks). */
  storeView(): Pick<ProofStore, "proofsBySlotRange" | "proofsByRoot" | "payloadByBlockRoot" | "getPayload"> {
    const record = (e: Entry | undefined): PayloadRecord | undefined =>
      e?.payload && e.npr
        ? {
            newPayloadRequestRoot: e.payload.payloadRoot,
            slot: e.payload.slot,
            blockRoot: e.payload.blockRoot,
            blockHash: e.payload.blockHash,
            fork: e.npr.npr.fork,
            npr: new Uint8Array(0),
            seenAt: e.verifiedAt,
          }
        : undefined;
    return {
      proofsBySlotRange: async () => [],
      proofsByRoot: async (root) => {
        const e = this.entryOfPayload(root);
        if (!e?.payload) return [];
        return [...e.proofs.values()].map((p) => ({
          newPayloadRequestRoot: root,
          proofType: p.proofType,
          slot: e.header.slot,
          proof: new Uint8Array(0),
          source: "gossip" as const,
          verified: true,
          receivedAt: p.receivedAt,
        }));
      },
      payloadByBlockRoot: async (blockRoot) => record(this.blocks.get(toHex(blockRoot))),
      getPayload: async (root) => record(this.entryOfPayload(root)),
    };
  }

  // --- the verified execution head

  private recompute(): void {
    const candidates = [...this.blocks.values()]
      .filter((e) => e.payload)
      .map((e) => ({ slot: e.payload?.slot ?? 0, provenTypes: [...e.proofs.keys()], e }));
    const best = chooseHead(candidates, this.o.rule, this.headValue?.slot);
    if (!best?.e.payload) return;
    const { e } = best;
    const p = e.payload as VerifiedPayload;
    const counted = [...e.proofs.values()].filter(
      (r) => this.o.rule.allowedTypes.length === 0 || this.o.rule.allowedTypes.includes(r.proofType),
    );
    this.headValue = {
      slot: p.slot,
      blockRoot: toHex(p.blockRoot),
      executionBlockNumber: p.blockNumber,
      executionBlockHash: toHex(p.blockHash),
      stateRoot: toHex(p.stateRoot),
      payloadRoot: toHex(p.payloadRoot),
      proofs: counted.map((r) => ({
        proofType: r.proofType,
        name: this.m.nameOf(r.proofType),
        validatorIndex: r.validatorIndex,
        verifyMs: Math.round(r.verifyMs * 10) / 10,
      })),
      headerVerifiedAt: e.verifiedAt,
      provenAt: this.m.clock.now(),
    };
    this.m.metrics?.recordHead(p.slot, this.optimistic);
    this.m.logger.info(
      { slot: p.slot, block: p.blockNumber, proofs: counted.map((r) => this.m.nameOf(r.proofType)) },
      "verified execution head",
    );
    for (const l of this.listeners) l(this.headValue);
  }

  head(): VerifiedExecutionHead | undefined {
    return this.headValue;
  }

  /** The verified state root of the head (what verified JSON-RPC answers are checked against). */
  headStateRoot(): { blockNumber: number; stateRoot: Uint8Array } | undefined {
    const h = this.headValue;
    return h ? { blockNumber: h.executionBlockNumber, stateRoot: fromHex(h.stateRoot) } : undefined;
  }

  status(): LightHeadStatus {
    const headSlot = this.headValue?.slot ?? 0;
    const unproven = [...this.blocks.values()]
      .filter((e) => !e.noPayload && (e.payload?.slot ?? e.header.slot) > headSlot)
      .map((e) => e.header.slot)
      .sort((a, b) => a - b);
    return {
      head: this.headValue,
      optimisticSlot: this.optimistic,
      finalizedSlot: this.finalized,
      lagSlots: Math.max(0, this.optimistic - headSlot),
      unprovenSlots: unproven,
    };
  }

  get proofBytesReceived(): number {
    return this.proofBytes;
  }

  onHead(listener: HeadListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
