// Slot time, fork digests and the DOMAIN_EXECUTION_PROOF domain from the fork schedule + genesis
// validators root (@lodestar/config), switching at fork boundaries (checked each slot on the clock).
// One BeaconConfig is built up front: domains are looked up per gossip message and per signature.
import { type ChainForkConfig, createBeaconConfig } from "@lodestar/config";
import type { SpecProfile } from "../spec/profile.ts";
import type { Clock } from "../util/clock.ts";
import { bytesEqual } from "../util/hex.ts";
import type { ForkDigestProvider, SigningDomainProvider } from "./interface.ts";

export interface ForkScheduleOpts {
  chainConfig: ChainForkConfig;
  genesisValidatorsRoot: Uint8Array;
  /** Genesis time in seconds. */
  genesisTime: number;
  profile: SpecProfile;
  clock: Clock;
  secondsPerSlot?: number;
  slotsPerEpoch?: number;
}

export class ForkSchedule implements ForkDigestProvider, SigningDomainProvider {
  private readonly o: ForkScheduleOpts;
  private readonly beaconConfig: ReturnType<typeof createBeaconConfig>;
  private readonly listeners = new Set<(digest: Uint8Array) => void>();
  private digest: Uint8Array;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: ForkScheduleOpts) {
    this.o = o;
    this.beaconConfig = createBeaconConfig(o.chainConfig, o.genesisValidatorsRoot);
    this.digest = this.digestAtEpoch(this.currentEpoch());
  }

  get secondsPerSlot(): number {
    return this.o.secondsPerSlot ?? 12;
  }

  get slotsPerEpoch(): number {
    return this.o.slotsPerEpoch ?? 32;
  }

  currentSlot(): number {
    return this.slotAtTime(this.o.clock.now() / 1000);
  }

  /** The slot a unix time (seconds) falls in, e.g. an execution payload's timestamp. */
  slotAtTime(timestamp: number): number {
    return Math.max(0, Math.floor((timestamp - this.o.genesisTime) / this.secondsPerSlot));
  }

  currentEpoch(): number {
    return Math.floor(this.currentSlot() / this.slotsPerEpoch);
  }

  digestAtEpoch(epoch: number): Uint8Array {
    return this.beaconConfig.forkBoundary2ForkDigest(this.beaconConfig.getForkBoundaryAtEpoch(epoch));
  }

  current(): Uint8Array {
    return this.digest;
  }

  all(): Uint8Array[] {
    return this.o.chainConfig.forkBoundariesAscendingEpochOrder
      .filter((b) => Number.isFinite(b.epoch))
      .map((b) => this.beaconConfig.forkBoundary2ForkDigest(b));
  }

  /** DOMAIN_EXECUTION_PROOF with the fork version active at `slot` (a proof is signed for its payload's slot). */
  domainAtSlot(slot: number): Uint8Array {
    return this.beaconConfig.getDomain(slot, this.o.profile.domainExecutionProof, slot);
  }

  currentDomain(): Uint8Array {
    return this.domainAtSlot(this.currentSlot());
  }

  onChange(listener: (digest: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-checks the digest once per slot (cheap) so a boundary switches within a slot. */
  start(): void {
    this.timer = setInterval(() => this.check(), this.secondsPerSlot * 1000);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  check(): void {
    const next = this.digestAtEpoch(this.currentEpoch());
    if (bytesEqual(next, this.digest)) return;
    this.digest = next;
    for (const l of this.listeners) l(next);
  }
}
