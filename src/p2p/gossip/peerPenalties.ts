// What IGNOREs cost a peer: gossipsub penalizes only REJECTs, so a peer could keep the pending queue
// full with envelopes for blocks that never come (or send junk envelopes for blocks already proved,
// each IGNOREd before its signature is checked) for free. Each such IGNORE adds units to the peer's
// tally, which decays exponentially; gossipsub reads it as the app-specific score (P5), so a flooding
// peer falls under the graylist threshold while an honest peer that forwarded proofs for a block this
// node was late to see loses only a little for a few minutes.
import type { Clock } from "../../util/clock.ts";

export interface PeerPenaltyOpts {
  /** Score points per unit (gossipsub's appSpecificWeight is 1). */
  pointsPerUnit: number;
  /** The tally halves over this long. */
  halfLifeMs: number;
  /** Peers tracked; beyond it the least recently penalized are forgotten. */
  maxPeers: number;
}

/**
 * Units per IGNORE kind. A proof that waited for its block and never resolved (expired, over the
 * peer's quota) costs 1; a dedup IGNORE (valid proof already received, already seen, not first from
 * the validator) costs 0.02, since honest peers send some (another prover's proof of the same type).
 */
export const PENALTY_UNITS = { unresolved: 1, overQuota: 1, duplicate: 0.02 } as const;

export const defaultPeerPenaltyOpts: PeerPenaltyOpts = {
  // 800 unresolved IGNOREs reach the graylist threshold (−16000), 200 the gossip threshold (−4000).
  pointsPerUnit: 20,
  halfLifeMs: 120_000,
  maxPeers: 4096,
};

export class PeerPenalties {
  private readonly opts: PeerPenaltyOpts;
  private readonly clock: Clock;
  private readonly tally = new Map<string, { units: number; at: number }>();

  constructor(clock: Clock, opts: Partial<PeerPenaltyOpts> = {}) {
    this.clock = clock;
    this.opts = { ...defaultPeerPenaltyOpts, ...opts };
  }

  private decayed(entry: { units: number; at: number }, now: number): number {
    const dt = Math.max(0, now - entry.at);
    return entry.units * 0.5 ** (dt / this.opts.halfLifeMs);
  }

  add(peer: string, units: number): void {
    const now = this.clock.now();
    const entry = this.tally.get(peer);
    const units0 = entry ? this.decayed(entry, now) : 0;
    this.tally.delete(peer);
    this.tally.set(peer, { units: units0 + units, at: now });
    while (this.tally.size > this.opts.maxPeers) {
      const oldest = this.tally.keys().next();
      if (oldest.done) break;
      this.tally.delete(oldest.value);
    }
  }

  /** Current units of `peer` (decayed). */
  units(peer: string): number {
    const entry = this.tally.get(peer);
    return entry ? this.decayed(entry, this.clock.now()) : 0;
  }

  /** gossipsub's appSpecificScore: zero or negative. */
  score(peer: string): number {
    const u = this.units(peer);
    return u === 0 ? 0 : -u * this.opts.pointsPerUnit;
  }
}
