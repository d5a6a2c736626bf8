// The proof service: owns payloads, proving work and proof state. It registers payloads, fetches
// their StatelessInput, runs the scheduler's decisions on the backends, stores finished proofs
// durably, and tells subscribers (SSE, gossip via onProofReady, waiters) what happened.
import { buildPublicInput, type ProofContainers } from "../spec/containers.ts";
import { encodeNpr, type ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import { payloadRequestRoot } from "../spec/payloadRoot.ts";
import type { ProofTypeTable } from "../spec/proofTypes.ts";
import type { PayloadRecord, ProofSource, ProofStore, StoredProof } from "../store/interface.ts";
import { validateStoredProof } from "../store/recordCodec.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { fromHex, toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type {
  PayloadMeta,
  ProofEvent,
  ProofFailureReason,
  ProofService,
  ProofTypeInfo,
  ProveResult,
  ProvingBackend,
  VerifyResult,
} from "./interface.ts";
import { PrioritySlots } from "./prioritySlots.ts";
import {
  type AttemptOutcome,
  type CompleteDecision,
  classifyFailure,
  type Dispatch,
  type DroppedJob,
  type DropReason,
  defaultSchedulerOpts,
  type PredictorSeed,
  Scheduler,
  type SchedulerMetrics,
  type SchedulerOpts,
} from "./scheduler.ts";

/** Fetches the schema-prefixed SSZ StatelessInput of a payload (witness + chain config + keys). */
export type WitnessProvider = (
  npr: ForkedNewPayloadRequest,
  meta: PayloadMeta,
  signal: AbortSignal,
) => Promise<Uint8Array>;

/** Runs after a local proof is stored: the node signs and gossips it here. */
export type ProofReadyHook = (proof: StoredProof, payload: PayloadRecord) => Promise<void>;

export interface ProofServiceMetrics extends SchedulerMetrics {
  recordWitnessFetch(ms: number, ok: boolean): void;
  recordProofStored(source: ProofSource, proofType: number, bytes: number): void;
  recordVerification(proofType: number, ms: number, valid: boolean): void;
  recordProofFailure(proofType: number, reason: ProofFailureReason): void;
}

export interface ProofServiceOpts {
  /** Give up on a payload's witness after this long (witness_timeout). */
  witnessTimeoutMs: number;
  /** Completion/failure events kept for SSE replay. */
  recentEventsLimit: number;
  /** Payload roots remembered as known (gossip IGNOREs unknown roots). */
  maxKnownPayloads: number;
  /** Run the type's verifier on a freshly made proof before storing it as verified. */
  verifyLocalProofs: boolean;
  /**
   * A chain block whose witness fetch failed (execution client down, syncing, timing out) is fetched
   * again after a backoff: from this delay, doubling, at most `witnessRetryDeadlineMaxMs` apart while
   * the block is within its deadline window and `witnessRetryMaxMs` after it, until it is proved,
   * orphaned, finalized, or has been retried for `witnessRetryForMs`.
   */
  witnessRetryInitialMs: number;
  witnessRetryDeadlineMaxMs: number;
  witnessRetryMaxMs: number;
  witnessRetryForMs: number;
  /**
   * Witness fetches running at once; more wait, newest slot first. A catch-up after a restart or an
   * outage hands over many blocks together: all fetched at once, they time out together on the
   * execution client. The witness timeout counts from a fetch's start, not its wait.
   */
  maxConcurrentWitnesses: number;
  /**
   * A chain block whose job the scheduler turned away for want of capacity (not started within the
   * stale horizon, or every queue full: a catch-up backlog after a restart or an outage) is submitted
   * again this long later, until it is proved, orphaned or finalized.
   */
  requeueDelayMs: number;
}

export const defaultProofServiceOpts: ProofServiceOpts = {
  witnessTimeoutMs: 12_000,
  recentEventsLimit: 1024,
  maxKnownPayloads: 8192,
  verifyLocalProofs: true,
  witnessRetryInitialMs: 250,
  witnessRetryDeadlineMaxMs: 1_000,
  witnessRetryMaxMs: 3_000,
  witnessRetryForMs: 3_600_000,
  maxConcurrentWitnesses: 4,
  requeueDelayMs: 1_000,
};

export interface ProofServiceModules {
  store: ProofStore;
  backends: readonly ProvingBackend[];
  proofTypes: ProofTypeTable;
  containers: ProofContainers;
  witnessProvider: WitnessProvider;
  onProofReady?: ProofReadyHook;
  logger: Logger;
  metrics?: ProofServiceMetrics;
  clock: Clock;
  schedulerOpts?: Partial<SchedulerOpts>;
  opts?: Partial<ProofServiceOpts>;
  /** Starting proving-time model per backend (e.g. seedModel(hw, zkvm, el) for an ere endpoint). */
  seedFor?: (backend: ProvingBackend) => PredictorSeed | undefined;
  /** Chain id, required by profiles whose PublicInput carries it. */
  chainId?: bigint;
  /** Slot of a payload timestamp (seconds), for payloads that arrive without one (zkboost API). */
  slotOfTimestamp?: (timestamp: number) => number;
}

interface PayloadState {
  record: PayloadRecord;
  npr: ForkedNewPayloadRequest;
  gasUsed: number;
  /** Proof types requested and not yet resolved. */
  pending: Set<number>;
  input?: Promise<Uint8Array>;
  inputBytes?: Uint8Array;
  witnessAbort: AbortController;
  dropped: boolean;
  /**
   * When the scheduler counts this payload as seen: the first sighting, or later when its work could
   * only start later (a retried witness, a payload stored before a restart); staleness counts from it.
   */
  scheduleFrom: number;
  /** Witness retries of a chain block (see ProofServiceOpts.witnessRetry*). */
  retry?: { attempt: number; since: number; timer?: AbortController; types: readonly number[] };
  /** Proof types turned away for want of capacity, submitted again after requeueDelayMs. */
  requeue?: { timer: AbortController; types: Set<number> };
}

interface RunningAttempt {
  dispatch: Dispatch;
  abort: AbortController;
}

interface Waiter {
  check(): void;
  finishNow(): Promise<void>;
}

const ZERO_ROOT = new Uint8Array(32);

/** Rejects with the signal's reason once it aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function checkRoot(root: Uint8Array, what = "new_payload_request_root"): void {
  if (!(root instanceof Uint8Array) || root.length !== 32) {
    throw new EproofError("BAD_INPUT", `${what} must be 32 bytes`);
  }
}

function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

function jobKey(rootHex: string, proofType: number): string {
  return `${rootHex}:${proofType}`;
}

export class DefaultProofService implements ProofService {
  private readonly m: ProofServiceModules;
  private readonly opts: ProofServiceOpts;
  private readonly schedulerOpts: SchedulerOpts;
  private readonly scheduler: Scheduler;
  private readonly witnessSlots: PrioritySlots;
  private readonly backendsById = new Map<string, ProvingBackend>();
  private readonly payloads = new Map<string, PayloadState>();
  /** (root, type) requested and not yet resolved, from the witness phase on: duplicates are accepted once. */
  private readonly inflight = new Set<string>();
  /** (root, type) jobs from request until stored and handed to onProofReady, or failed (whenSettled). */
  private readonly unsettled = new Map<string, { done: Promise<void>; resolve: () => void }>();
  private readonly running = new Map<number, RunningAttempt>();
  /** Known payload roots (hex) → slot, insertion-ordered for eviction. */
  private readonly known = new Map<string, number>();
  /** Block root hex → payload root hex, for envelopes that name the block (bounded like `known`). */
  private readonly byBlock = new Map<string, string>();
  private readonly listeners = new Set<(event: ProofEvent) => void>();
  private readonly recent: ProofEvent[] = [];
  private readonly waiters = new Map<string, Set<Waiter>>();
  private wake: { at: number; abort: AbortController } | undefined;
  private closed = false;
  /** The highest slot pruneBefore was given (finality): blocks below it are not retried. */
  private finalizedSlot: number | undefined;

  constructor(modules: ProofServiceModules) {
    this.m = modules;
    this.opts = { ...defaultProofServiceOpts, ...modules.opts };
    this.schedulerOpts = { ...defaultSchedulerOpts, ...modules.schedulerOpts };
    if (modules.containers.profile.publicInput === "root_flag_chain" && modules.chainId === undefined) {
      throw new EproofError(
        "BAD_CONFIG",
        `spec profile ${modules.containers.profile.name} puts the chain id in PublicInput: give the proof service a chainId`,
      );
    }
    this.scheduler = new Scheduler(this.schedulerOpts, modules.clock, modules.metrics);
    this.witnessSlots = new PrioritySlots(this.opts.maxConcurrentWitnesses);
    for (const b of modules.backends) {
      if (this.backendsById.has(b.id))
        throw new EproofError("BAD_CONFIG", `two proving backends are named "${b.id}"`);
      this.backendsById.set(b.id, b);
      const caps = b.capabilities();
      if (caps.prove.length === 0) continue;
      this.scheduler.addEndpoint({
        id: b.id,
        proofTypes: caps.prove,
        concurrency: caps.concurrency,
        // ere-server and a remote zkboost finish a started prove; the CPU type stops on abort.
        runsToCompletion: b.kind !== "cpu",
        seed: modules.seedFor?.(b),
      });
    }
  }

  // ---- payloads -------------------------------------------------------------------------------

  private async register(
    npr: ForkedNewPayloadRequest,
    meta: Partial<PayloadMeta> = {},
  ): Promise<PayloadState> {
    if (this.closed) throw new EproofError("INTERNAL", "the proof service is closed");
    let root: Uint8Array;
    let bytes: Uint8Array;
    try {
      root = payloadRequestRoot(npr, this.m.containers.profile);
      bytes = encodeNpr(npr);
    } catch (e) {
      throw new EproofError("BAD_INPUT", `not a ${npr.fork} NewPayloadRequest: ${errorMessage(e)}`);
    }
    const rootHex = toHex(root);
    const live = this.payloads.get(rootHex);
    if (live && !live.dropped) return live;
    const payload = npr.value.executionPayload;
    const slot = meta.slot ?? this.m.slotOfTimestamp?.(Number(payload.timestamp)) ?? 0;
    const record: PayloadRecord = {
      newPayloadRequestRoot: root,
      slot,
      blockRoot: meta.blockRoot ?? ZERO_ROOT,
      blockHash: meta.blockHash ?? payload.blockHash,
      fork: npr.fork,
      npr: bytes,
      seenAt: meta.seenAt ?? this.m.clock.now(),
    };
    // Keep the first sighting (its seenAt is the deadline) when the payload is already stored, and
    // fill in a block root or slot that an earlier, poorer sighting (the zkboost API) lacked.
    const stored = await this.m.store.getPayload(root);
    let effective = stored ?? record;
    if (stored && ((isZero(stored.blockRoot) && meta.blockRoot) || (stored.slot === 0 && meta.slot))) {
      effective = {
        ...stored,
        blockRoot: meta.blockRoot ?? stored.blockRoot,
        slot: meta.slot || stored.slot,
      };
    }
    if (effective !== stored) await this.m.store.putPayload(effective);
    this.remember(rootHex, effective.slot, effective.blockRoot);
    // A concurrent call for the same payload may have registered it while we awaited the store.
    const raced = this.payloads.get(rootHex);
    if (raced && !raced.dropped) return raced;
    const state: PayloadState = {
      record: effective,
      npr,
      gasUsed: Number(payload.gasUsed),
      pending: new Set(),
      witnessAbort: new AbortController(),
      dropped: false,
      // A payload stored by an earlier run (a restart) is worked on from this sighting.
      scheduleFrom: stored ? Math.max(stored.seenAt, meta.seenAt ?? this.m.clock.now()) : effective.seenAt,
    };
    this.payloads.set(rootHex, state);
    return state;
  }

  private remember(rootHex: string, slot: number, blockRoot?: Uint8Array): void {
    this.known.delete(rootHex);
    this.known.set(rootHex, slot);
    while (this.known.size > this.opts.maxKnownPayloads) {
      const oldest = this.known.keys().next();
      if (oldest.done) break;
      this.known.delete(oldest.value);
    }
    if (blockRoot && !isZero(blockRoot)) {
      const blockHex = toHex(blockRoot);
      this.byBlock.delete(blockHex);
      this.byBlock.set(blockHex, rootHex);
      while (this.byBlock.size > this.opts.maxKnownPayloads) {
        const oldest = this.byBlock.keys().next();
        if (oldest.done) break;
        this.byBlock.delete(oldest.value);
      }
    }
  }

  payloadRootOfBlock(blockRoot: Uint8Array): Uint8Array | undefined {
    if (!(blockRoot instanceof Uint8Array) || blockRoot.length !== 32) return undefined;
    const rootHex = this.byBlock.get(toHex(blockRoot));
    return rootHex !== undefined && this.known.has(rootHex) ? fromHex(rootHex) : undefined;
  }

  async notifyPayload(npr: ForkedNewPayloadRequest, meta?: Partial<PayloadMeta>): Promise<Uint8Array> {
    const state = await this.register(npr, meta);
    // Nothing to prove: the in-memory state is only kept while proof types are pending.
    this.forgetIfIdle(state);
    return state.record.newPayloadRequestRoot;
  }

  isKnownPayload(root: Uint8Array): boolean {
    return root instanceof Uint8Array && root.length === 32 && this.known.has(toHex(root));
  }

  private validateRequestedTypes(proofTypes: readonly number[]): void {
    if (proofTypes.length === 0) throw new EproofError("BAD_INPUT", "no proof types requested");
    if (proofTypes.length > this.schedulerOpts.maxProofTypes) {
      throw new EproofError(
        "BAD_INPUT",
        `${proofTypes.length} proof types requested; at most ${this.schedulerOpts.maxProofTypes} per payload`,
      );
    }
    if (new Set(proofTypes).size !== proofTypes.length)
      throw new EproofError("BAD_INPUT", "a proof type is requested twice");
    for (const t of proofTypes) {
      const entry = this.m.proofTypes.get(t);
      if (!entry) throw new EproofError("BAD_INPUT", `unknown proof type ${t}`);
      const provable = this.m.backends.some((b) => b.capabilities().prove.includes(t));
      if (!provable) throw new EproofError("BAD_INPUT", `no configured backend proves ${entry.name} (${t})`);
    }
  }

  async requestProofs(
    npr: ForkedNewPayloadRequest,
    proofTypes: readonly number[],
    meta?: Partial<PayloadMeta>,
  ): Promise<Uint8Array> {
    this.validateRequestedTypes(proofTypes);
    const state = await this.register(npr, meta);
    const root = state.record.newPayloadRequestRoot;
    const rootHex = toHex(root);
    const fresh: number[] = [];
    for (const t of proofTypes) {
      const key = jobKey(rootHex, t);
      if (this.inflight.has(key)) continue;
      const existing = await this.m.store.getProof(root, t);
      if (existing?.verified) {
        // Already proved: tell late SSE subscribers instead of proving again.
        this.emit({
          type: "proof_complete",
          newPayloadRequestRoot: root,
          proofType: t,
          at: this.m.clock.now(),
        });
        continue;
      }
      this.inflight.add(key);
      this.openJob(key);
      state.pending.add(t);
      fresh.push(t);
    }
    if (fresh.length > 0) {
      this.runPayload(state, fresh).catch((e: unknown) => {
        // runPayload reports its own failures; this only guards against a bug escaping it.
        this.m.logger.error({ root: rootHex, err: errorMessage(e) }, "proof pipeline crashed");
        for (const t of fresh) this.fail(state, t, "internal_error", errorMessage(e));
      });
    } else this.forgetIfIdle(state);
    return root;
  }

  /**
   * Resolves once every job for `root` among `proofTypes` requested so far is settled: its proof stored
   * and handed to onProofReady (signed, published), or failed. Work cut off by close() never settles.
   */
  async whenSettled(root: Uint8Array, proofTypes: readonly number[]): Promise<void> {
    const rootHex = toHex(root);
    await Promise.all(proofTypes.map((t) => this.unsettled.get(jobKey(rootHex, t))?.done));
  }

  private openJob(key: string): void {
    if (this.unsettled.has(key)) return;
    let resolve = () => {};
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    this.unsettled.set(key, { done, resolve });
  }

  private settleJob(rootHex: string, proofType: number): void {
    // A job abandoned by close() is not settled: its block must be proved after the restart.
    if (this.closed) return;
    const key = jobKey(rootHex, proofType);
    const job = this.unsettled.get(key);
    if (!job) return;
    this.unsettled.delete(key);
    job.resolve();
  }

  private statelessInput(state: PayloadState): Promise<Uint8Array> {
    if (state.input) return state.input;
    // A retry after a timed-out fetch gets a fresh signal (the timeout aborted the previous one).
    if (state.witnessAbort.signal.aborted && !state.dropped && !this.closed)
      state.witnessAbort = new AbortController();
    const { record } = state;
    const meta: PayloadMeta = {
      slot: record.slot,
      blockRoot: record.blockRoot,
      blockHash: record.blockHash,
      seenAt: record.seenAt,
    };
    const abort = state.witnessAbort;
    state.input = (async () => {
      // Bounded: newest slot first; the timeout starts with the fetch (a dropped payload stops waiting).
      const release = await this.witnessSlots.acquire(record.slot, abort.signal);
      const timer = new AbortController();
      const t0 = this.m.clock.now();
      try {
        const timeout = this.m.clock.sleep(this.opts.witnessTimeoutMs, timer.signal).then(
          () => {
            const err = new EproofError("TIMEOUT", `no witness within ${this.opts.witnessTimeoutMs} ms`);
            abort.abort(err);
            throw err;
          },
          () => new Promise<never>(() => {}),
        );
        const fetch = this.m.witnessProvider(state.npr, meta, abort.signal).then((bytes) => {
          if (!(bytes instanceof Uint8Array) || bytes.length < 3) {
            throw new EproofError("BAD_INPUT", "the witness provider returned no StatelessInput bytes");
          }
          return bytes;
        });
        const bytes = await Promise.race([fetch, timeout]);
        state.inputBytes = bytes;
        this.m.metrics?.recordWitnessFetch(this.m.clock.now() - t0, true);
        return bytes;
      } catch (e) {
        this.m.metrics?.recordWitnessFetch(this.m.clock.now() - t0, false);
        throw e;
      } finally {
        timer.abort();
        release();
      }
    })();
    return state.input;
  }

  private async runPayload(state: PayloadState, proofTypes: readonly number[]): Promise<void> {
    const rootHex = toHex(state.record.newPayloadRequestRoot);
    try {
      // A zkboost node fetches its own witness from the NPR: fetch one only if another kind proves.
      const needsInput = this.m.backends.some(
        (b) => b.kind !== "zkboost" && b.capabilities().prove.some((t) => proofTypes.includes(t)),
      );
      if (needsInput) await this.statelessInput(state);
      else state.inputBytes ??= new Uint8Array(0);
    } catch (e) {
      state.input = undefined;
      // A chain block is fetched again after a backoff (the execution client may be down for a while).
      if (this.retryWitness(state, proofTypes, e)) return;
      const msg = `witness for ${rootHex} unavailable: ${errorMessage(e)}`;
      for (const t of proofTypes) this.fail(state, t, classifyFailure(e, "witness"), msg);
      return;
    }
    if (state.dropped || this.closed) return;
    if (state.retry) {
      this.m.logger.info(
        { root: rootHex, slot: state.record.slot, attempts: state.retry.attempt + 1 },
        "witness fetched after retrying",
      );
      state.retry = undefined;
      // Its work could not start before now: not stale for the scheduler.
      state.scheduleFrom = Math.max(state.scheduleFrom, this.m.clock.now());
    }
    for (const t of proofTypes) {
      const d = this.m.clock.now();
      const decision = this.scheduler.submit({
        rootHex,
        proofType: t,
        gasUsed: state.gasUsed,
        seenAt: state.scheduleFrom,
      });
      if (decision.kind === "rejected") {
        if (!this.requeue(state, t, decision.dropReason))
          this.fail(state, t, decision.reason, decision.error);
      } else if (decision.kind === "scheduled") {
        this.m.logger.debug(
          { root: rootHex, proofType: t, at: d, attempts: decision.attempts.map((a) => a.endpointId) },
          "proof scheduled",
        );
      }
    }
    this.pump();
  }

  /**
   * Schedules another witness fetch for a chain block (one with a block root) that is not finalized,
   * orphaned or given up on; returns false when the failure is final. The jobs stay open meanwhile, so
   * the follower's hold on the block (whenSettled) lasts until the retried block settles.
   */
  private retryWitness(state: PayloadState, proofTypes: readonly number[], e: unknown): boolean {
    const { record } = state;
    if (this.closed || state.dropped || isZero(record.blockRoot)) return false;
    if (this.finalizedSlot !== undefined && record.slot < this.finalizedSlot) return false;
    const now = this.m.clock.now();
    const retry = state.retry ?? { attempt: 0, since: now, types: proofTypes };
    if (now - retry.since > this.opts.witnessRetryForMs) return false;
    const inWindow = now < record.seenAt + this.schedulerOpts.deadlineMs;
    const cap = inWindow ? this.opts.witnessRetryDeadlineMaxMs : this.opts.witnessRetryMaxMs;
    const delay = Math.min(cap, this.opts.witnessRetryInitialMs * 2 ** Math.min(retry.attempt, 20));
    const timer = new AbortController();
    retry.timer = timer;
    retry.types = proofTypes;
    state.retry = retry;
    const log = { root: toHex(record.newPayloadRequestRoot), slot: record.slot, err: errorMessage(e) };
    if (retry.attempt === 0)
      this.m.logger.warn({ ...log, retryInMs: delay }, "witness fetch failed; retrying");
    else
      this.m.logger.debug({ ...log, attempt: retry.attempt, retryInMs: delay }, "witness fetch failed again");
    this.m.clock.sleep(delay, timer.signal).then(
      () => {
        if (state.retry !== retry || this.closed || state.dropped) return;
        retry.attempt++;
        retry.timer = undefined;
        this.runPayload(state, proofTypes).catch((err: unknown) => {
          this.m.logger.error({ root: log.root, err: errorMessage(err) }, "proof pipeline crashed");
          for (const t of proofTypes) this.fail(state, t, "internal_error", errorMessage(err));
        });
      },
      () => {},
    );
    return true;
  }

  /** Stops retrying the witness of a payload, and its requeued jobs (orphaned, finalized, closed). */
  private stopRetry(state: PayloadState): void {
    state.retry?.timer?.abort();
    state.retry = undefined;
    state.requeue?.timer.abort();
    state.requeue = undefined;
  }

  /**
   * A chain block's job dropped as stale or for a full queue is submitted again later instead of
   * failing: failing it would settle the block unproved for good (the follower's resume slot moves
   * past it). Returns false when the drop is final (orphaned, finalized, no block root, no input).
   */
  private requeue(state: PayloadState, proofType: number, dropReason: DropReason): boolean {
    const { record } = state;
    if (dropReason === "orphaned" || this.closed || state.dropped || isZero(record.blockRoot)) return false;
    if (!state.inputBytes || !state.pending.has(proofType)) return false;
    if (this.finalizedSlot !== undefined && record.slot < this.finalizedSlot) return false;
    const q = state.requeue ?? { timer: new AbortController(), types: new Set<number>() };
    const armed = state.requeue === q;
    q.types.add(proofType);
    state.requeue = q;
    if (armed) return true;
    this.m.logger.debug(
      { root: toHex(record.newPayloadRequestRoot), slot: record.slot, proofType, dropReason },
      "no proving capacity in time; submitting again",
    );
    this.m.clock.sleep(this.opts.requeueDelayMs, q.timer.signal).then(
      () => {
        if (state.requeue !== q || this.closed || state.dropped) return;
        state.requeue = undefined;
        // Backlog takes only capacity left over: a type with no idle endpoint waits another round
        // rather than queue in front of a new block whose deadline is still ahead.
        const ready = [...q.types].filter((t) => state.pending.has(t) && this.scheduler.hasIdleCapacity(t));
        for (const t of q.types)
          if (state.pending.has(t) && !ready.includes(t) && !this.requeue(state, t, "stale"))
            this.fail(state, t, "internal_error", "dropped: could not be submitted again");
        if (ready.length === 0) return;
        // Its work could not start before now: not stale for the scheduler.
        state.scheduleFrom = Math.max(state.scheduleFrom, this.m.clock.now());
        const rootHex = toHex(record.newPayloadRequestRoot);
        for (const t of ready) {
          const decision = this.scheduler.submit({
            rootHex,
            proofType: t,
            gasUsed: state.gasUsed,
            seenAt: state.scheduleFrom,
          });
          if (decision.kind === "rejected" && !this.requeue(state, t, decision.dropReason))
            this.fail(state, t, decision.reason, decision.error);
        }
        this.pump();
      },
      () => {},
    );
    return true;
  }

  // ---- dispatching ----------------------------------------------------------------------------

  private pump(): void {
    if (this.closed) return;
    const { dispatches, dropped } = this.scheduler.takeDispatches();
    for (const d of dropped) this.failDropped(d);
    for (const d of dispatches) void this.runAttempt(d);
    this.armWake();
  }

  /** Dispatches again when an abandoned run's endpoint is expected to be free. */
  private armWake(): void {
    const at = this.scheduler.nextWakeAt();
    if (at === undefined || (this.wake && this.wake.at <= at)) return;
    this.wake?.abort.abort();
    const abort = new AbortController();
    this.wake = { at, abort };
    this.m.clock.sleep(Math.max(0, at - this.m.clock.now()), abort.signal).then(
      () => {
        if (this.wake?.abort === abort) this.wake = undefined;
        this.pump();
      },
      () => {},
    );
  }

  private async runAttempt(d: Dispatch): Promise<void> {
    const state = this.payloads.get(d.rootHex);
    const backend = this.backendsById.get(d.endpointId);
    if (!state?.inputBytes || !backend) {
      this.settle(d, {
        ok: false,
        reason: "internal_error",
        error: "attempt lost its payload or backend",
        elapsedMs: 0,
      });
      return;
    }
    const abort = new AbortController();
    this.running.set(d.attemptId, { dispatch: d, abort });
    const timer = new AbortController();
    let timedOut = false;
    this.m.clock.sleep(d.timeoutMs, timer.signal).then(
      () => {
        timedOut = true;
        abort.abort(new EproofError("TIMEOUT", `prove on ${d.endpointId} exceeded ${d.timeoutMs} ms`));
      },
      () => {},
    );
    const t0 = this.m.clock.now();
    let result: ProveResult | undefined;
    let outcome: AttemptOutcome;
    try {
      // Raced against the abort, so a timeout holds even for a backend that ignores its signal.
      result = await Promise.race([
        backend.prove({
          proofType: d.proofType,
          statelessInput: state.inputBytes,
          newPayloadRequestRoot: state.record.newPayloadRequestRoot,
          npr: state.record.npr,
          signal: abort.signal,
        }),
        aborted(abort.signal),
      ]);
      outcome = { ok: true, elapsedMs: this.m.clock.now() - t0 };
    } catch (e) {
      const reason = timedOut ? "proving_timeout" : classifyFailure(e, "prove");
      outcome = {
        ok: false,
        reason,
        error: `${d.endpointId}: ${errorMessage(e)}`,
        elapsedMs: this.m.clock.now() - t0,
      };
    } finally {
      timer.abort();
    }
    this.running.delete(d.attemptId);
    if (abort.signal.aborted && !timedOut) return; // cancelled by us: the scheduler already let it go

    if (outcome.ok && result) {
      const problem = await this.checkLocalProof(d, state, result, backend);
      if (problem)
        outcome = {
          ok: false,
          reason: "proving_error",
          error: `${d.endpointId}: ${problem}`,
          elapsedMs: outcome.elapsedMs,
        };
    }
    const decision = this.settle(d, outcome);
    if (decision.kind === "job_complete" && result) await this.storeLocalProof(state, d.proofType, result);
  }

  /** Tells the scheduler how an attempt ended and acts on its decision (except storing a success). */
  private settle(d: Dispatch, outcome: AttemptOutcome): CompleteDecision {
    const decision = this.scheduler.complete(d.attemptId, outcome);
    const state = this.payloads.get(d.rootHex);
    if (!outcome.ok) {
      this.m.logger.warn(
        {
          root: d.rootHex,
          proofType: d.proofType,
          endpoint: d.endpointId,
          reason: outcome.reason,
          err: outcome.error,
        },
        "prove attempt failed",
      );
    }
    switch (decision.kind) {
      case "job_complete":
        for (const id of decision.cancel)
          this.running.get(id)?.abort.abort(new EproofError("INTERNAL", "another endpoint finished first"));
        break;
      case "job_failed":
        if (state) this.fail(state, d.proofType, decision.reason, decision.error);
        break;
      default:
        break;
    }
    this.pump();
    return decision;
  }

  /** Why a fresh proof must not be stored, or undefined when it is good. */
  private async checkLocalProof(
    d: Dispatch,
    state: PayloadState,
    result: ProveResult,
    backend: ProvingBackend,
  ): Promise<string | undefined> {
    if (!(result.proofData instanceof Uint8Array) || result.proofData.length === 0)
      return "the prover returned an empty proof";
    const max = this.m.containers.profile.maxProofSize;
    if (result.proofData.length > max)
      return `proof of ${result.proofData.length} bytes exceeds MAX_PROOF_SIZE ${max}`;
    if (!this.opts.verifyLocalProofs || backend.capabilities().verifiesWhileProving) return undefined;
    const verifier = this.verifierFor(d.proofType);
    // Without a verifier the backend's own public-values check is what vouches for the proof.
    if (!verifier) return undefined;
    try {
      const r = await this.runVerify(
        verifier,
        state.record.newPayloadRequestRoot,
        d.proofType,
        result.proofData,
      );
      return r.valid ? undefined : `own proof failed verification: ${r.reason ?? "invalid"}`;
    } catch (e) {
      return `own proof could not be verified: ${errorMessage(e)}`;
    }
  }

  private buildExecutionProof(
    root: Uint8Array,
    blockRoot: Uint8Array,
    proofType: number,
    proofData: Uint8Array,
  ): Uint8Array {
    const { containers } = this.m;
    const publicInput = buildPublicInput(containers.profile, root, this.m.chainId);
    // proof_data is the container's only variable field, so its encoding is the header (with the
    // offset) followed by the raw bytes: serialize the header alone and append, which avoids the
    // generic serializer's per-byte cost on proofs of hundreds of KB.
    const head = containers.ExecutionProof.serialize({
      proofData: new Uint8Array(0),
      proofType,
      publicInput,
      // A payload pushed without its block keeps a zero block root: stored, never gossiped as an envelope.
      beaconBlockRoot: blockRoot,
    });
    const out = new Uint8Array(head.length + proofData.length);
    out.set(head, 0);
    out.set(proofData, head.length);
    return out;
  }

  private async storeLocalProof(state: PayloadState, proofType: number, result: ProveResult): Promise<void> {
    const root = state.record.newPayloadRequestRoot;
    let proof: StoredProof;
    try {
      proof = {
        newPayloadRequestRoot: root,
        proofType,
        slot: state.record.slot,
        proof: this.buildExecutionProof(root, state.record.blockRoot, proofType, result.proofData),
        source: "local",
        verified: true,
        receivedAt: this.m.clock.now(),
      };
      await this.m.store.putProof(proof);
    } catch (e) {
      this.fail(
        state,
        proofType,
        classifyFailure(e, "store"),
        `storing the proof failed: ${errorMessage(e)}`,
      );
      return;
    }
    this.m.metrics?.recordProofStored("local", proofType, proof.proof.length);
    this.resolve(state, proofType);
    const at = this.m.clock.now();
    this.m.logger.info(
      {
        root: toHex(root),
        proofType,
        slot: proof.slot,
        bytes: result.proofData.length,
        ms: result.timings.totalMs,
      },
      "proof complete",
    );
    this.emit({ type: "proof_complete", newPayloadRequestRoot: root, proofType, at });
    this.emit({ type: "proof_verified", newPayloadRequestRoot: root, proofType, source: "local", at });
    this.notifyWaiters(toHex(root));
    if (this.m.onProofReady) {
      try {
        await this.m.onProofReady(proof, state.record);
      } catch (e) {
        this.m.logger.error(
          { root: toHex(root), proofType, err: errorMessage(e) },
          "onProofReady hook failed",
        );
      }
    }
    this.settleJob(toHex(root), proofType);
  }

  private fail(state: PayloadState, proofType: number, reason: ProofFailureReason, error: string): void {
    const root = state.record.newPayloadRequestRoot;
    this.resolve(state, proofType);
    this.settleJob(toHex(root), proofType);
    this.m.metrics?.recordProofFailure(proofType, reason);
    this.m.logger.warn({ root: toHex(root), proofType, reason, err: error }, "proof failed");
    this.emit({
      type: "proof_failure",
      newPayloadRequestRoot: root,
      proofType,
      reason,
      error,
      at: this.m.clock.now(),
    });
  }

  private failDropped(d: DroppedJob): void {
    const state = this.payloads.get(d.rootHex);
    if (state && !this.requeue(state, d.proofType, d.dropReason))
      this.fail(state, d.proofType, d.reason, d.error);
  }

  /** A (payload, type) is finished either way; the payload's memory goes with its last type. */
  private resolve(state: PayloadState, proofType: number): void {
    const rootHex = toHex(state.record.newPayloadRequestRoot);
    this.inflight.delete(jobKey(rootHex, proofType));
    state.pending.delete(proofType);
    this.forgetIfIdle(state);
  }

  /** The in-memory state of a payload lives only while some proof type of it is pending. */
  private forgetIfIdle(state: PayloadState): void {
    const rootHex = toHex(state.record.newPayloadRequestRoot);
    if (state.pending.size === 0 && this.payloads.get(rootHex) === state) this.payloads.delete(rootHex);
  }

  // ---- verification and network proofs --------------------------------------------------------

  private verifierFor(proofType: number): ProvingBackend | undefined {
    return this.m.backends.find((b) => b.capabilities().verify.includes(proofType));
  }

  private async runVerify(
    backend: ProvingBackend,
    root: Uint8Array,
    proofType: number,
    proofData: Uint8Array,
  ): Promise<VerifyResult> {
    const t0 = this.m.clock.now();
    const r = await backend.verify({ proofType, proofData, newPayloadRequestRoot: root });
    this.m.metrics?.recordVerification(proofType, this.m.clock.now() - t0, r.valid);
    return r;
  }

  async verifyProof(root: Uint8Array, proofType: number, proofData: Uint8Array): Promise<VerifyResult> {
    checkRoot(root);
    if (!this.m.proofTypes.get(proofType))
      throw new EproofError("BAD_INPUT", `unknown proof type ${proofType}`);
    if (!(proofData instanceof Uint8Array) || proofData.length === 0) {
      return { valid: false, reason: "empty proof_data", ms: 0 };
    }
    if (proofData.length > this.m.containers.profile.maxProofSize) {
      return {
        valid: false,
        reason: `proof_data exceeds MAX_PROOF_SIZE ${this.m.containers.profile.maxProofSize}`,
        ms: 0,
      };
    }
    const verifier = this.verifierFor(proofType);
    if (!verifier) {
      throw new EproofError(
        "BAD_INPUT",
        `no configured backend verifies ${this.m.proofTypes.nameOf(proofType)} (${proofType})`,
      );
    }
    try {
      return await this.runVerify(verifier, root, proofType, proofData);
    } catch (e) {
      if (e instanceof EproofError) throw e;
      throw new EproofError("PROVER", `verifier ${verifier.id} failed: ${errorMessage(e)}`, { cause: e });
    }
  }

  async acceptProof(proof: StoredProof): Promise<void> {
    validateStoredProof(proof);
    const existing = await this.m.store.getProof(proof.newPayloadRequestRoot, proof.proofType);
    // Never replace a verified proof with an unverified one, nor a signed one with an unsigned one.
    const worse =
      existing &&
      ((existing.verified && !proof.verified) ||
        (existing.signed && !proof.signed && existing.verified === proof.verified));
    if (worse) return;
    await this.m.store.putProof(proof);
    this.m.metrics?.recordProofStored(proof.source, proof.proofType, proof.proof.length);
    const rootHex = toHex(proof.newPayloadRequestRoot);
    if (!this.known.has(rootHex)) this.remember(rootHex, proof.slot);
    if (!proof.verified) return;
    const event: ProofEvent = {
      type: "proof_verified",
      newPayloadRequestRoot: proof.newPayloadRequestRoot,
      proofType: proof.proofType,
      source: proof.source,
      at: this.m.clock.now(),
    };
    if (proof.signed) event.validatorIndex = proof.signed.validatorIndex;
    this.emit(event);
    this.notifyWaiters(rootHex);
  }

  getProof(root: Uint8Array, proofType: number): Promise<StoredProof | undefined> {
    checkRoot(root);
    return this.m.store.getProof(root, proofType);
  }

  async verifiedProofs(root: Uint8Array): Promise<StoredProof[]> {
    checkRoot(root);
    return (await this.m.store.proofsByRoot(root)).filter((p) => p.verified);
  }

  waitForVerified(
    root: Uint8Array,
    k: number,
    allowedTypes: readonly number[] | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<StoredProof[]> {
    checkRoot(root);
    if (!Number.isInteger(k) || k < 1)
      throw new EproofError("BAD_INPUT", `k must be a positive integer, got ${k}`);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0)
      throw new EproofError("BAD_INPUT", `timeout ${timeoutMs} ms is not valid`);
    const rootHex = toHex(root);
    const allowed = allowedTypes && allowedTypes.length > 0 ? new Set(allowedTypes) : undefined;
    const collect = async () =>
      (await this.verifiedProofs(root)).filter((p) => !allowed || allowed.has(p.proofType));
    return new Promise<StoredProof[]>((resolve, reject) => {
      let done = false;
      const timer = new AbortController();
      const set = this.waiters.get(rootHex) ?? new Set<Waiter>();
      this.waiters.set(rootHex, set);
      const finish = (result: StoredProof[] | Error) => {
        if (done) return;
        done = true;
        timer.abort();
        set.delete(waiter);
        if (set.size === 0 && this.waiters.get(rootHex) === set) this.waiters.delete(rootHex);
        signal?.removeEventListener("abort", onAbort);
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const settleWith = (requireK: boolean): Promise<void> =>
        collect().then(
          (proofs) => {
            if (!requireK || proofs.length >= k) finish(proofs);
          },
          (e: unknown) => finish(e instanceof Error ? e : new Error(String(e))),
        );
      const waiter: Waiter = { check: () => void settleWith(true), finishNow: () => settleWith(false) };
      const onAbort = () => void settleWith(false);
      // Registered before the first look, so a proof landing in between still wakes us.
      set.add(waiter);
      if (signal?.aborted) return void settleWith(false);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.m.clock.sleep(timeoutMs, timer.signal).then(
        () => settleWith(false),
        () => {},
      );
      settleWith(true);
    });
  }

  private notifyWaiters(rootHex: string): void {
    for (const w of this.waiters.get(rootHex) ?? []) w.check();
  }

  // ---- lifecycle: orphans, finality, health ------------------------------------------------------

  /**
   * An orphaned block: stop its work (GPUs stay busy as accounted) and delete its data, except signed
   * proofs, kept for a block that comes back (req/resp serves them again only once it does).
   */
  async dropPayload(root: Uint8Array): Promise<void> {
    checkRoot(root);
    const rootHex = toHex(root);
    const state = this.payloads.get(rootHex);
    if (state) {
      state.dropped = true;
      this.stopRetry(state);
      state.witnessAbort.abort(new EproofError("INTERNAL", "payload orphaned"));
    }
    const { cancel, dropped } = this.scheduler.dropPayload(rootHex);
    for (const id of cancel)
      this.running.get(id)?.abort.abort(new EproofError("INTERNAL", "payload orphaned"));
    for (const d of dropped) this.failDropped(d);
    // Types still waiting for the witness never reached the scheduler.
    if (state)
      for (const t of [...state.pending])
        this.fail(state, t, "internal_error", "dropped: the block was orphaned");
    this.known.delete(rootHex);
    await this.m.store.dropPayload(root, { keepSigned: true });
    this.pump();
  }

  /** Finality: deletes payloads and proofs below `slot`; returns how many proofs went. */
  async pruneBefore(slot: number): Promise<number> {
    if (this.finalizedSlot === undefined || slot > this.finalizedSlot) this.finalizedSlot = slot;
    for (const [hex, s] of this.known) if (s < slot) this.known.delete(hex);
    // A block still waiting for its witness is finalized unproved: its jobs settle as failed.
    for (const state of [...this.payloads.values()]) {
      const { retry, requeue } = state;
      if ((!retry && !requeue) || state.record.slot >= slot) continue;
      this.stopRetry(state);
      for (const t of retry?.types ?? [])
        if (state.pending.has(t))
          this.fail(state, t, "witness_timeout", "finalized before its witness could be fetched");
      for (const t of requeue?.types ?? [])
        if (state.pending.has(t))
          this.fail(state, t, "proving_timeout", "finalized before proving capacity was free");
    }
    return this.m.store.pruneBefore(slot);
  }

  /** Polls every backend's health; unhealthy ones get no new work until they recover. */
  async refreshHealth(signal?: AbortSignal): Promise<{ id: string; ok: boolean; detail?: string }[]> {
    return Promise.all(
      this.m.backends.map(async (b) => {
        let ok = false;
        let detail: string | undefined;
        try {
          const h = await b.health(signal);
          ok = h.ok;
          detail = h.detail;
        } catch (e) {
          detail = errorMessage(e);
        }
        this.scheduler.setHealthy(b.id, ok);
        return detail === undefined ? { id: b.id, ok } : { id: b.id, ok, detail };
      }),
    );
  }

  schedulerStatus(): ReturnType<Scheduler["status"]> {
    return this.scheduler.status();
  }

  // ---- events --------------------------------------------------------------------------------

  proofTypes(): ProofTypeInfo[] {
    return this.m.proofTypes.entries().map((e) => ({
      proofType: e.id,
      name: e.name,
      kind: e.kind,
      canProve: this.m.backends.some((b) => b.capabilities().prove.includes(e.id)),
      canVerify: this.m.backends.some((b) => b.capabilities().verify.includes(e.id)),
    }));
  }

  subscribe(listener: (event: ProofEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  recentEvents(root?: Uint8Array): ProofEvent[] {
    if (!root) return [...this.recent];
    const hex = toHex(root);
    return this.recent.filter((e) => toHex(e.newPayloadRequestRoot) === hex);
  }

  private emit(event: ProofEvent): void {
    this.recent.push(event);
    if (this.recent.length > this.opts.recentEventsLimit)
      this.recent.splice(0, this.recent.length - this.opts.recentEventsLimit);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.m.logger.error({ err: errorMessage(e) }, "proof event listener threw");
      }
    }
  }

  /** Stops all work and settles waiters; the store and backends belong to the caller. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Waiters get what the store holds now, before the caller closes the store.
    await Promise.all([...this.waiters.values()].flatMap((set) => [...set].map((w) => w.finishNow())));
    this.closed = true;
    this.wake?.abort.abort();
    for (const state of this.payloads.values()) {
      this.stopRetry(state);
      state.witnessAbort.abort(new EproofError("INTERNAL", "proof service closed"));
    }
    for (const r of this.running.values()) r.abort.abort(new EproofError("INTERNAL", "proof service closed"));
  }
}
