// Rolling coverage: of the last N canonical blocks, how many had a proof ready within the deadline.
// The EF's real-time target is >= 99% of blocks proved within 10 s; this is the number to watch.

/**
 * How a block this node proves ended: in_time (a proof ready within the deadline), late (ready after
 * it), missed (no proof) or orphaned (a reorg dropped the block first; not counted in the coverage).
 */
export type BlockOutcome = "in_time" | "late" | "missed" | "orphaned";

/** The outcomes the coverage counts: orphaned blocks are not on the chain, so they are left out. */
export type CountedOutcome = Exclude<BlockOutcome, "orphaned">;

export class RollingCoverage {
  readonly window: number;
  private readonly ring: CountedOutcome[] = [];
  private next = 0;

  constructor(window: number) {
    if (!Number.isInteger(window) || window < 1)
      throw new RangeError(`coverage window must be >= 1, got ${window}`);
    this.window = window;
  }

  record(outcome: BlockOutcome): void {
    if (outcome === "orphaned") return;
    if (this.ring.length < this.window) {
      this.ring.push(outcome);
      return;
    }
    this.ring[this.next] = outcome;
    this.next = (this.next + 1) % this.window;
  }

  /** Blocks currently counted (at most `window`). */
  get size(): number {
    return this.ring.length;
  }

  get inTime(): number {
    let n = 0;
    for (const o of this.ring) if (o === "in_time") n++;
    return n;
  }

  /** in-time / counted, or undefined before any block was seen (no data is not 0% coverage). */
  ratio(): number | undefined {
    return this.ring.length === 0 ? undefined : this.inTime / this.ring.length;
  }
}
