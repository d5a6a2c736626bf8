// One info line per block: BlockTimeline collects the stage timestamps of each block (keyed by its
// NewPayloadRequest root) and, once the block is settled (its proofs done or failed, orphaned, or the
// settle time passed), writes exactly one structured line and records the stage histograms.
// A block is timed from seen to its first proof *ready* (proved): that is what the coverage counts,
// with or without a signing key. Signing and publishing are stages after it.
// Repeated or out-of-order stage calls keep the earliest timestamp; calls after settling are ignored.

import type { PayloadEvent } from "../beacon/interface.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type { BlockOutcome } from "./coverage.ts";
import type { StageName } from "./eproofMetrics.ts";

/** Moments in a block's life, in pipeline order. */
export type TimelineStage =
  | "seen"
  | "npr"
  | "witness"
  | "input"
  | "requested"
  | "proved"
  | "signed"
  | "published";

export interface TimelineBlockInfo {
  slot: number;
  /** Execution block hash (hex) or bytes. */
  blockHash: string | Uint8Array;
  gasUsed: number | bigint;
  txs: number;
  /** When the block was first seen (ms clock time). */
  seenAt: number;
  /**
   * Proof types this node will produce; the block settles when each is done (published, or ready on a
   * node that does not publish) or failed. An empty list means this node does not prove the block (verify-only): it is logged but kept out of
   * the coverage numbers.
   */
  proofTypes?: readonly string[];
}

export interface BlockSummary {
  root: string;
  slot: number;
  block: string;
  gas: number;
  txs: number;
  /** ms spent in each stage; null when a stage was never reached. */
  npr_ms: number | null;
  witness_ms: number | null;
  input_ms: number | null;
  queue_ms: number | null;
  prove_ms: number | null;
  sign_ms: number | null;
  publish_ms: number | null;
  /** Seen -> first proof ready (proved). */
  total_ms: number | null;
  /** Deadline minus total (negative: late). */
  margin_ms: number | null;
  /** Proof types proved (ready) for this block. */
  proofTypes: string[];
  /** Proof types signed and published (empty on a node without a signing key). */
  published: string[];
  /** Proof types that failed, with the reason. */
  failed: Record<string, string>;
  /**
   * in_time / late: a proof was ready before / after the deadline (published or not); missed: no
   * proof; orphaned: a reorg dropped the block; not_proving: this node does not prove (verify-only).
   */
  outcome: BlockOutcome | "not_proving";
}

/** What the timeline records into; EproofMetrics satisfies it. */
export interface TimelineMetrics {
  recordStage(stage: StageName, ms: number): void;
  recordBlockOutcome(outcome: BlockOutcome, marginMs?: number): void;
}

export interface BlockTimelineOpts {
  logger: Logger;
  metrics?: TimelineMetrics;
  clock?: Clock;
  /** Real-time deadline after the block is seen (ms). */
  deadlineMs?: number;
  /** Settle (log) unfinished blocks this long after they were seen; >= deadline counts late proofs. */
  settleMs?: number;
  /** Blocks tracked at once; the oldest is settled early when exceeded. */
  maxOpen?: number;
  /** Settled roots remembered to ignore late calls. */
  maxSettled?: number;
  /**
   * Stages left to their own recorder, so none is counted twice. Default: npr_build, which the chain
   * follower records through ChainMetrics.recordStage (input_build too if the execution side starts
   * recording it there).
   */
  skipStages?: readonly StageName[];
  /** Called once per settled block (e.g. to feed the dashboard). */
  onSettled?: (summary: BlockSummary) => void;
  /**
   * Whether this node signs and publishes its proofs (default true). When false (no signing key) a
   * proof type is done once its proof is ready, and the block line says it was not published.
   */
  publishes?: boolean;
}

export const defaultBlockTimelineOpts = {
  deadlineMs: 10_000,
  maxOpen: 64,
  maxSettled: 512,
  skipStages: ["npr_build"] as readonly StageName[],
};

interface OpenBlock {
  info?: TimelineBlockInfo;
  marks: Partial<Record<TimelineStage, number>>;
  ready: Set<string>;
  published: Set<string>;
  failed: Map<string, string>;
  orphaned: boolean;
  /** First time anything was heard of the block, for settling blocks that never got `begin`. */
  firstAt: number;
}

export class BlockTimeline {
  private readonly logger: Logger;
  private readonly metrics: TimelineMetrics | undefined;
  private readonly clock: Clock;
  private readonly deadlineMs: number;
  private readonly settleMs: number;
  private readonly maxOpen: number;
  private readonly maxSettled: number;
  private readonly skipStages: ReadonlySet<StageName>;
  private readonly onSettled: ((summary: BlockSummary) => void) | undefined;
  private readonly publishes: boolean;
  private readonly open = new Map<string, OpenBlock>();
  private readonly settled = new Set<string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(opts: BlockTimelineOpts) {
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.clock = opts.clock ?? systemClock;
    this.deadlineMs = opts.deadlineMs ?? defaultBlockTimelineOpts.deadlineMs;
    this.settleMs = Math.max(opts.settleMs ?? this.deadlineMs, this.deadlineMs);
    this.maxOpen = opts.maxOpen ?? defaultBlockTimelineOpts.maxOpen;
    this.maxSettled = opts.maxSettled ?? defaultBlockTimelineOpts.maxSettled;
    this.skipStages = new Set(opts.skipStages ?? defaultBlockTimelineOpts.skipStages);
    this.onSettled = opts.onSettled;
    this.publishes = opts.publishes ?? true;
  }

  /** The block's identity and the proof types expected; also marks `seen` at info.seenAt. */
  begin(root: string | Uint8Array, info: TimelineBlockInfo): void {
    const entry = this.entry(root);
    if (entry === undefined) return;
    entry.info = info;
    this.setMark(entry, "seen", info.seenAt);
    this.sweep();
  }

  mark(root: string | Uint8Array, stage: TimelineStage, at: number = this.clock.now()): void {
    const entry = this.entry(root);
    if (entry === undefined) return;
    this.setMark(entry, stage, at);
    this.sweep();
  }

  /** A proof of `proofType` is ready (proved, stored): the moment the block's timing ends. */
  proofReady(root: string | Uint8Array, proofType: string, at: number = this.clock.now()): void {
    const key = rootKey(root);
    const entry = this.entry(key);
    if (entry === undefined) return;
    this.setMark(entry, "proved", at);
    entry.ready.add(proofType);
    entry.failed.delete(proofType);
    this.settleIfComplete(key, entry);
  }

  /** A proof of `proofType` was signed and published; the block settles once every expected type is done. */
  proofPublished(root: string | Uint8Array, proofType: string, at: number = this.clock.now()): void {
    const key = rootKey(root);
    const entry = this.entry(key);
    if (entry === undefined) return;
    this.setMark(entry, "published", at);
    entry.ready.add(proofType);
    entry.published.add(proofType);
    entry.failed.delete(proofType);
    this.settleIfComplete(key, entry);
  }

  /** A proof type failed for this block (witness/proving timeout, prover error, ...). */
  proofFailed(root: string | Uint8Array, proofType: string, reason: string): void {
    const key = rootKey(root);
    const entry = this.entry(key);
    if (entry === undefined) return;
    if (!entry.ready.has(proofType)) entry.failed.set(proofType, reason);
    this.settleIfComplete(key, entry);
  }

  /** A reorg dropped the block: it settles now as orphaned (kept out of the coverage). */
  orphaned(root: string | Uint8Array): void {
    const key = rootKey(root);
    const entry = this.entry(key);
    if (entry === undefined) return;
    entry.orphaned = true;
    this.settle(key, entry);
  }

  /** The whole block failed (e.g. no witness): settle now. */
  fail(root: string | Uint8Array, reason: string): void {
    const key = rootKey(root);
    const entry = this.entry(key);
    if (entry === undefined) return;
    entry.failed.set("*", reason);
    this.settle(key, entry);
  }

  /** Settles every block whose settle time passed; returns how many. */
  sweep(now: number = this.clock.now()): number {
    let n = 0;
    for (const [key, entry] of this.open) {
      const since = entry.marks.seen ?? entry.firstAt;
      if (now - since >= this.settleMs) {
        this.settle(key, entry);
        n++;
      }
    }
    return n;
  }

  /** Sweeps on a timer (unref'd, so it never keeps the process alive). */
  start(intervalMs = 500): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  get openBlocks(): number {
    return this.open.size;
  }

  private entry(root: string | Uint8Array): OpenBlock | undefined {
    const key = rootKey(root);
    if (this.settled.has(key)) return undefined;
    let entry = this.open.get(key);
    if (entry === undefined) {
      entry = {
        marks: {},
        ready: new Set(),
        published: new Set(),
        failed: new Map(),
        orphaned: false,
        firstAt: this.clock.now(),
      };
      this.open.set(key, entry);
      if (this.open.size > this.maxOpen) {
        const oldest = this.open.entries().next().value;
        if (oldest !== undefined && oldest[0] !== key) this.settle(oldest[0], oldest[1]);
      }
    }
    return entry;
  }

  private setMark(entry: OpenBlock, stage: TimelineStage, at: number): void {
    const prev = entry.marks[stage];
    if (prev === undefined || at < prev) entry.marks[stage] = at;
  }

  private settleIfComplete(key: string, entry: OpenBlock): void {
    const expected = entry.info?.proofTypes;
    const done = this.publishes ? entry.published : entry.ready;
    const complete =
      expected !== undefined && expected.length > 0
        ? expected.every((t) => done.has(t) || entry.failed.has(t))
        : done.size + entry.failed.size >= 1;
    if (complete) this.settle(key, entry);
    else this.sweep();
  }

  private settle(key: string, entry: OpenBlock): void {
    this.open.delete(key);
    this.settled.add(key);
    if (this.settled.size > this.maxSettled) {
      const oldest = this.settled.values().next().value;
      if (oldest !== undefined) this.settled.delete(oldest);
    }
    const summary = this.summarize(key, entry);
    this.recordMetrics(summary, entry.info?.proofTypes === undefined || entry.info.proofTypes.length > 0);
    const { root, failed, ...fields } = summary;
    const hasFailures = Object.keys(failed).length > 0;
    this.logger.info({ ...fields, root, ...(hasFailures ? { failed } : {}) }, this.message(summary));
    this.onSettled?.(summary);
  }

  private message(s: BlockSummary): string {
    switch (s.outcome) {
      case "missed":
        return "block not proved";
      case "orphaned":
        return "block orphaned (dropped by a reorg)";
      case "not_proving":
        return "block seen (not proving)";
      case "late":
      case "in_time": {
        const what = s.outcome === "late" ? "block proved late" : "block proved";
        if (!this.publishes) return `${what} (not published: no signing key)`;
        return s.published.length === 0 ? `${what} (not published)` : what;
      }
    }
  }

  private summarize(root: string, entry: OpenBlock): BlockSummary {
    const m = entry.marks;
    const info = entry.info;
    // Timed to the first proof ready; a block only ever marked published counts from that.
    const total = span(m.seen, m.proved ?? m.published);
    const notProving = info?.proofTypes !== undefined && info.proofTypes.length === 0 && total === null;
    const outcome: BlockSummary["outcome"] = entry.orphaned
      ? "orphaned"
      : notProving
        ? "not_proving"
        : total === null
          ? "missed"
          : total <= this.deadlineMs
            ? "in_time"
            : "late";
    return {
      root,
      slot: info?.slot ?? -1,
      block:
        info === undefined ? "" : typeof info.blockHash === "string" ? info.blockHash : toHex(info.blockHash),
      gas: info === undefined ? 0 : Number(info.gasUsed),
      txs: info?.txs ?? 0,
      npr_ms: stageMs(m, "npr"),
      // Without a separate witness mark, "input" (witness fetched and StatelessInput built) ends it.
      witness_ms: m.witness !== undefined ? stageMs(m, "witness") : stageMs(m, "input", "witness"),
      input_ms: m.witness !== undefined ? stageMs(m, "input") : null,
      queue_ms: stageMs(m, "requested"),
      prove_ms: stageMs(m, "proved"),
      sign_ms: stageMs(m, "signed"),
      publish_ms: stageMs(m, "published"),
      total_ms: total,
      margin_ms: total === null ? null : this.deadlineMs - total,
      proofTypes: [...entry.ready].sort(),
      published: [...entry.published].sort(),
      failed: Object.fromEntries(entry.failed),
      outcome,
    };
  }

  private recordMetrics(s: BlockSummary, proving: boolean): void {
    const metrics = this.metrics;
    if (metrics === undefined) return;
    const observe = (stage: StageName, ms: number | null) => {
      if (ms !== null && !this.skipStages.has(stage)) metrics.recordStage(stage, ms);
    };
    observe("npr_build", s.npr_ms);
    observe("witness_fetch", s.witness_ms);
    observe("input_build", s.input_ms);
    observe("proof_queue", s.queue_ms);
    observe("prove", s.prove_ms);
    observe("sign", s.sign_ms);
    observe("publish", s.publish_ms);
    observe("total", s.total_ms);
    if (s.outcome === "not_proving" || (s.outcome === "orphaned" && !proving)) return;
    metrics.recordBlockOutcome(s.outcome, s.outcome === "orphaned" ? undefined : (s.margin_ms ?? undefined));
  }
}

function rootKey(root: string | Uint8Array): string {
  return typeof root === "string" ? root.toLowerCase() : toHex(root);
}

const STAGE_ORDER: readonly TimelineStage[] = [
  "seen",
  "npr",
  "witness",
  "input",
  "requested",
  "proved",
  "signed",
  "published",
];

/**
 * Duration of the stage ending at mark `end`: from the latest earlier-in-pipeline mark that happened
 * before it. The daemon may request proofs before the witness is in (the proof service then waits
 * for it), so "requested" and "input" can come in either order; each stage still measures its own
 * time. `asStage` places `end` in the order as another stage (input standing in for witness).
 */
function stageMs(
  marks: Partial<Record<TimelineStage, number>>,
  end: TimelineStage,
  asStage: TimelineStage = end,
): number | null {
  const at = marks[end];
  if (at === undefined) return null;
  let start: number | undefined;
  for (const stage of STAGE_ORDER.slice(0, STAGE_ORDER.indexOf(asStage))) {
    const t = marks[stage];
    if (t !== undefined && t <= at && (start === undefined || t > start)) start = t;
  }
  return span(start, at);
}

/** end - start in ms, or null when either is missing or they are inconsistent (end before start). */
function span(start: number | undefined, end: number | undefined): number | null {
  if (start === undefined || end === undefined) return null;
  const d = end - start;
  return d >= 0 ? Math.round(d) : null;
}

/** The timeline's block info from the chain follower's payload event. */
export function timelineInfoFromPayload(
  event: PayloadEvent,
  proofTypes?: readonly string[],
): TimelineBlockInfo {
  const payload = event.npr.value.executionPayload;
  return {
    slot: event.slot,
    blockHash: event.blockHash,
    gasUsed: payload.gasUsed,
    txs: payload.transactions.length,
    seenAt: event.seenAt,
    ...(proofTypes === undefined ? {} : { proofTypes }),
  };
}
