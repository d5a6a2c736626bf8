// What the live dashboard shows: a bounded ring of recent slots (stage timings, proof types, who
// verified), peer counts and GPU power over time. The daemon feeds it; the HTTP handlers read
// snapshots and push them to browsers on change.
import { type Clock, systemClock } from "../util/clock.ts";

export interface DashboardBlockInput {
  slot: number;
  blockHash: string;
  gasUsed: number | bigint;
  txs: number;
  /**
   * ms per stage; the page stacks npr, witness, input, queue, prove, sign, publish in that order
   * (see dashboardBlockFromSummary) and draws any remainder up to provedMs in grey.
   */
  stages: Readonly<Record<string, number | null | undefined>>;
  /** Block seen -> first proof ready, or null when no proof came. */
  provedMs: number | null;
  proofTypes: readonly string[];
  /** Peers (or local verifier) that verified this block's proofs. */
  verifiedBy: number;
  /** False when this node does not prove (verify-only): the slot is drawn grey and not counted. */
  proving?: boolean;
  /** A reorg dropped the block: drawn with its own marker and not counted in the coverage. */
  orphaned?: boolean;
}

export interface DashboardBlock {
  slot: number;
  blockHash: string;
  gasUsed: number;
  txs: number;
  stages: Record<string, number>;
  provedMs: number | null;
  proofTypes: string[];
  verifiedBy: number;
  /**
   * in_time: a proof ready within the budget, late after it, missed without a proof, orphaned when a
   * reorg dropped the block; not_proving on verify-only nodes.
   */
  outcome: "in_time" | "late" | "missed" | "orphaned" | "not_proving";
}

export interface DashboardGpu {
  gpu: string;
  model: string;
  powerWatts: number;
  /** 0..1 */
  utilization: number;
  temperatureCelsius: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
}

export interface TimePoint {
  at: number;
  value: number;
}

export interface DashboardSnapshot {
  generatedAt: number;
  budgetMs: number;
  slots: DashboardBlock[];
  coverage: { blocks: number; inTime: number; ratio: number | null };
  latency: { p50: number | null; p90: number | null; max: number | null };
  proofTypes: Record<string, number>;
  peers: { current: number; proofAware: number | null; history: TimePoint[] };
  gpus: DashboardGpu[];
  power: { currentWatts: number; targetWatts: number; history: TimePoint[] };
}

export interface DashboardStateOpts {
  /** Slots kept in the ring. */
  maxSlots?: number;
  /** The real-time budget drawn on the timeline (ms). */
  budgetMs?: number;
  /** Points kept for the peers and power charts. */
  historyPoints?: number;
  /** Fleet power target drawn on the power chart (W). */
  powerTargetWatts?: number;
  clock?: Clock;
}

export const defaultDashboardStateOpts = {
  maxSlots: 64,
  budgetMs: 10_000,
  historyPoints: 240,
  powerTargetWatts: 10_000,
};

export type DashboardListener = () => void;

export class DashboardState {
  private readonly maxSlots: number;
  private readonly budgetMs: number;
  private readonly historyPoints: number;
  private readonly powerTargetWatts: number;
  private readonly clock: Clock;
  /** Kept sorted by slot; a re-recorded slot (reorg, late proof) replaces its entry. */
  private slots: DashboardBlock[] = [];
  private peersNow = 0;
  private proofAware: number | null = null;
  private readonly peerHistory: TimePoint[] = [];
  private gpus = new Map<string, DashboardGpu>();
  private readonly powerHistory: TimePoint[] = [];
  private readonly listeners = new Set<DashboardListener>();

  constructor(opts: DashboardStateOpts = {}) {
    this.maxSlots = opts.maxSlots ?? defaultDashboardStateOpts.maxSlots;
    this.budgetMs = opts.budgetMs ?? defaultDashboardStateOpts.budgetMs;
    this.historyPoints = opts.historyPoints ?? defaultDashboardStateOpts.historyPoints;
    this.powerTargetWatts = opts.powerTargetWatts ?? defaultDashboardStateOpts.powerTargetWatts;
    this.clock = opts.clock ?? systemClock;
  }

  recordBlock(input: DashboardBlockInput): void {
    const stages: Record<string, number> = {};
    for (const [name, ms] of Object.entries(input.stages)) {
      if (typeof ms === "number" && Number.isFinite(ms) && ms >= 0) stages[name] = ms;
    }
    const provedMs = input.provedMs !== null && Number.isFinite(input.provedMs) ? input.provedMs : null;
    const block: DashboardBlock = {
      slot: input.slot,
      blockHash: input.blockHash,
      gasUsed: Number(input.gasUsed),
      txs: input.txs,
      stages,
      provedMs,
      proofTypes: [...input.proofTypes],
      verifiedBy: input.verifiedBy,
      outcome: input.orphaned
        ? "orphaned"
        : provedMs === null
          ? input.proving === false
            ? "not_proving"
            : "missed"
          : provedMs <= this.budgetMs
            ? "in_time"
            : "late",
    };
    const at = this.slots.findIndex((b) => b.slot >= block.slot);
    if (at === -1) this.slots.push(block);
    else if (this.slots[at]?.slot === block.slot) this.slots[at] = block;
    else this.slots.splice(at, 0, block);
    if (this.slots.length > this.maxSlots) this.slots.splice(0, this.slots.length - this.maxSlots);
    this.changed();
  }

  recordPeers(n: number, proofAware?: number): void {
    this.peersNow = n;
    if (proofAware !== undefined) this.proofAware = proofAware;
    pushBounded(this.peerHistory, { at: this.clock.now(), value: n }, this.historyPoints);
    this.changed();
  }

  /** One telemetry round for every GPU (replaces the previous set). */
  recordGpu(samples: readonly DashboardGpu[]): void {
    this.gpus = new Map(samples.map((s) => [s.gpu, { ...s }]));
    pushBounded(this.powerHistory, { at: this.clock.now(), value: this.currentWatts() }, this.historyPoints);
    this.changed();
  }

  /**
   * One GPU's reading (samplers that report GPU by GPU). Readings within a second share one point of
   * the power chart, so a round over many GPUs adds one point, not one per GPU.
   */
  upsertGpu(sample: DashboardGpu): void {
    this.gpus.set(sample.gpu, { ...sample });
    const now = this.clock.now();
    const last = this.powerHistory[this.powerHistory.length - 1];
    if (last !== undefined && now - last.at < 1_000) last.value = this.currentWatts();
    else pushBounded(this.powerHistory, { at: now, value: this.currentWatts() }, this.historyPoints);
    this.changed();
  }

  snapshot(): DashboardSnapshot {
    const slots = this.slots.map((b) => ({ ...b, stages: { ...b.stages }, proofTypes: [...b.proofTypes] }));
    const counted = slots.filter((b) => b.outcome !== "not_proving" && b.outcome !== "orphaned");
    const inTime = counted.filter((b) => b.outcome === "in_time").length;
    const proved = slots.flatMap((b) => (b.provedMs === null ? [] : [b.provedMs])).sort((a, b) => a - b);
    const proofTypes: Record<string, number> = {};
    for (const b of slots) for (const t of b.proofTypes) proofTypes[t] = (proofTypes[t] ?? 0) + 1;
    return {
      generatedAt: this.clock.now(),
      budgetMs: this.budgetMs,
      slots,
      coverage: {
        blocks: counted.length,
        inTime,
        ratio: counted.length === 0 ? null : inTime / counted.length,
      },
      latency: {
        p50: quantile(proved, 0.5),
        p90: quantile(proved, 0.9),
        max: proved.length === 0 ? null : (proved[proved.length - 1] ?? null),
      },
      proofTypes,
      peers: { current: this.peersNow, proofAware: this.proofAware, history: [...this.peerHistory] },
      gpus: [...this.gpus.values()].map((g) => ({ ...g })),
      power: {
        currentWatts: this.currentWatts(),
        targetWatts: this.powerTargetWatts,
        history: [...this.powerHistory],
      },
    };
  }

  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: DashboardListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private currentWatts(): number {
    let w = 0;
    for (const g of this.gpus.values()) w += g.powerWatts;
    return w;
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

function pushBounded<T>(ring: T[], item: T, max: number): void {
  ring.push(item);
  if (ring.length > max) ring.splice(0, ring.length - max);
}

/** Nearest-rank quantile of sorted values. */
function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] ?? null;
}
