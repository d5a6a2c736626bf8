// What the unauthenticated-by-default proof-engine API may add to the store: payloads whose slot lies
// in a window around the wall-clock slot and not below what finality already pruned, at most
// `maxPayloads` (and `maxBytes` of SSZ) registered through the API and not yet pruned. Every payload
// admitted here is stored at the slot checked here, so the finality prune takes it.
import { HttpError } from "../http/errors.ts";

/** The chain as the API sees it; the node builds it from the fork schedule and the follower. */
export interface ApiChainView {
  /** Wall-clock slot; undefined while the chain's genesis is not known yet. */
  currentSlot(): number | undefined;
  /** The slot an execution payload timestamp (unix seconds) falls in; undefined as above. */
  slotOfTimestamp(timestamp: number): number | undefined;
  /**
   * The store holds no payload below this slot: the slot of the last finality prune (0 before one).
   * Admitted payloads below it are forgotten by the admission count.
   */
  prunedBelow(): number;
}

export interface PayloadAdmissionOpts {
  /** Slots a payload may lie ahead of the wall-clock slot (clock skew, early blocks). */
  maxSlotsAhead: number;
  /** Slots a payload may lie behind the wall-clock slot. */
  maxSlotsBehind: number;
  /** Payloads registered through the API and not yet pruned; more are refused with 429. */
  maxPayloads: number;
  /** Their SSZ bytes together; more are refused with 429. */
  maxBytes: number;
}

export const defaultPayloadAdmissionOpts: PayloadAdmissionOpts = {
  maxSlotsAhead: 2,
  maxSlotsBehind: 64,
  maxPayloads: 256,
  maxBytes: 256 * 1024 * 1024,
};

/** Owns the count of API-registered payloads; the two POST handlers ask it before registering. */
export class PayloadAdmission {
  private readonly opts: PayloadAdmissionOpts;
  private readonly chain: ApiChainView;
  /** Payload root (hex) → slot and size, for payloads admitted and not yet pruned. */
  private readonly admitted = new Map<string, { slot: number; bytes: number }>();
  private bytes = 0;

  constructor(opts: Partial<PayloadAdmissionOpts>, chain: ApiChainView) {
    this.opts = { ...defaultPayloadAdmissionOpts, ...opts };
    this.chain = chain;
  }

  /** Payloads (and bytes) counted now, after forgetting the pruned ones. */
  usage(): { payloads: number; bytes: number } {
    this.forgetPruned();
    return { payloads: this.admitted.size, bytes: this.bytes };
  }

  /**
   * The slot the payload is registered at, or an HttpError: 503 before genesis is known, 400 for a
   * slot outside the window (or a `?slot=` that contradicts the timestamp), 429 over the count.
   */
  admit(rootHex: string, timestamp: number | bigint, claimedSlot: number | undefined, bytes: number): number {
    const current = this.chain.currentSlot();
    if (current === undefined) {
      throw HttpError.unavailable("the chain's genesis is not known yet: payloads are accepted once it is");
    }
    const slot = this.slotOf(timestamp);
    if (claimedSlot !== undefined && claimedSlot !== slot) {
      throw HttpError.badRequest(
        `slot ${claimedSlot} does not match the payload timestamp ${timestamp} (slot ${slot})`,
      );
    }
    if (slot > current + this.opts.maxSlotsAhead) {
      throw HttpError.badRequest(
        `payload timestamp ${timestamp} is slot ${slot}, more than ${this.opts.maxSlotsAhead} slots after the current slot ${current}`,
      );
    }
    const floor = Math.max(this.chain.prunedBelow(), current - this.opts.maxSlotsBehind);
    if (slot < floor) {
      throw HttpError.badRequest(
        `payload timestamp ${timestamp} is slot ${slot}, before slot ${floor} (finalized and pruned, or more than ${this.opts.maxSlotsBehind} slots before the current slot ${current})`,
      );
    }
    this.forgetPruned();
    if (this.admitted.has(rootHex)) return slot;
    if (this.admitted.size >= this.opts.maxPayloads) {
      throw new HttpError(
        429,
        `${this.admitted.size} payloads registered through the API wait for finality (limit ${this.opts.maxPayloads})`,
      );
    }
    if (this.bytes + bytes > this.opts.maxBytes) {
      throw new HttpError(
        429,
        `payloads registered through the API and not yet finalized hold ${this.bytes} bytes (limit ${this.opts.maxBytes})`,
      );
    }
    this.admitted.set(rootHex, { slot, bytes });
    this.bytes += bytes;
    return slot;
  }

  /** Forgets a payload the service refused after admission (nothing was stored for it). */
  release(rootHex: string): void {
    const entry = this.admitted.get(rootHex);
    if (!entry) return;
    this.admitted.delete(rootHex);
    this.bytes -= entry.bytes;
  }

  private slotOf(timestamp: number | bigint): number {
    // Far beyond any real slot: clamped, the window check refuses it all the same.
    const ts = Math.min(Number(timestamp), Number.MAX_SAFE_INTEGER);
    const slot = this.chain.slotOfTimestamp(ts);
    if (slot === undefined) {
      throw HttpError.unavailable("the chain's genesis is not known yet: payloads are accepted once it is");
    }
    return slot;
  }

  private forgetPruned(): void {
    const below = this.chain.prunedBelow();
    for (const [hex, e] of this.admitted) {
      if (e.slot < below) {
        this.admitted.delete(hex);
        this.bytes -= e.bytes;
      }
    }
  }
}
