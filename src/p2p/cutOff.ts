// Peers cut off for flooding (issue 18): under the graylist threshold, by our own estimate or by
// gossipsub's score. For the ban period a cut peer's reconnects are refused by the connection gater
// right after the noise handshake names it (before any stream, identify or gossip), we never dial it,
// and RPCs it got in before the hang-up took effect are dropped before gossipsub decodes a message
// (no snappy decompression, no message-id hash, no validation).
//
// A banned peer's reconnect still costs a noise handshake before the gater learns its id, and fresh
// peer ids get past a ban by id: each costs a handshake, identify (two secp256k1 verifications) and
// the messages read before its cut. When `sybil.cuts` such offences (cuts, refused reconnects of
// banned peers) came from one IP within `sybil.windowMs`, new inbound connections from that IP are
// accepted at most once per `sybil.intervalMs` (refused at TCP accept, before any crypto); each
// further offence while throttled doubles that interval, up to `sybil.maxIntervalMs`, until the
// offences stop for a window. Peers already connected from that IP are not touched, and honest peers
// never offend.
import type { Clock } from "../util/clock.ts";
import { BoundedMap } from "./boundedSet.ts";

export interface CutOffStats {
  /** Peers cut off since start. */
  cutOff: number;
  /** Connections (inbound or outbound) refused because the peer is cut off. */
  refusedConnections: number;
  /** RPCs and messages from a cut-off peer dropped unread. */
  droppedUnread: number;
  /** Inbound connections refused at accept from an IP whose peers keep being cut (fresh ids). */
  throttledConnections: number;
}

export interface SybilThrottleOpts {
  /** Peers cut from one IP within `windowMs` that start the throttle. */
  cuts: number;
  windowMs: number;
  /** While throttled: at most one inbound connection from the IP per this long (at first). */
  intervalMs: number;
  /** The interval doubles with each offence while throttled, up to this. */
  maxIntervalMs: number;
}

export const defaultSybilThrottle: SybilThrottleOpts = {
  cuts: 3,
  windowMs: 60_000,
  intervalMs: 1_000,
  maxIntervalMs: 16_000,
};

interface IpRecord {
  /** Times of its latest offences (at most `sybil.cuts`). */
  cuts: number[];
  /** When an inbound connection from it was last let in while throttled. */
  lastInbound: number;
  /** Offences while throttled: the interval is intervalMs × 2^level. */
  level: number;
}

/** The IP of a multiaddr (`/ip4/…` or `/ip6/…`), if it has one. */
export function ipOf(addr: string): string | undefined {
  return /^\/ip[46]\/([^/]+)/.exec(addr)?.[1];
}

export class CutOffPeers {
  private readonly clock: Clock;
  private readonly banMs: number;
  /** peer id → when it was cut; oldest forgotten beyond the cap. */
  private readonly at: BoundedMap<string, number>;
  private readonly sybil: SybilThrottleOpts;
  private readonly byIp: BoundedMap<string, IpRecord>;
  readonly stats: CutOffStats = {
    cutOff: 0,
    refusedConnections: 0,
    droppedUnread: 0,
    throttledConnections: 0,
  };

  constructor(clock: Clock, banMs: number, maxPeers = 4096, sybil: SybilThrottleOpts = defaultSybilThrottle) {
    this.clock = clock;
    this.banMs = banMs;
    this.at = new BoundedMap(maxPeers);
    this.byIp = new BoundedMap(maxPeers);
    this.sybil = sybil;
  }

  /** Starts (or restarts) the ban of `peer` (connected from `ip`); false if it was already banned. */
  cut(peer: string, ip?: string): boolean {
    const was = this.isCut(peer);
    const now = this.clock.now();
    this.at.set(peer, now);
    if (was) return false;
    this.stats.cutOff++;
    this.offence(ip, now);
    return true;
  }

  /** A cut, or a banned peer's reconnect, from `ip`: counts towards throttling the IP. */
  private offence(ip: string | undefined, now: number): void {
    if (ip === undefined) return;
    const entry = this.byIp.get(ip) ?? { cuts: [], lastInbound: 0, level: 0 };
    entry.level = this.throttled(entry, now) ? entry.level + 1 : 0;
    entry.cuts.push(now);
    if (entry.cuts.length > this.sybil.cuts) entry.cuts.shift();
    this.byIp.set(ip, entry);
  }

  private throttled(entry: IpRecord, now: number): boolean {
    return entry.cuts.length >= this.sybil.cuts && now - (entry.cuts[0] ?? 0) <= this.sybil.windowMs;
  }

  /** For the connection gater at TCP accept: true (deny) when `ip` is throttled and was let in lately. */
  throttleInbound(ip: string | undefined): boolean {
    if (ip === undefined) return false;
    const entry = this.byIp.get(ip);
    const now = this.clock.now();
    if (!entry || !this.throttled(entry, now)) return false;
    const interval = Math.min(this.sybil.maxIntervalMs, this.sybil.intervalMs * 2 ** entry.level);
    if (now - entry.lastInbound < interval) {
      this.stats.throttledConnections++;
      return true;
    }
    entry.lastInbound = now;
    return false;
  }

  isCut(peer: string): boolean {
    const t = this.at.get(peer);
    if (t === undefined) return false;
    if (this.clock.now() - t < this.banMs) return true;
    this.at.delete(peer);
    return false;
  }

  /** For the connection gater: true (deny) for a banned peer, counted (and its IP's offence). */
  refuseConnection(peer: string, ip?: string): boolean {
    if (!this.isCut(peer)) return false;
    this.stats.refusedConnections++;
    this.offence(ip, this.clock.now());
    return true;
  }

  /** For gossipsub's RPC intake: false (drop unread) for a banned peer, counted. */
  acceptRpc(peer: string): boolean {
    if (!this.isCut(peer)) return true;
    this.stats.droppedUnread++;
    return false;
  }
}
