// Per-call deadlines on the injected clock, so request timeouts also run on simulated time in tests.
import type { Clock } from "../util/clock.ts";

export interface Deadline {
  /** Aborts when the deadline passes or the outer signal aborts. */
  signal: AbortSignal;
  timedOut(): boolean;
  /** Stops the timer; call in `finally`. */
  clear(): void;
}

export function startDeadline(clock: Clock, ms: number, outer?: AbortSignal): Deadline {
  const ctrl = new AbortController();
  const stopTimer = new AbortController();
  let expired = false;
  clock.sleep(ms, stopTimer.signal).then(
    () => {
      expired = true;
      ctrl.abort(new Error(`deadline of ${ms} ms passed`));
    },
    () => {},
  );
  const onOuter = () => ctrl.abort(outer?.reason);
  if (outer?.aborted) ctrl.abort(outer.reason);
  else outer?.addEventListener("abort", onOuter, { once: true });
  return {
    signal: ctrl.signal,
    timedOut: () => expired,
    clear: () => {
      stopTimer.abort();
      outer?.removeEventListener("abort", onOuter);
    },
  };
}
