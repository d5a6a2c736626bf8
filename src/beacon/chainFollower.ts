// The chain follower: turns the beacon node's event stream into ChainEvents (payload, reorg,
// finalized). It owns its state (tracked canonical blocks, the resume slot); one worker processes
// the newest head only, walking parent links back to the last known block, so gaps after a stream
// drop, an outage or a restart are filled newest-first, and a branch switch is a reorg event.
// The resume slot it saves only covers blocks whose proofs are durable: a payload event's listener
// may return a promise, and until it settles the block holds the resume slot below itself (as does a
// block whose body could not be fetched), so after a crash the walk reaches it again.
import type { gloas } from "@lodestar/types";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import {
  type BuiltNpr,
  buildGloasNpr,
  buildNprFromBlock,
  decodeGloasEnvelopeJson,
  decodeGloasEnvelopeSsz,
} from "./blockToNpr.ts";
import { BeaconEventStream, type BeaconTopic } from "./eventStream.ts";
import type {
  BeaconClient,
  BlockHeaderInfo,
  ChainEvent,
  ChainEventListener,
  ChainFollowerOpts,
  ChainMetrics,
  FetchedBlock,
  LastSlotStore,
} from "./interface.ts";
import { defaultChainFollowerOpts } from "./interface.ts";
import type { SseEvent } from "./sseParser.ts";
import { UpstreamError } from "./upstreamError.ts";

export interface ChainFollowerModules {
  beacon: BeaconClient;
  clock: Clock;
  logger: Logger;
  metrics?: ChainMetrics;
  lastSlot: LastSlotStore;
  random?: () => number;
}

interface TrackedBlock {
  slot: number;
  parentRoot: string;
  /** A payload event went out for it (false for pre-Capella blocks or a Gloas block awaiting its payload). */
  emitted: boolean;
}

const FOLLOWED_TOPICS: readonly BeaconTopic[] = [
  "head",
  "block",
  "finalized_checkpoint",
  "chain_reorg",
  "execution_payload",
];

/**
 * The follower reconnects to a beacon node that came back within this (jitter included): missed blocks
 * are walked and proved from the reconnect on, so a long backoff would be lost proving time.
 */
export const FOLLOWER_RECONNECT_MAX_MS = 4_000;

function field(obj: unknown, name: string): string | undefined {
  if (typeof obj !== "object" || obj === null) return undefined;
  const v = (obj as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

export class ChainFollower {
  private readonly opts: ChainFollowerOpts;
  private readonly m: ChainFollowerModules;
  private readonly listeners = new Set<ChainEventListener>();
  private readonly tracked = new Map<string, TrackedBlock>();
  /** Block-event arrival times, so a payload's seenAt is when the block was first announced. */
  private readonly seenAt = new Map<string, number>();
  private tip?: string;
  private lastProcessedSlot?: number;
  private slotsPerEpoch = 32;
  private lastFinalizedEpoch = -1;
  private pendingHead?: string;
  /** The pending head request comes from a connection attempt: its failure is logged at debug. */
  private pendingQuiet = false;
  /** Blocks whose proofs are not durable yet (key → slot; the token tells re-emissions apart). */
  private readonly unsettled = new Map<string, { slot: number; token: number }>();
  private nextToken = 0;
  /** The slot the resume file holds. */
  private savedSlot?: number;
  private saving: Promise<void> = Promise.resolve();
  private signal?: AbortSignal;
  private worker?: Promise<void>;
  /** Gloas payload reveals for blocks already tracked, emitted one after another. */
  private payloadRetries: Promise<void> = Promise.resolve();
  private readonly baseUrl: string;

  constructor(opts: Partial<ChainFollowerOpts> & { baseUrl: string }, modules: ChainFollowerModules) {
    this.opts = { ...defaultChainFollowerOpts, reconnectMaxMs: FOLLOWER_RECONNECT_MAX_MS, ...opts };
    this.baseUrl = opts.baseUrl;
    this.m = modules;
  }

  /** Subscribes; returns the unsubscribe function. */
  on(listener: ChainEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastSlot(): number | undefined {
    return this.lastProcessedSlot;
  }

  /** Follows the chain until `signal` aborts. Upstream failures are logged and retried, never thrown. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.lastProcessedSlot = await this.m.lastSlot.load();
    this.savedSlot = this.lastProcessedSlot;
    await this.loadSlotsPerEpoch(signal);
    const stream = new BeaconEventStream(
      {
        baseUrl: this.baseUrl,
        topics: FOLLOWED_TOPICS,
        reconnectInitialMs: this.opts.reconnectInitialMs,
        reconnectMaxMs: this.opts.reconnectMaxMs,
        reconnectJitter: this.opts.reconnectJitter,
        idleTimeoutMs: this.opts.streamIdleTimeoutMs,
      },
      { clock: this.m.clock, logger: this.m.logger, metrics: this.m.metrics, random: this.m.random },
    );
    await stream.run(
      {
        onEvent: (ev) => this.onSse(ev, signal),
        // Catch up from the resume slot to the node's head as a connection starts, not only once it is
        // up (a node may hold its headers until the next event, a slot later); failures there are
        // quiet: the stream reports the node being down.
        onConnecting: () => this.requestHead("head", signal, true),
        // On every (re)connect: catch up from the resume slot to the node's head, and re-read finality.
        onConnected: () => {
          this.requestHead("head", signal);
          void this.refreshFinality(signal);
        },
      },
      signal,
    );
    await this.idle();
    await this.saving;
  }

  /** Resolves when no head is pending or being processed (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.worker) await this.worker;
    await this.payloadRetries;
  }

  private async loadSlotsPerEpoch(signal: AbortSignal): Promise<void> {
    try {
      const spec = await this.m.beacon.getSpec(signal);
      const n = Number(spec.SLOTS_PER_EPOCH);
      if (Number.isInteger(n) && n > 0) this.slotsPerEpoch = n;
    } catch (e) {
      this.upstreamFailure(e, "reading /eth/v1/config/spec (assuming 32 slots per epoch)");
    }
  }

  private onSse(ev: SseEvent, signal: AbortSignal): void {
    let data: unknown;
    try {
      data = JSON.parse(ev.data);
    } catch {
      this.m.metrics?.recordUpstreamError("beacon_events", "malformed");
      this.m.logger.warn(
        { event: ev.event, data: ev.data.slice(0, 120) },
        "beacon event is not JSON; ignored",
      );
      return;
    }
    const now = this.m.clock.now();
    switch (ev.event) {
      case "block": {
        const root = field(data, "block");
        if (!root) {
          this.malformedEvent(ev);
          return;
        }
        this.m.metrics?.recordBlockSeen();
        this.rememberSeen(root.toLowerCase(), now);
        return;
      }
      case "head": {
        const root = field(data, "block");
        if (!root) {
          this.malformedEvent(ev);
          return;
        }
        this.rememberSeen(root.toLowerCase(), now);
        this.requestHead(root.toLowerCase(), signal);
        return;
      }
      case "chain_reorg": {
        const newHead = field(data, "new_head_block");
        if (!newHead) {
          this.malformedEvent(ev);
          return;
        }
        // The reorg event itself is derived from parent links when the new head is processed.
        this.m.logger.info(
          { slot: field(data, "slot"), depth: field(data, "depth"), newHead },
          "beacon node reported a reorg",
        );
        this.requestHead(newHead.toLowerCase(), signal);
        return;
      }
      case "execution_payload": {
        // Gloas: the payload of a block we hold was revealed; emit it now (unknown blocks come via head).
        const root = field(data, "block_root") ?? field(data, "block");
        if (!root) {
          this.malformedEvent(ev);
          return;
        }
        const key = root.toLowerCase();
        this.rememberSeen(key, now);
        const t = this.tracked.get(key);
        if (t && !t.emitted) {
          const header = {
            root: Buffer.from(key.slice(2), "hex"),
            slot: t.slot,
            parentRoot: Buffer.from(t.parentRoot.slice(2), "hex"),
            canonical: true,
          };
          this.payloadRetries = this.payloadRetries
            .then(() => this.emitBlock(header, signal))
            .catch((e: unknown) => {
              this.upstreamFailure(e, `emitting the revealed payload of ${key}`);
            });
        }
        return;
      }
      case "finalized_checkpoint": {
        const epoch = Number(field(data, "epoch"));
        const root = field(data, "block");
        if (!root || !Number.isInteger(epoch)) {
          this.malformedEvent(ev);
          return;
        }
        this.onFinalized(epoch, root);
        return;
      }
      default:
        return;
    }
  }

  private malformedEvent(ev: SseEvent): void {
    this.m.metrics?.recordUpstreamError("beacon_events", "malformed");
    this.m.logger.warn(
      { event: ev.event, data: ev.data.slice(0, 120) },
      "beacon event lacks required fields; ignored",
    );
  }

  private rememberSeen(root: string, at: number): void {
    if (!this.seenAt.has(root)) this.seenAt.set(root, at);
    while (this.seenAt.size > this.opts.maxTrackedBlocks) {
      const oldest = this.seenAt.keys().next();
      if (oldest.done) break;
      this.seenAt.delete(oldest.value);
    }
  }

  /** Coalesces head requests: when behind, only the newest head is processed (its walk covers the rest). */
  private requestHead(blockId: string, signal: AbortSignal, quiet = false): void {
    // A quiet request never makes a pending loud one quiet.
    this.pendingQuiet = this.pendingHead === undefined ? quiet : this.pendingQuiet && quiet;
    this.pendingHead = blockId;
    if (this.worker) return;
    this.worker = (async () => {
      while (this.pendingHead !== undefined && !signal.aborted) {
        const next = this.pendingHead;
        const quietNext = this.pendingQuiet;
        this.pendingHead = undefined;
        this.pendingQuiet = false;
        try {
          await this.processHead(next, signal);
        } catch (e) {
          if (signal.aborted) continue;
          if (quietNext)
            this.m.logger.debug({ err: errorMessage(e) }, "catching up as the event stream connects failed");
          else this.upstreamFailure(e, `processing head ${next}`);
        }
      }
      this.worker = undefined;
    })();
  }

  private async refreshFinality(signal: AbortSignal): Promise<void> {
    try {
      const cp = await this.m.beacon.getFinalityCheckpoints("head", signal);
      this.onFinalized(cp.finalized.epoch, toHex(cp.finalized.root));
    } catch (e) {
      if (!signal.aborted) this.upstreamFailure(e, "reading finality checkpoints");
    }
  }

  private onFinalized(epoch: number, rootHex: string): void {
    if (epoch <= this.lastFinalizedEpoch) return;
    this.lastFinalizedEpoch = epoch;
    const slot = epoch * this.slotsPerEpoch;
    this.m.metrics?.recordFinalizedEpoch(epoch);
    for (const [root, b] of this.tracked) if (b.slot < slot) this.tracked.delete(root);
    // Below finality proofs are pruned anyway: an unproved block there no longer holds the resume slot.
    for (const [key, u] of this.unsettled) if (u.slot < slot) this.unsettled.delete(key);
    this.emit({ type: "finalized", epoch, root: Buffer.from(rootHex.slice(2), "hex"), slot });
    void this.persist();
  }

  /**
   * Walks from the new head back through parent headers to a tracked block (or the resume slot, or the
   * gap limit); emits a reorg when that join point is not the current tip; then fetches and emits the
   * new blocks newest first, and saves the resume slot.
   */
  private async processHead(blockId: string, signal: AbortSignal): Promise<void> {
    const t0 = this.m.clock.now();
    const head = await this.m.beacon.getHeader(blockId, signal);
    if (!head)
      throw new UpstreamError("beacon", "http_status", `beacon node has no header for ${blockId}`, {
        status: 404,
      });
    const headKey = toHex(head.root);
    if (this.tracked.has(headKey) && this.tip === headKey) return;
    // An event about a block we already follow (late or out of order): not a reorg.
    if (this.isAncestorOfTip(headKey)) return;

    if (
      this.tracked.size === 0 &&
      this.lastProcessedSlot !== undefined &&
      head.slot < this.lastProcessedSlot
    ) {
      // Nothing at or below the resume slot would ever be proved: a new chain behind the same data dir,
      // or a beacon node still syncing. Say so, and follow from this head.
      this.m.logger.warn(
        { resumeSlot: this.lastProcessedSlot, headSlot: head.slot, head: headKey },
        "the saved resume slot is beyond the beacon node's head (a new chain, or a node still syncing); following from the head",
      );
      this.lastProcessedSlot = undefined;
    }
    const branch: BlockHeaderInfo[] = [];
    let cursor: BlockHeaderInfo | undefined = head;
    let join: { key: string; slot: number } | undefined;
    const floor = this.lastProcessedSlot;
    const lowestTracked = this.lowestTrackedSlot();
    while (cursor) {
      const key = toHex(cursor.root);
      if (this.tracked.has(key)) {
        join = { key, slot: cursor.slot };
        break;
      }
      if (lowestTracked !== undefined) {
        // Below what we remember: this canonical ancestor is the fork point of whatever we tracked above it.
        if (cursor.slot < lowestTracked) {
          join = { key, slot: cursor.slot };
          break;
        }
      } else if (floor === undefined ? branch.length > 0 : cursor.slot <= floor) {
        break; // first start: only the head; after a restart: back to the persisted slot
      }
      if (branch.length >= this.opts.maxGapSlots) {
        this.m.logger.warn(
          { headSlot: head.slot, limit: this.opts.maxGapSlots },
          "gap longer than the backfill limit; older blocks skipped",
        );
        break;
      }
      branch.push(cursor);
      if (cursor.slot === 0) break;
      cursor = await this.m.beacon.getHeader(toHex(cursor.parentRoot), signal);
    }

    if (join !== undefined && this.tip !== undefined && join.key !== this.tip) this.emitReorg(join, head);
    if (branch.length > 1) {
      this.m.metrics?.recordGapFilled(branch.length - 1);
      this.m.metrics?.recordStage("gap_fill", this.m.clock.now() - t0);
      this.m.logger.info(
        { from: branch[branch.length - 1]?.slot, to: head.slot, blocks: branch.length },
        "filling gap",
      );
    }

    // Track the branch before fetching bodies so a failed fetch leaves the ancestry consistent.
    for (const h of branch)
      this.track(toHex(h.root), { slot: h.slot, parentRoot: toHex(h.parentRoot), emitted: false });
    this.tip = headKey;
    this.m.metrics?.recordHeadSlot(head.slot);

    for (const h of branch) {
      if (signal.aborted) return;
      await this.emitBlock(h, signal);
    }
    if (this.lastProcessedSlot === undefined || head.slot > this.lastProcessedSlot)
      this.lastProcessedSlot = head.slot;
    await this.persist();
  }

  /**
   * The slot to resume after: the processed head, or just below the lowest block whose proofs are not
   * durable yet; undefined when nothing can be claimed.
   */
  private resumeSlot(): number | undefined {
    const head = this.lastProcessedSlot;
    if (head === undefined) return undefined;
    let lowest: number | undefined;
    for (const u of this.unsettled.values()) if (lowest === undefined || u.slot < lowest) lowest = u.slot;
    const slot = lowest === undefined ? head : Math.min(head, lowest - 1);
    return slot >= 0 ? slot : undefined;
  }

  /** Writes the resume slot when it changed; serialized, and never after the run was stopped. */
  private persist(): Promise<void> {
    this.saving = this.saving.then(async () => {
      if (this.signal?.aborted) return;
      const slot = this.resumeSlot();
      if (slot === undefined || slot === this.savedSlot) return;
      try {
        await this.m.lastSlot.save(slot);
        this.savedSlot = slot;
      } catch (e) {
        this.m.logger.warn({ err: errorMessage(e), slot }, "could not persist the resume slot");
      }
    });
    return this.saving;
  }

  /** Holds the resume slot below `slot` until released (proofs durable, orphaned or finalized). */
  private hold(key: string, slot: number): number {
    const token = ++this.nextToken;
    this.unsettled.set(key, { slot, token });
    return token;
  }

  private release(key: string, token: number): void {
    if (this.unsettled.get(key)?.token !== token) return;
    this.unsettled.delete(key);
    void this.persist();
  }

  /** A payload went out: it holds the resume slot until every promise its listeners returned settled. */
  private awaitDurable(key: string, slot: number, results: unknown[]): void {
    const pending = results.filter(
      (r): r is PromiseLike<unknown> => typeof (r as PromiseLike<unknown>)?.then === "function",
    );
    const token = this.hold(key, slot);
    if (pending.length === 0) {
      this.release(key, token);
      return;
    }
    Promise.allSettled(pending).then(() => this.release(key, token));
  }

  /** Whether `key` is the tip or one of its tracked ancestors. */
  private isAncestorOfTip(key: string): boolean {
    let cursor = this.tip;
    while (cursor !== undefined) {
      if (cursor === key) return true;
      cursor = this.tracked.get(cursor)?.parentRoot;
    }
    return false;
  }

  private lowestTrackedSlot(): number | undefined {
    let lowest: number | undefined;
    for (const b of this.tracked.values()) if (lowest === undefined || b.slot < lowest) lowest = b.slot;
    return lowest;
  }

  private emitReorg(join: { key: string; slot: number }, head: BlockHeaderInfo): void {
    const orphaned: Uint8Array[] = [];
    let key = this.tip;
    const old = this.tip;
    while (key !== undefined && key !== join.key) {
      const b = this.tracked.get(key);
      if (!b || b.slot <= join.slot) break;
      if (b.emitted) orphaned.push(Buffer.from(key.slice(2), "hex"));
      this.tracked.delete(key);
      this.unsettled.delete(key);
      key = b.parentRoot;
    }
    const depth = orphaned.length;
    this.m.metrics?.recordReorg(depth);
    this.m.logger.info(
      { depth, oldHead: old, newHead: toHex(head.root), slot: head.slot },
      "reorg: dropping orphaned blocks",
    );
    this.emit({
      type: "reorg",
      slot: head.slot,
      depth,
      oldHeadBlock: old ? Buffer.from(old.slice(2), "hex") : new Uint8Array(32),
      newHeadBlock: head.root,
      orphanedBlockRoots: orphaned,
    });
  }

  private track(key: string, b: TrackedBlock): void {
    this.tracked.set(key, b);
    if (this.tracked.size <= this.opts.maxTrackedBlocks) return;
    let lowest: string | undefined;
    let lowestSlot = Number.POSITIVE_INFINITY;
    for (const [k, v] of this.tracked) {
      if (v.slot < lowestSlot) {
        lowestSlot = v.slot;
        lowest = k;
      }
    }
    if (lowest !== undefined) this.tracked.delete(lowest);
  }

  private async emitBlock(h: BlockHeaderInfo, signal: AbortSignal): Promise<void> {
    const key = toHex(h.root);
    if (this.tracked.get(key)?.emitted) return;
    const t0 = this.m.clock.now();
    let fetched: FetchedBlock | undefined;
    try {
      fetched = await this.m.beacon.getBlock(key, signal);
    } catch (e) {
      if (!signal.aborted) this.upstreamFailure(e, `fetching block ${key} (slot ${h.slot})`);
      this.tracked.delete(key);
      // Seen but not handed over: after a restart the walk must reach it again.
      this.hold(key, h.slot);
      return;
    }
    if (!fetched) {
      this.m.logger.warn({ slot: h.slot, root: key }, "block vanished before it could be fetched");
      this.tracked.delete(key);
      // Lodestar answers 404 for a head it just announced (not written yet): not handed over either, so
      // after a restart the walk must reach it again (an orphaned one is let go at finality).
      this.hold(key, h.slot);
      return;
    }
    this.m.metrics?.recordStage("block_fetch", this.m.clock.now() - t0);
    const t1 = this.m.clock.now();
    let built: BuiltNpr | undefined;
    try {
      built = await this.buildNpr(fetched, signal);
    } catch (e) {
      this.upstreamFailure(e, `building the NewPayloadRequest of block ${key} (slot ${h.slot})`);
      return;
    }
    if (!built) {
      // A Gloas block still waiting for its payload: it is not proved yet either.
      if (fetched.fork === "gloas") this.hold(key, h.slot);
      return;
    }
    this.m.metrics?.recordStage("npr_build", this.m.clock.now() - t1);
    const tracked = this.tracked.get(key);
    if (tracked) tracked.emitted = true;
    this.m.metrics?.recordPayloadEmitted(built.npr.fork);
    const results = this.emit({
      type: "payload",
      npr: built.npr,
      root: built.root,
      slot: fetched.slot,
      blockRoot: fetched.blockRoot,
      blockHash: built.blockHash,
      parentHash: built.parentHash,
      blockNumber: built.blockNumber,
      seenAt: this.seenAt.get(key) ?? t0,
    });
    this.awaitDurable(key, fetched.slot, results);
  }

  private async buildNpr(fetched: FetchedBlock, signal: AbortSignal): Promise<BuiltNpr | undefined> {
    if (fetched.fork !== "gloas") {
      const decoded = { fork: fetched.fork, block: fetched.signedBlock } as Parameters<
        typeof buildNprFromBlock
      >[0];
      return buildNprFromBlock(decoded);
    }
    // Gloas: the payload arrives separately; without an envelope yet, the execution_payload event retries.
    const raw = await this.m.beacon.getExecutionPayloadEnvelope?.(fetched.blockRoot, signal);
    if (raw === undefined) return undefined;
    const envelope = raw instanceof Uint8Array ? decodeGloasEnvelopeSsz(raw) : decodeGloasEnvelopeJson(raw);
    return buildGloasNpr(fetched.signedBlock as gloas.SignedBeaconBlock, envelope);
  }

  /** Calls every listener; returns what they returned (promises for payload events, or undefined). */
  private emit(event: ChainEvent): unknown[] {
    const results: unknown[] = [];
    for (const l of this.listeners) {
      try {
        const r = l(event);
        if (r instanceof Promise) {
          r.catch((e: unknown) =>
            this.m.logger.error({ err: errorMessage(e), event: event.type }, "chain event listener failed"),
          );
        }
        results.push(r);
      } catch (e) {
        this.m.logger.error({ err: errorMessage(e), event: event.type }, "chain event listener threw");
      }
    }
    return results;
  }

  private upstreamFailure(e: unknown, what: string): void {
    const kind = e instanceof UpstreamError ? e.kind : "malformed";
    const upstream = e instanceof UpstreamError ? e.upstream : "beacon";
    this.m.metrics?.recordUpstreamError(upstream, kind);
    this.m.logger.warn(
      { err: errorMessage(e), upstream, kind, url: this.baseUrl },
      `beacon upstream failure while ${what}`,
    );
  }
}
