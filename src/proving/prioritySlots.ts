// A bounded number of concurrent slots with a priority queue: the proof service runs at most N witness
// fetches at once, highest priority (newest slot) first. A catch-up after a restart or an outage hands
// over dozens of blocks together; fetched all at once they hammer the execution client and time out
// together, so none is proved.
import { EproofError } from "../util/errors.ts";

interface Waiter {
  priority: number;
  seq: number;
  grant: () => void;
}

export class PrioritySlots {
  private readonly limit: number;
  private active = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bad slot limit ${limit}`);
    this.limit = limit;
  }

  /** Slots in use. */
  get running(): number {
    return this.active;
  }

  /** Callers waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with the release function once a slot is free (higher `priority` first, then first come);
   * rejects when `signal` aborts while waiting. Release is idempotent.
   */
  acquire(priority: number, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.active--;
        this.next();
      };
      const waiter: Waiter = {
        priority,
        seq: this.seq++,
        grant: () => {
          signal?.removeEventListener("abort", onAbort);
          this.active++;
          resolve(release);
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortReason(signal));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(waiter);
      this.next();
    });
  }

  private next(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        const w = this.waiting[i];
        const b = this.waiting[best];
        if (w && b && (w.priority > b.priority || (w.priority === b.priority && w.seq < b.seq))) best = i;
      }
      const [w] = this.waiting.splice(best, 1);
      w?.grant();
    }
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  return signal?.reason ?? new EproofError("INTERNAL", "aborted while waiting for a slot");
}
