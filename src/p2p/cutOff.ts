// Peers cut off for flooding (issue 18): under the graylist threshold, by our own estimate or by
// gossipsub's score. For the ban period a cut peer's reconnects are refused by the connection gater
// right after the noise handshake names it (before any stream, identify or gossip), we never dial it,
// and RPCs it got in before the hang-up took effect are dropped before gossipsub decodes a message
// (no snappy decompression, no message-id hash, no validation).
import type { Clock } from "../util/clock.ts";
import { BoundedMap } from "./boundedSet.ts";

export interface CutOffStats {
  /** Peers cut off since start. */
  cutOff: number;
  /** Connections (inbound or outbound) refused because the peer is cut off. */
  refusedConnections: number;
  /** RPCs and messages from a cut-off peer dropped unread. */
  droppedUnread: number;
}

export class CutOffPeers {
  private readonly clock: Clock;
  private readonly banMs: number;
  /** peer id → when it was cut; oldest forgotten beyond the cap. */
  private readonly at: BoundedMap<string, number>;
  readonly stats: CutOffStats = { cutOff: 0, refusedConnections: 0, droppedUnread: 0 };

  constructor(clock: Clock, banMs: number, maxPeers = 4096) {
    this.clock = clock;
    this.banMs = banMs;
    this.at = new BoundedMap(maxPeers);
  }

  /** Starts (or restarts) the ban of `peer`; false if it was already banned. */
  cut(peer: string): boolean {
    const was = this.isCut(peer);
    this.at.set(peer, this.clock.now());
    if (!was) this.stats.cutOff++;
    return !was;
  }

  isCut(peer: string): boolean {
    const t = this.at.get(peer);
    if (t === undefined) return false;
    if (this.clock.now() - t < this.banMs) return true;
    this.at.delete(peer);
    return false;
  }

  /** For the connection gater: true (deny) for a banned peer, counted. */
  refuseConnection(peer: string): boolean {
    if (!this.isCut(peer)) return false;
    this.stats.refusedConnections++;
    return true;
  }

  /** For gossipsub's RPC intake: false (drop unread) for a banned peer, counted. */
  acceptRpc(peer: string): boolean {
    if (!this.isCut(peer)) return true;
    this.stats.droppedUnread++;
    return false;
  }
}
