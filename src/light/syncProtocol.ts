// The Altair light-client sync protocol (consensus-specs altair/capella/electra/gloas sync-protocol.md),
// as pure rules over @lodestar/types values: bootstrap validation against a trusted block root, update
// validation (slot order, periods, finality and next-committee Merkle branches, the sync committee's
// aggregate signature) and the store it advances. No I/O: the beacon node that served the data is not
// trusted, so every header that leaves this file was checked here.
//
// @lodestar/light-client is not used at run time: its newest release in our registry (1.28.1) needs
// @chainsafe/blst 0.2, whose install step downloads or compiles a native binding and fails under our
// Node 24 (see README, "Light client"). These rules follow the same spec text.

import { fastAggregateVerify, PublicKey, Signature } from "@chainsafe/blst";
import type { BeaconConfig } from "@lodestar/config";
import {
  BLOCK_BODY_EXECUTION_PAYLOAD_DEPTH,
  BLOCK_BODY_EXECUTION_PAYLOAD_GINDEX,
  CURRENT_SYNC_COMMITTEE_DEPTH,
  CURRENT_SYNC_COMMITTEE_DEPTH_ELECTRA,
  CURRENT_SYNC_COMMITTEE_DEPTH_GLOAS,
  CURRENT_SYNC_COMMITTEE_GINDEX,
  CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA,
  CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS,
  DOMAIN_SYNC_COMMITTEE,
  EPOCHS_PER_SYNC_COMMITTEE_PERIOD,
  EXECUTION_BLOCK_HASH_DEPTH_GLOAS,
  EXECUTION_BLOCK_HASH_GINDEX_GLOAS,
  FINALIZED_ROOT_DEPTH,
  FINALIZED_ROOT_DEPTH_ELECTRA,
  FINALIZED_ROOT_DEPTH_GLOAS,
  FINALIZED_ROOT_GINDEX,
  FINALIZED_ROOT_GINDEX_ELECTRA,
  FINALIZED_ROOT_GINDEX_GLOAS,
  ForkName,
  isForkPostCapella,
  isForkPostElectra,
  isForkPostGloas,
  MIN_SYNC_COMMITTEE_PARTICIPANTS,
  NEXT_SYNC_COMMITTEE_DEPTH,
  NEXT_SYNC_COMMITTEE_DEPTH_ELECTRA,
  NEXT_SYNC_COMMITTEE_DEPTH_GLOAS,
  NEXT_SYNC_COMMITTEE_GINDEX,
  NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA,
  NEXT_SYNC_COMMITTEE_GINDEX_GLOAS,
  SLOTS_PER_EPOCH,
  SYNC_COMMITTEE_SIZE,
} from "@lodestar/params";
import type {
  altair,
  LightClientBootstrap,
  LightClientFinalityUpdate,
  LightClientHeader,
  LightClientOptimisticUpdate,
  LightClientUpdate,
} from "@lodestar/types";
import { ssz, sszTypesFor } from "@lodestar/types";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, toHex } from "../util/hex.ts";
import { LightClientRefusal, type VerifiedHeader } from "./interface.ts";

export const computeSyncPeriodAtSlot = (slot: number): number =>
  Math.floor(slot / SLOTS_PER_EPOCH / EPOCHS_PER_SYNC_COMMITTEE_PERIOD);

interface BranchSpot {
  depth: number;
  index: number;
}
const spot = (gindex: number, depth: number): BranchSpot => ({ depth, index: gindex - 2 ** depth });

/** Where the state keeps the sync committees and the finalized checkpoint, by the fork of the state. */
function stateSpots(fork: ForkName): { current: BranchSpot; next: BranchSpot; finalized: BranchSpot } {
  if (isForkPostGloas(fork)) {
    return {
      current: spot(CURRENT_SYNC_COMMITTEE_GINDEX_GLOAS, CURRENT_SYNC_COMMITTEE_DEPTH_GLOAS),
      next: spot(NEXT_SYNC_COMMITTEE_GINDEX_GLOAS, NEXT_SYNC_COMMITTEE_DEPTH_GLOAS),
      finalized: spot(FINALIZED_ROOT_GINDEX_GLOAS, FINALIZED_ROOT_DEPTH_GLOAS),
    };
  }
  if (isForkPostElectra(fork)) {
    return {
      current: spot(CURRENT_SYNC_COMMITTEE_GINDEX_ELECTRA, CURRENT_SYNC_COMMITTEE_DEPTH_ELECTRA),
      next: spot(NEXT_SYNC_COMMITTEE_GINDEX_ELECTRA, NEXT_SYNC_COMMITTEE_DEPTH_ELECTRA),
      finalized: spot(FINALIZED_ROOT_GINDEX_ELECTRA, FINALIZED_ROOT_DEPTH_ELECTRA),
    };
  }
  return {
    current: spot(CURRENT_SYNC_COMMITTEE_GINDEX, CURRENT_SYNC_COMMITTEE_DEPTH),
    next: spot(NEXT_SYNC_COMMITTEE_GINDEX, NEXT_SYNC_COMMITTEE_DEPTH),
    finalized: spot(FINALIZED_ROOT_GINDEX, FINALIZED_ROOT_DEPTH),
  };
}

/** is_valid_merkle_branch. */
export function isValidMerkleBranch(
  leaf: Uint8Array,
  branch: readonly Uint8Array[],
  depth: number,
  index: number,
  root: Uint8Array,
): boolean {
  if (branch.length !== depth) return false;
  let value = leaf;
  const buf = new Uint8Array(64);
  for (let i = 0; i < depth; i++) {
    const sibling = branch[i];
    if (sibling?.length !== 32) return false;
    if (Math.floor(index / 2 ** i) % 2 === 1) {
      buf.set(sibling, 0);
      buf.set(value, 32);
    } else {
      buf.set(value, 0);
      buf.set(sibling, 32);
    }
    value = sha256(buf);
  }
  return bytesEqual(value, root);
}

const isZeroBranch = (branch: readonly Uint8Array[]) => branch.every((b) => b.every((x) => x === 0));
const isZeroHeader = (h: LightClientHeader) =>
  h.beacon.slot === 0 && h.beacon.bodyRoot.every((x) => x === 0) && h.beacon.stateRoot.every((x) => x === 0);

interface ForkTypes {
  ExecutionPayloadHeader: { hashTreeRoot(value: unknown): Uint8Array };
  LightClientBootstrap: { fromJson(json: unknown): LightClientBootstrap };
  LightClientUpdate: { fromJson(json: unknown): LightClientUpdate };
  LightClientFinalityUpdate: { fromJson(json: unknown): LightClientFinalityUpdate };
  LightClientOptimisticUpdate: { fromJson(json: unknown): LightClientOptimisticUpdate };
}
/** The light-client containers of one fork (the fork name comes from the slot, or the server's "version"). */
export function lightTypesFor(fork: ForkName): ForkTypes {
  return sszTypesFor(fork) as unknown as ForkTypes;
}

/** is_valid_light_client_header: the execution part is in the block body the beacon header commits to. */
export function isValidLightClientHeader(config: BeaconConfig, header: LightClientHeader): boolean {
  const fork = config.getForkName(header.beacon.slot);
  if (!isForkPostCapella(fork)) return true;
  if (isForkPostGloas(fork)) {
    const h = header as LightClientHeader & {
      executionBlockHash?: Uint8Array;
      executionBranch?: Uint8Array[];
    };
    if (!h.executionBlockHash || !h.executionBranch) return false;
    const s = spot(EXECUTION_BLOCK_HASH_GINDEX_GLOAS, EXECUTION_BLOCK_HASH_DEPTH_GLOAS);
    return isValidMerkleBranch(
      h.executionBlockHash,
      h.executionBranch,
      s.depth,
      s.index,
      header.beacon.bodyRoot,
    );
  }
  const h = header as LightClientHeader & { execution?: unknown; executionBranch?: Uint8Array[] };
  if (!h.execution || !h.executionBranch) return false;
  const leaf = lightTypesFor(fork).ExecutionPayloadHeader.hashTreeRoot(h.execution);
  const s = spot(BLOCK_BODY_EXECUTION_PAYLOAD_GINDEX, BLOCK_BODY_EXECUTION_PAYLOAD_DEPTH);
  return isValidMerkleBranch(leaf, h.executionBranch, s.depth, s.index, header.beacon.bodyRoot);
}

export function headerRoot(header: LightClientHeader): Uint8Array {
  return ssz.phase0.BeaconBlockHeader.hashTreeRoot(header.beacon);
}

export function toVerifiedHeader(header: LightClientHeader, via: VerifiedHeader["via"]): VerifiedHeader {
  return {
    slot: header.beacon.slot,
    blockRoot: headerRoot(header),
    parentRoot: header.beacon.parentRoot,
    stateRoot: header.beacon.stateRoot,
    via,
  };
}

const refuse = (reason: string, message: string): never => {
  throw new LightClientRefusal(reason, message);
};

/** validate_light_client_bootstrap: the header is the trusted root and the committee is in its state. */
export function validateBootstrap(
  config: BeaconConfig,
  trustedBlockRoot: Uint8Array,
  bootstrap: LightClientBootstrap,
): void {
  if (!isValidLightClientHeader(config, bootstrap.header))
    refuse("invalid_header", "bootstrap header's execution branch does not match its block body root");
  const root = headerRoot(bootstrap.header);
  if (!bytesEqual(root, trustedBlockRoot))
    refuse(
      "untrusted_bootstrap",
      `bootstrap header root ${toHex(root)} is not the trusted checkpoint root ${toHex(trustedBlockRoot)}`,
    );
  const s = stateSpots(config.getForkName(bootstrap.header.beacon.slot)).current;
  const leaf = ssz.altair.SyncCommittee.hashTreeRoot(bootstrap.currentSyncCommittee);
  if (
    !isValidMerkleBranch(
      leaf,
      bootstrap.currentSyncCommitteeBranch,
      s.depth,
      s.index,
      bootstrap.header.beacon.stateRoot,
    )
  )
    refuse("committee_branch", "bootstrap's current sync committee is not in the checkpoint state");
}

/** A sync committee with its keys parsed once. */
interface Committee {
  root: string;
  pubkeys: PublicKey[];
}

function committeeOf(c: altair.SyncCommittee): Committee {
  return {
    root: toHex(ssz.altair.SyncCommittee.hashTreeRoot(c)),
    pubkeys: c.pubkeys.map((pk) => PublicKey.fromBytes(pk, true)),
  };
}

/** DOMAIN_SYNC_COMMITTEE at the fork of `signature_slot - 1` (spec: compute_domain over fork data). */
export function syncCommitteeSigningRoot(
  config: BeaconConfig,
  attestedHeader: LightClientHeader,
  signatureSlot: number,
): Uint8Array {
  const forkVersionSlot = Math.max(signatureSlot, 1) - 1;
  const forkVersion = config.getForkInfo(forkVersionSlot).version;
  const forkDataRoot = ssz.phase0.ForkData.hashTreeRoot({
    currentVersion: forkVersion,
    genesisValidatorsRoot: config.genesisValidatorsRoot,
  });
  const domain = new Uint8Array(32);
  domain.set(DOMAIN_SYNC_COMMITTEE, 0);
  domain.set(forkDataRoot.subarray(0, 28), 4);
  return ssz.phase0.SigningData.hashTreeRoot({ objectRoot: headerRoot(attestedHeader), domain });
}

export type StoreChange = { optimistic?: LightClientHeader; finalized?: LightClientHeader };

/** The LightClientStore: finalized and optimistic headers, the current and next sync committees. */
export class SyncStore {
  private readonly config: BeaconConfig;
  finalizedHeader: LightClientHeader;
  optimisticHeader: LightClientHeader;
  private current: Committee;
  private next: Committee | undefined;
  private previousMaxActive = 0;
  private currentMaxActive = 0;

  constructor(config: BeaconConfig, trustedBlockRoot: Uint8Array, bootstrap: LightClientBootstrap) {
    validateBootstrap(config, trustedBlockRoot, bootstrap);
    this.config = config;
    this.finalizedHeader = bootstrap.header;
    this.optimisticHeader = bootstrap.header;
    this.current = committeeOf(bootstrap.currentSyncCommittee);
  }

  get period(): number {
    return computeSyncPeriodAtSlot(this.finalizedHeader.beacon.slot);
  }

  get nextCommitteeKnown(): boolean {
    return this.next !== undefined;
  }

  /** validate_light_client_update + process_light_client_update; throws LightClientRefusal. */
  processUpdate(update: LightClientUpdate, currentSlot: number): StoreChange {
    const { config } = this;
    const bits = update.syncAggregate.syncCommitteeBits;
    const participants = bits.getTrueBitIndexes().length;
    if (participants < MIN_SYNC_COMMITTEE_PARTICIPANTS)
      refuse("participation", `only ${participants} sync committee members signed`);
    const attested = update.attestedHeader;
    if (!isValidLightClientHeader(config, attested))
      refuse("invalid_header", "attested header's execution branch does not match its block body root");
    const aSlot = attested.beacon.slot;
    if (
      !(
        currentSlot >= update.signatureSlot &&
        update.signatureSlot > aSlot &&
        aSlot >= update.finalizedHeader.beacon.slot
      )
    )
      refuse(
        "slot_order",
        `slots out of order: current ${currentSlot}, signature ${update.signatureSlot}, attested ${aSlot}, finalized ${update.finalizedHeader.beacon.slot}`,
      );
    const storePeriod = this.period;
    const sigPeriod = computeSyncPeriodAtSlot(update.signatureSlot);
    const periodOk = this.next
      ? sigPeriod === storePeriod || sigPeriod === storePeriod + 1
      : sigPeriod === storePeriod;
    if (!periodOk)
      refuse("period", `signed in sync period ${sigPeriod}; this store can check period ${storePeriod} only`);
    const attestedPeriod = computeSyncPeriodAtSlot(aSlot);
    const hasNext = !isZeroBranch(update.nextSyncCommitteeBranch);
    const relevant =
      aSlot > this.finalizedHeader.beacon.slot || (attestedPeriod === storePeriod && hasNext && !this.next);
    if (!relevant) return {};

    const spots = stateSpots(config.getForkName(aSlot));
    const hasFinality = !isZeroBranch(update.finalityBranch);
    if (hasFinality) {
      const fin = update.finalizedHeader;
      // The genesis checkpoint's root is zero (no block header hashes to it).
      const leaf = fin.beacon.slot === 0 ? new Uint8Array(32) : headerRoot(fin);
      if (fin.beacon.slot !== 0 && !isValidLightClientHeader(config, fin))
        refuse("invalid_header", "finalized header's execution branch does not match its block body root");
      if (
        !isValidMerkleBranch(
          leaf,
          update.finalityBranch,
          spots.finalized.depth,
          spots.finalized.index,
          attested.beacon.stateRoot,
        )
      )
        refuse(
          "finality_branch",
          "the finalized header is not the finalized checkpoint of the attested state",
        );
    } else if (!isZeroHeader(update.finalizedHeader)) {
      refuse("finality_branch", "a finalized header without a finality branch");
    }
    if (hasNext) {
      const leaf = ssz.altair.SyncCommittee.hashTreeRoot(update.nextSyncCommittee);
      if (attestedPeriod === storePeriod && this.next && this.next.root !== toHex(leaf))
        refuse("next_committee_mismatch", "next sync committee differs from the one already verified");
      if (
        !isValidMerkleBranch(
          leaf,
          update.nextSyncCommitteeBranch,
          spots.next.depth,
          spots.next.index,
          attested.beacon.stateRoot,
        )
      )
        refuse("next_committee_branch", "the next sync committee is not in the attested state");
    }

    const committee = sigPeriod === storePeriod ? this.current : this.next;
    if (!committee) return refuse("period", "no sync committee known for the signature period");
    const pks: PublicKey[] = [];
    for (const i of bits.getTrueBitIndexes()) {
      const pk = committee.pubkeys[i];
      if (pk) pks.push(pk);
    }
    let ok = false;
    try {
      const sig = Signature.fromBytes(update.syncAggregate.syncCommitteeSignature, true);
      ok = fastAggregateVerify(syncCommitteeSigningRoot(config, attested, update.signatureSlot), pks, sig);
    } catch {
      ok = false;
    }
    if (!ok)
      refuse(
        "bad_signature",
        `the sync committee signature over the header at slot ${aSlot} (signature slot ${update.signatureSlot}) does not verify`,
      );

    // process_light_client_update (no best-valid-update force path: only finalized rotations).
    const change: StoreChange = {};
    this.currentMaxActive = Math.max(this.currentMaxActive, participants);
    const safety = Math.floor(Math.max(this.previousMaxActive, this.currentMaxActive) / 2);
    if (participants > safety && aSlot > this.optimisticHeader.beacon.slot) {
      this.optimisticHeader = attested;
      change.optimistic = attested;
    }
    const finalizesNext =
      !this.next &&
      hasNext &&
      hasFinality &&
      computeSyncPeriodAtSlot(update.finalizedHeader.beacon.slot) === attestedPeriod;
    const supermajority = participants * 3 >= SYNC_COMMITTEE_SIZE * 2;
    if (
      supermajority &&
      hasFinality &&
      (update.finalizedHeader.beacon.slot > this.finalizedHeader.beacon.slot || finalizesNext)
    ) {
      const finPeriod = computeSyncPeriodAtSlot(update.finalizedHeader.beacon.slot);
      if (!this.next) {
        if (hasNext && finPeriod === storePeriod) this.next = committeeOf(update.nextSyncCommittee);
      } else if (finPeriod === storePeriod + 1) {
        this.current = this.next;
        this.next = hasNext ? committeeOf(update.nextSyncCommittee) : undefined;
        this.previousMaxActive = this.currentMaxActive;
        this.currentMaxActive = 0;
      }
      if (update.finalizedHeader.beacon.slot > this.finalizedHeader.beacon.slot) {
        this.finalizedHeader = update.finalizedHeader;
        change.finalized = update.finalizedHeader;
        if (this.finalizedHeader.beacon.slot > this.optimisticHeader.beacon.slot) {
          this.optimisticHeader = this.finalizedHeader;
          change.optimistic = this.finalizedHeader;
        }
      }
    }
    return change;
  }

  processFinalityUpdate(u: LightClientFinalityUpdate, currentSlot: number): StoreChange {
    const fork = this.config.getForkName(u.signatureSlot);
    return this.processUpdate(
      {
        attestedHeader: u.attestedHeader,
        nextSyncCommittee: ssz.altair.SyncCommittee.defaultValue(),
        nextSyncCommitteeBranch: zeroBranch(stateSpots(fork).next.depth),
        finalizedHeader: u.finalizedHeader,
        finalityBranch: u.finalityBranch,
        syncAggregate: u.syncAggregate,
        signatureSlot: u.signatureSlot,
      } as LightClientUpdate,
      currentSlot,
    );
  }

  processOptimisticUpdate(u: LightClientOptimisticUpdate, currentSlot: number): StoreChange {
    const fork = this.config.getForkName(u.signatureSlot);
    return this.processUpdate(
      {
        attestedHeader: u.attestedHeader,
        nextSyncCommittee: ssz.altair.SyncCommittee.defaultValue(),
        nextSyncCommitteeBranch: zeroBranch(stateSpots(fork).next.depth),
        finalizedHeader: { beacon: ssz.phase0.BeaconBlockHeader.defaultValue() },
        finalityBranch: zeroBranch(stateSpots(fork).finalized.depth),
        syncAggregate: u.syncAggregate,
        signatureSlot: u.signatureSlot,
      } as LightClientUpdate,
      currentSlot,
    );
  }
}

const zeroBranch = (depth: number): Uint8Array[] => Array.from({ length: depth }, () => new Uint8Array(32));

export { ForkName };
