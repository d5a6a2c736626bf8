// The capacity simulation: blocks arrive every slot, each cluster proves one block at a time and a
// started prove keeps its cluster busy to completion; optional hedging on a second cluster. Pure.
import { EproofError } from "../util/errors.ts";
import { seededRandom } from "../util/random.ts";
import { quantile } from "./provingData.ts";

export interface SimBlock {
  gasUsed: number;
  /** Proving time on one cluster; undefined when the run crashed. */
  provingMs: number | undefined;
}

export interface SimulationOptions {
  clusters: number;
  /** A block counts as covered when proved within this many ms of its arrival. */
  deadlineMs: number;
  /** Time between blocks (one slot). */
  intervalMs: number;
  /** Start a second copy on a free cluster when the first is predicted to miss the deadline. */
  hedge: boolean;
  /** Predicted proving time for a block's gas, used for hedging decisions (the seed model). */
  predictMs: (gasUsed: number) => number;
  /** How long a crashed run holds its cluster before failing. */
  crashBusyMs: number;
  /** Run-to-run spread: each copy's time is multiplied by exp(jitter × N(0,1)); 0 = the data as is. */
  jitter?: number;
  seed?: number;
}

export interface LatencySummary {
  coverage: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

export interface SimulationResult extends LatencySummary {
  blocks: number;
  /** Blocks with at least one successful copy (on time or late). */
  proved: number;
  onTime: number;
  /** Blocks never started: every cluster stayed busy until their deadline passed. */
  dropped: number;
  /** Blocks whose every started copy crashed. */
  crashed: number;
  hedges: number;
  /** Share of cluster time spent proving (incl. copies whose result was not needed). */
  utilization: number;
}

interface BlockState {
  arrival: number;
  gasUsed: number;
  provingMs: number | undefined;
  copies: number;
  startedAt: number;
  done: number;
}

interface ClusterState {
  busyUntil: number;
  block: BlockState | undefined;
  ok: boolean;
}

export function simulate(blocks: readonly SimBlock[], opts: SimulationOptions): SimulationResult {
  if (!Number.isInteger(opts.clusters) || opts.clusters < 1) {
    throw new EproofError("BAD_INPUT", `clusters must be a positive integer, got ${opts.clusters}`);
  }
  if (!(opts.deadlineMs > 0) || !(opts.intervalMs > 0)) {
    throw new EproofError("BAD_INPUT", "deadline and block interval must be positive");
  }
  if (blocks.length === 0) throw new EproofError("BAD_INPUT", "no blocks to simulate");
  const rand = seededRandom(opts.seed ?? 1);
  const jitter = opts.jitter ?? 0;
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const states: BlockState[] = blocks.map((b, i) => ({
    arrival: i * opts.intervalMs,
    gasUsed: b.gasUsed,
    provingMs: b.provingMs,
    copies: 0,
    startedAt: Number.NaN,
    done: Number.POSITIVE_INFINITY,
  }));
  const clusters: ClusterState[] = Array.from({ length: opts.clusters }, () => ({
    busyUntil: 0,
    block: undefined,
    ok: false,
  }));
  const waiting: BlockState[] = [];
  let nextArrival = 0;
  let busyMs = 0;
  let hedges = 0;
  let dropped = 0;

  const start = (c: ClusterState, b: BlockState, now: number) => {
    const ms =
      b.provingMs === undefined
        ? opts.crashBusyMs
        : b.provingMs * (jitter > 0 ? Math.exp(jitter * gauss()) : 1);
    c.busyUntil = now + ms;
    c.block = b;
    c.ok = b.provingMs !== undefined;
    busyMs += ms;
    if (b.copies === 0) b.startedAt = now;
    else hedges++;
    b.copies++;
  };

  for (;;) {
    const running = clusters.filter((c) => c.block !== undefined);
    const nextFinish = Math.min(...running.map((c) => c.busyUntil));
    const arrivalTime = nextArrival < states.length ? (states[nextArrival]?.arrival ?? Infinity) : Infinity;
    const now = Math.min(nextFinish, arrivalTime);
    if (now === Infinity) break;
    for (const c of running) {
      if (c.busyUntil <= now && c.block) {
        if (c.ok) c.block.done = Math.min(c.block.done, c.busyUntil);
        c.block = undefined;
      }
    }
    while (nextArrival < states.length && (states[nextArrival]?.arrival ?? Infinity) <= now) {
      const b = states[nextArrival++];
      if (b) waiting.push(b);
    }
    // Work that can no longer meet its deadline is stale: a real scheduler drops it.
    for (let i = waiting.length - 1; i >= 0; i--) {
      const b = waiting[i];
      if (b && b.arrival + opts.deadlineMs <= now) {
        waiting.splice(i, 1);
        dropped++;
      }
    }
    for (const c of clusters) {
      if (c.block) continue;
      // Newest block first: the head of the chain matters most.
      const next = waiting.pop();
      if (next) {
        start(c, next, now);
        continue;
      }
      // Hedge only while another cluster stays idle for the next block: a hedge must not cause a drop.
      if (!opts.hedge || clusters.filter((o) => o.block === undefined).length < 2) continue;
      const candidate = clusters
        .map((o) => o.block)
        .find(
          (b): b is BlockState =>
            b !== undefined &&
            b.copies === 1 &&
            b.done === Infinity &&
            now < b.arrival + opts.deadlineMs &&
            b.startedAt + opts.predictMs(b.gasUsed) > b.arrival + opts.deadlineMs,
        );
      if (candidate) start(c, candidate, now);
    }
  }

  const latencies = states
    .filter((b) => b.done !== Infinity)
    .map((b) => b.done - b.arrival)
    .sort((a, b) => a - b);
  const onTime = latencies.filter((l) => l <= opts.deadlineMs).length;
  const crashed = states.filter((b) => b.copies > 0 && b.done === Infinity).length;
  const span = Math.max(...clusters.map((c) => c.busyUntil), states.length * opts.intervalMs);
  return {
    blocks: states.length,
    proved: latencies.length,
    onTime,
    dropped,
    crashed,
    hedges,
    coverage: onTime / states.length,
    p50Ms: quantile(latencies, 0.5),
    p90Ms: quantile(latencies, 0.9),
    p99Ms: quantile(latencies, 0.99),
    utilization: busyMs / (span * opts.clusters),
  };
}

/** The data's own view: every block proved alone on an idle cluster (crashes are misses). */
export function isolatedSummary(blocks: readonly SimBlock[], deadlineMs: number): LatencySummary {
  const times = blocks
    .map((b) => b.provingMs)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  return {
    coverage: blocks.length ? times.filter((t) => t <= deadlineMs).length / blocks.length : 0,
    p50Ms: quantile(times, 0.5),
    p90Ms: quantile(times, 0.9),
    p99Ms: quantile(times, 0.99),
  };
}
