// Fork digests and the DOMAIN_EXECUTION_PROOF domain from the fork schedule + genesis validators root
// (@lodestar/config), switching at fork boundaries (checked each epoch on the injected clock).
import { type ChainForkConfig, computeForkDigest } from "@lodestar/config";
import { executionProofDomainAtSlot } from "../signing/domain.ts";
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
  private readonly listeners = new Set<(digest: Uint8Array) => void>();
  private digest: Uint8Array;
  private timer: NodeJS.Timeout | undefined;

  constructor(o: ForkScheduleOpts) {
    this.o = o;
    this.digest = this.digestAtEpoch(this.currentEpoch());
  }

  currentSlot(): number {
    const secondsPerSlot = this.o.secondsPerSlot ?? 12;
    const elapsed = this.o.clock.now() / 1000 - this.o.genesisTime;
    return Math.max(0, Math.floor(elapsed / secondsPerSlot));
  }

  currentEpoch(): number {
    return Math.floor(this.currentSlot() / (this.o.slotsPerEpoch ?? 32));
  }

  digestAtEpoch(epoch: number): Uint8Array {
    return computeForkDigest(this.o.chainConfig, this.o.genesisValidatorsRoot, epoch);
  }

  current(): Uint8Array {
    return this.digest;
  }

  all(): Uint8Array[] {
    return this.o.chainConfig.forkBoundariesAscendingEpochOrder
      .filter((b) => Number.isFinite(b.epoch))
      .map((b) => this.digestAtEpoch(b.epoch));
  }

  currentDomain(): Uint8Array {
    const slot = this.currentSlot();
    return executionProofDomainAtSlot(this.o.chainConfig, this.o.genesisValidatorsRoot, slot, this.o.profile);
  }

  onChange(listener: (digest: Uint8Array) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-checks the digest once per slot (cheap) so a boundary switches within a slot. */
  start(): void {
    const slotMs = (this.o.secondsPerSlot ?? 12) * 1000;
    this.timer = setInterval(() => this.check(), slotMs);
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
