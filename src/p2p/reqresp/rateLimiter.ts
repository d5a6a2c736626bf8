// Per-peer token buckets for req/resp: a peer gets `perMinute` requests, refilled continuously.
import { BoundedMap } from "../boundedSet.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export class PeerRateLimiter {
  private readonly perMinute: number;
  private readonly buckets: BoundedMap<string, Bucket>;
  private readonly now: () => number;

  constructor(perMinute: number, now: () => number, maxPeers = 4096) {
    this.perMinute = Math.max(1, perMinute);
    this.buckets = new BoundedMap(maxPeers);
    this.now = now;
  }

  /** Takes one token for `key` (peer + protocol); false when the peer is over its rate. */
  allow(key: string): boolean {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    const refill = ((now - bucket.at) / 60_000) * this.perMinute;
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + refill);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.buckets.set(key, bucket);
      return false;
    }
    bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return true;
  }
}
