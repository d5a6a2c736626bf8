// Wall-clock time a test can step forward: now() is Date.now() plus the steps taken, and a sleep ends
// on a real timer or as soon as a step carries the time past its end, whichever comes first. For a
// whole running node (sync polls, gossip queue expiry) where only one long wait must not be sat out.
import type { Clock } from "../../src/util/clock.ts";

interface Sleeper {
  at: number;
  wake: () => void;
}

export class SteppedClock implements Clock {
  private offset = 0;
  private readonly sleepers = new Set<Sleeper>();

  now(): number {
    return Date.now() + this.offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const sleeper: Sleeper = {
        at: this.now() + Math.max(0, ms),
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        this.sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.sleepers.add(sleeper);
    });
  }

  /** Moves time forward by `ms`; every sleep that ends by then wakes now. */
  step(ms: number): void {
    this.offset += ms;
    const now = this.now();
    for (const s of [...this.sleepers]) if (s.at <= now) s.wake();
  }
}
