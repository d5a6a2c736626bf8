// The proving scheduler: pure, clock-driven decisions of which endpoint proves which (payload, proof
// type), when to hedge on a second endpoint, when to drop stale or orphaned work, and how long an
// endpoint stays busy. No I/O: the proof service performs the dispatches it returns.
import type { Clock } from "../util/clock.ts";
import { EproofError } from "../util/errors.ts";
import type { ProofFailureReason } from "./interface.ts";
import {
  defaultPredictorOpts,
  type Prediction,
  type PredictorOpts,
  type PredictorSeed,
  ProvingTimeModel,
  validatePredictorSeed,
} from "./scheduler/predictor.ts";

export { classifyFailure, type FailurePhase } from "./scheduler/failures.ts";
export type { PredictorOpts, PredictorSeed } from "./scheduler/predictor.ts";

export interface SchedulerOpts {
  /** A proof should be ready this long after the block was seen (the EF real-time target). */
  deadlineMs: number;
  /** Work not started by seenAt + staleAfterMs is dropped: by then a newer block needs the GPUs. */
  staleAfterMs: number;
  /** Client-side timeout of one prove call; an ere prove keeps running on the GPU after it. */
  proveTimeoutMs: number;
  /** Start a second endpoint when the first is predicted to miss the deadline. */
  hedge: boolean;
  /** z-score of the prediction quantile that must meet the deadline (1.2816 = p90). */
  hedgeZ: number;
  /** Attempts per (payload, proof type): the primary plus hedges and retries. */
  maxAttemptsPerJob: number;
  /** Attempts waiting for one endpoint; beyond it the endpoint is not chosen. */
  maxQueuePerEndpoint: number;
  /** Proof types per payload (MAX_EXECUTION_PROOFS_PER_PAYLOAD). */
  maxProofTypes: number;
  predictor: PredictorOpts;
  /** Model start for an endpoint given no seed: 2 s + 200 ms/Mgas (a CPU re-execution scale). */
  defaultSeed: PredictorSeed;
}

export const defaultSchedulerOpts: SchedulerOpts = {
  deadlineMs: 10_000,
  staleAfterMs: 12_000,
  proveTimeoutMs: 180_000,
  hedge: true,
  hedgeZ: 1.2816,
  maxAttemptsPerJob: 2,
  maxQueuePerEndpoint: 8,
  maxProofTypes: 4,
  predictor: defaultPredictorOpts,
  defaultSeed: { interceptMs: 2_000, msPerMgas: 200 },
};

export type DropReason = "stale" | "orphaned" | "no_capacity";

/** Named recording functions; src/metrics implements them. */
export interface SchedulerMetrics {
  recordScheduled(proofType: number, endpointId: string, hedge: boolean, predictedMs: number): void;
  recordDropped(proofType: number, reason: DropReason): void;
  recordAttemptResult(
    endpointId: string,
    proofType: number,
    outcome: "ok" | ProofFailureReason,
    elapsedMs: number,
    predictedMs: number,
  ): void;
  recordProofLatency(proofType: number, latencyMs: number, metDeadline: boolean): void;
  recordQueueDepth(endpointId: string, depth: number): void;
}

export interface EndpointSpec {
  id: string;
  proofTypes: readonly number[];
  /** Proves run at once (ere-server: 1). */
  concurrency: number;
  /** The prove keeps running after the client gives up (ere, zkboost), so the endpoint stays busy. */
  runsToCompletion: boolean;
  /** Model start; defaults to opts.defaultSeed. */
  seed?: PredictorSeed;
}

export interface JobSpec {
  /** Hex NPR root: jobs are keyed by (root, proofType). */
  rootHex: string;
  proofType: number;
  gasUsed: number;
  /** When the block was seen (ms since epoch): the deadline counts from here. */
  seenAt: number;
}

export interface AttemptPlan {
  attemptId: number;
  endpointId: string;
  hedge: boolean;
  predictedStart: number;
  predictedFinish: number;
}

export type SubmitDecision =
  | { kind: "scheduled"; attempts: AttemptPlan[] }
  | { kind: "duplicate" }
  | { kind: "rejected"; reason: ProofFailureReason; dropReason: DropReason; error: string };

export interface Dispatch {
  attemptId: number;
  endpointId: string;
  rootHex: string;
  proofType: number;
  hedge: boolean;
  timeoutMs: number;
}

export interface DroppedJob {
  rootHex: string;
  proofType: number;
  dropReason: DropReason;
  reason: ProofFailureReason;
  error: string;
}

export type AttemptOutcome =
  | { ok: true; elapsedMs: number }
  | { ok: false; reason: ProofFailureReason; error: string; elapsedMs: number };

export type CompleteDecision =
  /** The job is done; `cancel` lists the other running attempts to abort (hedge losers). */
  | {
      kind: "job_complete";
      rootHex: string;
      proofType: number;
      cancel: number[];
      latencyMs: number;
      metDeadline: boolean;
    }
  | { kind: "job_failed"; rootHex: string; proofType: number; reason: ProofFailureReason; error: string }
  /** Another attempt of the job is still queued or running (or was just scheduled as a retry). */
  | { kind: "pending"; retry?: AttemptPlan }
  /** The attempt no longer belongs to a live job (completed by another attempt, dropped). */
  | { kind: "ignored" };

type AttemptState = "queued" | "running";

interface Attempt {
  id: number;
  job: Job;
  endpoint: Endpoint;
  hedge: boolean;
  prediction: Prediction;
  state: AttemptState;
  startedAt?: number;
}

interface Job {
  key: string;
  spec: JobSpec;
  attempts: Set<Attempt>;
  tried: Set<string>;
  attemptCount: number;
  lastFailure?: { reason: ProofFailureReason; error: string };
}

interface Slot {
  attempt?: Attempt;
  /** For an abandoned run: when the endpoint is expected to be free again. */
  busyUntil: number;
}

interface Endpoint {
  spec: EndpointSpec;
  healthy: boolean;
  slots: Slot[];
  queue: Attempt[];
  models: Map<number, ProvingTimeModel>;
}

interface Candidate {
  endpoint: Endpoint;
  prediction: Prediction;
  start: number;
  meanFinish: number;
  quantileFinish: number;
}

export interface EndpointStatus {
  id: string;
  healthy: boolean;
  running: number;
  queued: number;
  /** Latest busy-until of abandoned runs still holding a slot (0 if none). */
  busyUntil: number;
  models: { proofType: number; ratioMean: number; ratioStd: number; observed: number; msPerMgas: number }[];
}

function jobKey(rootHex: string, proofType: number): string {
  return `${rootHex}:${proofType}`;
}

export function validateSchedulerOpts(opts: SchedulerOpts): void {
  const positive: (keyof SchedulerOpts)[] = [
    "deadlineMs",
    "staleAfterMs",
    "proveTimeoutMs",
    "maxAttemptsPerJob",
    "maxQueuePerEndpoint",
    "maxProofTypes",
  ];
  for (const k of positive) {
    const v = opts[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      throw new EproofError("BAD_CONFIG", `scheduler ${k} must be a positive number, got ${String(v)}`);
    }
  }
  if (opts.maxProofTypes > 4) throw new EproofError("BAD_CONFIG", "scheduler maxProofTypes is at most 4");
  if (!(opts.hedgeZ >= 0)) throw new EproofError("BAD_CONFIG", "scheduler hedgeZ must be ≥ 0");
  validatePredictorSeed(opts.defaultSeed, "scheduler defaultSeed");
}

export class Scheduler {
  private readonly opts: SchedulerOpts;
  private readonly clock: Clock;
  private readonly metrics: SchedulerMetrics | undefined;
  private readonly endpoints = new Map<string, Endpoint>();
  private readonly jobs = new Map<string, Job>();
  private readonly attempts = new Map<number, Attempt>();
  private nextAttemptId = 1;

  constructor(opts: SchedulerOpts, clock: Clock, metrics?: SchedulerMetrics) {
    validateSchedulerOpts(opts);
    this.opts = opts;
    this.clock = clock;
    this.metrics = metrics;
  }

  addEndpoint(spec: EndpointSpec): void {
    if (this.endpoints.has(spec.id))
      throw new EproofError("BAD_CONFIG", `endpoint "${spec.id}" is configured twice`);
    if (!Number.isInteger(spec.concurrency) || spec.concurrency < 1) {
      throw new EproofError(
        "BAD_CONFIG",
        `endpoint "${spec.id}" needs a concurrency ≥ 1, got ${spec.concurrency}`,
      );
    }
    if (spec.seed) validatePredictorSeed(spec.seed, `endpoint "${spec.id}"`);
    const models = new Map<number, ProvingTimeModel>();
    for (const t of spec.proofTypes)
      models.set(t, new ProvingTimeModel(spec.seed ?? this.opts.defaultSeed, this.opts.predictor));
    this.endpoints.set(spec.id, {
      spec,
      healthy: true,
      slots: Array.from({ length: spec.concurrency }, () => ({ busyUntil: 0 })),
      queue: [],
      models,
    });
  }

  /** Unhealthy endpoints get no new work; what they hold is left to finish or time out. */
  setHealthy(endpointId: string, healthy: boolean): void {
    const ep = this.endpoints.get(endpointId);
    if (ep) ep.healthy = healthy;
  }

  hasJob(rootHex: string, proofType: number): boolean {
    return this.jobs.has(jobKey(rootHex, proofType));
  }

  /** Live jobs (queued or running): bounded by endpoints × queue depth. */
  jobCount(): number {
    return this.jobs.size;
  }

  predict(endpointId: string, proofType: number, gasUsed: number): Prediction | undefined {
    return this.endpoints.get(endpointId)?.models.get(proofType)?.predict(gasUsed);
  }

  /** Plans a (payload, proof type): the endpoint predicted to finish first, plus a hedge if it may miss. */
  submit(spec: JobSpec): SubmitDecision {
    const key = jobKey(spec.rootHex, spec.proofType);
    if (this.jobs.has(key)) return { kind: "duplicate" };
    const now = this.clock.now();
    if (now > spec.seenAt + this.opts.staleAfterMs) {
      this.metrics?.recordDropped(spec.proofType, "stale");
      return {
        kind: "rejected",
        reason: "proving_timeout",
        dropReason: "stale",
        error: `payload seen ${now - spec.seenAt} ms ago is past the ${this.opts.staleAfterMs} ms horizon`,
      };
    }
    const candidates = this.candidates(spec, new Set());
    const primary = candidates[0];
    if (!primary) {
      const any = [...this.endpoints.values()].some((e) => e.models.has(spec.proofType));
      this.metrics?.recordDropped(spec.proofType, "no_capacity");
      return {
        kind: "rejected",
        reason: any ? "proving_timeout" : "internal_error",
        dropReason: "no_capacity",
        error: any
          ? `every endpoint for proof type ${spec.proofType} is unhealthy or has a full queue`
          : `no endpoint proves proof type ${spec.proofType}`,
      };
    }
    const job: Job = { key, spec, attempts: new Set(), tried: new Set(), attemptCount: 0 };
    this.jobs.set(key, job);
    const plans = [this.enqueue(job, primary, false)];
    const hedge = this.hedgeCandidate(job, primary, candidates.slice(1));
    if (hedge) plans.push(this.enqueue(job, hedge, true));
    return { kind: "scheduled", attempts: plans };
  }

  private deadlineOf(job: Job): number {
    return job.spec.seenAt + this.opts.deadlineMs;
  }

  private hedgeCandidate(job: Job, primary: Candidate, rest: readonly Candidate[]): Candidate | undefined {
    if (!this.opts.hedge || job.attemptCount >= this.opts.maxAttemptsPerJob) return undefined;
    const deadline = this.deadlineOf(job);
    if (primary.quantileFinish <= deadline) return undefined;
    // Only an idle endpoint: a hedge that has to queue delays the blocks behind it.
    const now = this.clock.now();
    const second = rest.find((c) => c.start <= now);
    if (!second) return undefined;
    // Worth its GPU time only if it may beat the primary's pessimistic finish and may still make
    // the deadline; otherwise it only takes a GPU from the next block.
    const optimistic = second.meanFinish - this.opts.hedgeZ * second.prediction.stdMs;
    if (second.meanFinish >= primary.quantileFinish || optimistic > deadline) return undefined;
    return second;
  }

  /** Endpoints able to take the job now, best predicted finish first (ties by id: deterministic). */
  private candidates(spec: JobSpec, exclude: ReadonlySet<string>): Candidate[] {
    const now = this.clock.now();
    const out: Candidate[] = [];
    for (const ep of this.endpoints.values()) {
      const model = ep.models.get(spec.proofType);
      if (
        !model ||
        !ep.healthy ||
        exclude.has(ep.spec.id) ||
        ep.queue.length >= this.opts.maxQueuePerEndpoint
      )
        continue;
      const prediction = model.predict(spec.gasUsed);
      const start = this.predictedStart(ep, now);
      out.push({
        endpoint: ep,
        prediction,
        start,
        meanFinish: start + prediction.meanMs,
        quantileFinish: start + prediction.meanMs + this.opts.hedgeZ * prediction.stdMs,
      });
    }
    out.sort((a, b) => a.meanFinish - b.meanFinish || (a.endpoint.spec.id < b.endpoint.spec.id ? -1 : 1));
    return out;
  }

  /** When a new attempt would start: slots free up, then the FIFO queue runs ahead of it. */
  private predictedStart(ep: Endpoint, now: number): number {
    const free = ep.slots.map((s) => {
      if (s.attempt) {
        const started = s.attempt.startedAt ?? now;
        return Math.max(now, started + s.attempt.prediction.meanMs);
      }
      return Math.max(now, s.busyUntil);
    });
    for (const q of ep.queue) {
      const i = indexOfMin(free);
      free[i] = (free[i] ?? now) + q.prediction.meanMs;
    }
    return free[indexOfMin(free)] ?? now;
  }

  private enqueue(job: Job, c: Candidate, hedge: boolean): AttemptPlan {
    const attempt: Attempt = {
      id: this.nextAttemptId++,
      job,
      endpoint: c.endpoint,
      hedge,
      prediction: c.prediction,
      state: "queued",
    };
    job.attempts.add(attempt);
    job.tried.add(c.endpoint.spec.id);
    job.attemptCount++;
    c.endpoint.queue.push(attempt);
    this.attempts.set(attempt.id, attempt);
    this.metrics?.recordScheduled(job.spec.proofType, c.endpoint.spec.id, hedge, c.prediction.meanMs);
    this.metrics?.recordQueueDepth(c.endpoint.spec.id, c.endpoint.queue.length);
    return {
      attemptId: attempt.id,
      endpointId: c.endpoint.spec.id,
      hedge,
      predictedStart: c.start,
      predictedFinish: c.meanFinish,
    };
  }

  /**
   * Starts every queued attempt whose endpoint has a free slot (FIFO per endpoint). Queued work past
   * the stale horizon is dropped instead; a job left without attempts is reported in `dropped`.
   */
  takeDispatches(): { dispatches: Dispatch[]; dropped: DroppedJob[] } {
    const now = this.clock.now();
    const dispatches: Dispatch[] = [];
    const dropped: DroppedJob[] = [];
    for (const ep of this.endpoints.values()) {
      // Stale queued attempts go first, wherever they are in the queue.
      for (const a of [...ep.queue]) {
        if (now <= a.job.spec.seenAt + this.opts.staleAfterMs) continue;
        this.removeAttempt(a);
        if (a.job.attempts.size === 0) dropped.push(this.dropJob(a.job, "stale", now));
      }
      for (const slot of ep.slots) {
        if (slot.attempt || slot.busyUntil > now) continue;
        const next = ep.queue.shift();
        if (!next) break;
        next.state = "running";
        next.startedAt = now;
        slot.attempt = next;
        slot.busyUntil = 0;
        dispatches.push({
          attemptId: next.id,
          endpointId: ep.spec.id,
          rootHex: next.job.spec.rootHex,
          proofType: next.job.spec.proofType,
          hedge: next.hedge,
          timeoutMs: this.opts.proveTimeoutMs,
        });
      }
      this.metrics?.recordQueueDepth(ep.spec.id, ep.queue.length);
    }
    return { dispatches, dropped };
  }

  private dropJob(job: Job, dropReason: DropReason, now: number): DroppedJob {
    this.jobs.delete(job.key);
    this.metrics?.recordDropped(job.spec.proofType, dropReason);
    const error =
      dropReason === "stale"
        ? `dropped: not started within ${this.opts.staleAfterMs} ms of the block (seen ${now - job.spec.seenAt} ms ago)`
        : "dropped: the block was orphaned";
    return {
      rootHex: job.spec.rootHex,
      proofType: job.spec.proofType,
      dropReason,
      reason: job.lastFailure?.reason ?? "proving_timeout",
      error: job.lastFailure ? `${error}; last failure: ${job.lastFailure.error}` : error,
    };
  }

  /** Removes an attempt from its queue or slot; a running one abandoned on a run-to-completion endpoint keeps the slot busy. */
  private removeAttempt(a: Attempt): void {
    this.attempts.delete(a.id);
    a.job.attempts.delete(a);
    const ep = a.endpoint;
    if (a.state === "queued") {
      const i = ep.queue.indexOf(a);
      if (i >= 0) ep.queue.splice(i, 1);
      return;
    }
    const slot = ep.slots.find((s) => s.attempt === a);
    if (!slot) return;
    slot.attempt = undefined;
    slot.busyUntil = 0;
  }

  /** Frees the slot of a running attempt that is given up; ere keeps proving, so it stays busy a while. */
  private abandon(a: Attempt, now: number): void {
    const slot = a.endpoint.slots.find((s) => s.attempt === a);
    this.removeAttempt(a);
    // A run given up after `elapsed` ms takes at least that long: learning only from finished runs
    // (hedge winners) would make the model optimistic.
    const elapsed = now - (a.startedAt ?? now);
    if (elapsed > a.prediction.meanMs) {
      a.endpoint.models.get(a.job.spec.proofType)?.observe(a.job.spec.gasUsed, elapsed);
    }
    if (!slot || !a.endpoint.spec.runsToCompletion) return;
    const started = a.startedAt ?? now;
    // Expect the run to end at its pessimistic prediction, and never sooner than a tenth of its mean from now.
    const pessimistic = started + a.prediction.meanMs + this.opts.hedgeZ * a.prediction.stdMs;
    slot.busyUntil = Math.max(pessimistic, now + a.prediction.meanMs / 10);
  }

  /** Records how an attempt ended and decides what the job does next. */
  complete(attemptId: number, outcome: AttemptOutcome): CompleteDecision {
    const a = this.attempts.get(attemptId);
    if (a?.state !== "running") return { kind: "ignored" };
    const now = this.clock.now();
    const job = a.job;
    const { spec } = job;
    const model = a.endpoint.models.get(spec.proofType);
    this.metrics?.recordAttemptResult(
      a.endpoint.spec.id,
      spec.proofType,
      outcome.ok ? "ok" : outcome.reason,
      outcome.elapsedMs,
      a.prediction.meanMs,
    );
    if (outcome.ok) {
      model?.observe(spec.gasUsed, outcome.elapsedMs);
      this.removeAttempt(a);
      const cancel: number[] = [];
      for (const other of [...job.attempts]) {
        if (other.state === "running") {
          cancel.push(other.id);
          this.abandon(other, now);
        } else this.removeAttempt(other);
      }
      this.jobs.delete(job.key);
      const latencyMs = now - spec.seenAt;
      const metDeadline = latencyMs <= this.opts.deadlineMs;
      this.metrics?.recordProofLatency(spec.proofType, latencyMs, metDeadline);
      return {
        kind: "job_complete",
        rootHex: spec.rootHex,
        proofType: spec.proofType,
        cancel,
        latencyMs,
        metDeadline,
      };
    }

    if (outcome.reason === "proving_timeout") {
      // The GPU is still at it; abandon() learns the elapsed time as a lower bound.
      this.abandon(a, now);
    } else this.removeAttempt(a);
    job.lastFailure = { reason: outcome.reason, error: outcome.error };

    if (job.attempts.size > 0) return { kind: "pending" };
    const retry = this.retry(job, now);
    if (retry) return { kind: "pending", retry };
    this.jobs.delete(job.key);
    return {
      kind: "job_failed",
      rootHex: spec.rootHex,
      proofType: spec.proofType,
      reason: outcome.reason,
      error: outcome.error,
    };
  }

  private retry(job: Job, now: number): AttemptPlan | undefined {
    if (job.attemptCount >= this.opts.maxAttemptsPerJob) return undefined;
    if (now > job.spec.seenAt + this.opts.staleAfterMs) return undefined;
    // Proving errors are usually the input's fault: retry elsewhere only on endpoints not tried yet.
    const c = this.candidates(job.spec, job.tried)[0];
    return c ? this.enqueue(job, c, false) : undefined;
  }

  /**
   * Drops every job of an orphaned payload. Returns the running attempts to abort (their endpoints
   * stay busy as with any abandoned ere prove) and the dropped jobs.
   */
  dropPayload(rootHex: string): { cancel: number[]; dropped: DroppedJob[] } {
    const now = this.clock.now();
    const cancel: number[] = [];
    const dropped: DroppedJob[] = [];
    for (const job of [...this.jobs.values()]) {
      if (job.spec.rootHex !== rootHex) continue;
      for (const a of [...job.attempts]) {
        if (a.state === "running") {
          cancel.push(a.id);
          this.abandon(a, now);
        } else this.removeAttempt(a);
      }
      job.lastFailure = undefined;
      dropped.push(this.dropJob(job, "orphaned", now));
    }
    return { cancel, dropped };
  }

  /** Whether a healthy endpoint for `proofType` could start a job now: nothing queued and a slot free. */
  hasIdleCapacity(proofType: number): boolean {
    const now = this.clock.now();
    for (const ep of this.endpoints.values()) {
      if (!ep.healthy || !ep.spec.proofTypes.includes(proofType) || ep.queue.length > 0) continue;
      if (ep.slots.some((s) => !s.attempt && s.busyUntil <= now)) return true;
    }
    return false;
  }

  /** The earliest future time an abandoned run's slot frees, so the caller can dispatch again then. */
  nextWakeAt(): number | undefined {
    const now = this.clock.now();
    let best: number | undefined;
    for (const ep of this.endpoints.values()) {
      if (ep.queue.length === 0) continue;
      for (const s of ep.slots) {
        if (!s.attempt && s.busyUntil > now && (best === undefined || s.busyUntil < best)) best = s.busyUntil;
      }
    }
    return best;
  }

  status(): EndpointStatus[] {
    return [...this.endpoints.values()].map((ep) => ({
      id: ep.spec.id,
      healthy: ep.healthy,
      running: ep.slots.filter((s) => s.attempt).length,
      queued: ep.queue.length,
      busyUntil: Math.max(0, ...ep.slots.map((s) => (s.attempt ? 0 : s.busyUntil))),
      models: [...ep.models.entries()].map(([proofType, m]) => ({ proofType, ...m.snapshot() })),
    }));
  }
}

function indexOfMin(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++)
    if ((xs[i] ?? Number.POSITIVE_INFINITY) < (xs[best] ?? Number.POSITIVE_INFINITY)) best = i;
  return best;
}
