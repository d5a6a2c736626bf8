// Slot arithmetic and fork-dependent values (fork digest, signing domain) for "now", from a network spec.
import type { ChainForkConfig } from "@lodestar/config";
import { createBeaconConfig } from "@lodestar/config";
import type { NetworkSpec } from "../config/network.ts";
import type { SpecProfile } from "../spec/profile.ts";
import type { Clock } from "../util/clock.ts";

export class ChainClock {
  private readonly network: NetworkSpec;
  private readonly clock: Clock;
  private readonly beaconConfig: ReturnType<typeof createBeaconConfig>;
  private readonly profile: SpecProfile;
  readonly slotsPerEpoch: number;

  constructor(network: NetworkSpec, profile: SpecProfile, clock: Clock, slotsPerEpoch = 32) {
    this.network = network;
    this.clock = clock;
    this.profile = profile;
    this.slotsPerEpoch = slotsPerEpoch;
    this.beaconConfig = createBeaconConfig(network.forkConfig, network.genesisValidatorsRoot);
  }

  get forkConfig(): ChainForkConfig {
    return this.network.forkConfig;
  }

  currentSlot(): number {
    const sinceGenesis = this.clock.now() / 1000 - this.network.genesisTime;
    return Math.max(0, Math.floor(sinceGenesis / this.network.secondsPerSlot));
  }

  /** The slot a unix timestamp (seconds) falls in, e.g. an execution payload's timestamp. */
  slotAtTime(timestamp: number): number {
    return Math.max(0, Math.floor((timestamp - this.network.genesisTime) / this.network.secondsPerSlot));
  }

  /** Start of `slot` in ms since the epoch. */
  slotStartMs(slot: number): number {
    return (this.network.genesisTime + slot * this.network.secondsPerSlot) * 1000;
  }

  forkDigestAtSlot(slot: number): Uint8Array {
    return this.beaconConfig.forkBoundary2ForkDigest(
      this.beaconConfig.getForkBoundaryAtEpoch(Math.floor(slot / this.slotsPerEpoch)),
    );
  }

  /** The fork digest of every scheduled fork boundary. */
  allForkDigests(): Uint8Array[] {
    return this.network.forkConfig.forkBoundariesAscendingEpochOrder
      .filter((b) => Number.isFinite(b.epoch))
      .map((b) => this.beaconConfig.forkBoundary2ForkDigest(b));
  }

  /** DOMAIN_EXECUTION_PROOF with the fork version active at `slot`. */
  domainAtSlot(slot: number): Uint8Array {
    return this.beaconConfig.getDomain(slot, this.profile.domainExecutionProof, slot);
  }
}
