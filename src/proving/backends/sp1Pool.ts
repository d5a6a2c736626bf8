// A pool of worker threads running the SP1 Hypercube wasm verifier, so an ~80 ms STARK check never blocks
// gossip, the API or the gateway. Bounded queue, a timeout per verification (a worker past it is
// terminated and replaced), and a worker that crashes fails only the proof it was checking.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { EproofError, errorMessage } from "../../util/errors.ts";
import type { Sp1WorkerData, Sp1WorkerRequest, Sp1WorkerResponse } from "./sp1VerifierWorker.ts";

export interface Sp1PoolOpts {
  /** Worker threads (each holds its own wasm instance, ~100 MiB resident while verifying). */
  workers?: number;
  /** Verifications waiting for a free worker before new ones are refused. */
  maxQueue?: number;
  /** Longest a verification may take from submission; a worker still running it is replaced. */
  timeoutMs?: number;
  /** Worker script; tests substitute a double that speaks the same messages. */
  workerUrl?: URL;
}

export const defaultSp1PoolOpts = { workers: 1, maxQueue: 64, timeoutMs: 10_000 } as const;

export const SP1_VERIFIER_PACKAGE = "@ethproofs/sp1-hypercube-wasm-verifier";
const WASM_FILE = "pkg/sp1_hypercube_wasm_verifier_bg.wasm";
const GLUE_FILE = "pkg/sp1_hypercube_wasm_verifier_bg.js";

/** The package's version and files, found through Node's resolution (its exports allow ./pkg/*). */
export function sp1VerifierPackage(): { version: string; wasmPath: string; glueUrl: string } {
  const require = createRequire(import.meta.url);
  const wasmPath = require.resolve(`${SP1_VERIFIER_PACKAGE}/${WASM_FILE}`);
  const gluePath = require.resolve(`${SP1_VERIFIER_PACKAGE}/${GLUE_FILE}`);
  const pkgJson = JSON.parse(readFileSync(new URL("../package.json", pathToFileURL(wasmPath)), "utf8")) as {
    version?: string;
  };
  return { version: pkgJson.version ?? "unknown", wasmPath, glueUrl: pathToFileURL(gluePath).href };
}

let compiled: { module: WebAssembly.Module; glueUrl: string } | undefined;

function compiledVerifier(): { module: WebAssembly.Module; glueUrl: string } {
  if (!compiled) {
    const pkg = sp1VerifierPackage();
    compiled = { module: new WebAssembly.Module(readFileSync(pkg.wasmPath)), glueUrl: pkg.glueUrl };
  }
  return compiled;
}

interface Job {
  id: number;
  proof: Uint8Array;
  vk: Uint8Array;
  resolve(valid: boolean): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  onAbort?: () => void;
  signal?: AbortSignal;
  worker?: PoolWorker;
  done?: boolean;
}

interface PoolWorker {
  worker: Worker;
  job?: Job;
  /** Set once the pool stopped listening to it (terminated on timeout, crashed, or closed). */
  retired: boolean;
}

export interface Sp1PoolStats {
  workers: number;
  busy: number;
  queued: number;
  crashes: number;
  timeouts: number;
}

export class Sp1VerifierPool {
  private readonly size: number;
  private readonly maxQueue: number;
  private readonly timeoutMs: number;
  private readonly workerUrl: URL;
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private crashes = 0;
  private timeouts = 0;

  constructor(opts: Sp1PoolOpts = {}) {
    this.size = Math.max(1, Math.floor(opts.workers ?? defaultSp1PoolOpts.workers));
    this.maxQueue = Math.max(0, Math.floor(opts.maxQueue ?? defaultSp1PoolOpts.maxQueue));
    this.timeoutMs = opts.timeoutMs ?? defaultSp1PoolOpts.timeoutMs;
    this.workerUrl = opts.workerUrl ?? new URL("./sp1VerifierWorker.ts", import.meta.url);
  }

  stats(): Sp1PoolStats {
    return {
      workers: this.workers.length,
      busy: this.workers.filter((w) => w.job).length,
      queued: this.queue.length,
      crashes: this.crashes,
      timeouts: this.timeouts,
    };
  }

  /** Starts the workers now (otherwise the first verification does). */
  warm(): void {
    while (!this.closed && this.workers.length < this.size) this.spawn();
  }

  /** The STARK check: true iff the wasm verifier accepts `proof` for the program vk `vk` (8 LE words). */
  verifyStark(proof: Uint8Array, vk: Uint8Array, signal?: AbortSignal): Promise<boolean> {
    if (this.closed) return Promise.reject(new EproofError("INTERNAL", "the SP1 verifier pool is closed"));
    if (signal?.aborted) return Promise.reject(new EproofError("TIMEOUT", "SP1 verification aborted"));
    const busy = this.workers.filter((w) => w.job).length;
    if (busy >= this.size && this.queue.length >= this.maxQueue) {
      return Promise.reject(
        new EproofError("PROVER", `SP1 verifier busy: ${this.queue.length} verifications already queued`),
      );
    }
    return new Promise<boolean>((resolve, reject) => {
      const job: Job = {
        id: this.nextId++,
        proof,
        vk,
        resolve,
        reject,
        timer: setTimeout(() => this.onTimeout(job), this.timeoutMs),
      };
      if (signal) {
        job.signal = signal;
        job.onAbort = () => this.finish(job, new EproofError("TIMEOUT", "SP1 verification aborted"), true);
        signal.addEventListener("abort", job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const err = new EproofError("INTERNAL", "the SP1 verifier pool closed");
    for (const job of this.queue.splice(0)) this.settle(job, err);
    const stopping = this.workers.splice(0).map((w) => {
      w.retired = true;
      if (w.job) this.settle(w.job, err);
      return w.worker.terminate();
    });
    await Promise.allSettled(stopping);
  }

  private dispatch(): void {
    while (this.queue.length > 0 && !this.closed) {
      let target = this.workers.find((w) => !w.job);
      if (!target && this.workers.length < this.size) target = this.spawn();
      if (!target) return;
      const job = this.queue.shift();
      if (!job) return;
      job.worker = target;
      target.job = job;
      target.worker.postMessage({ id: job.id, proof: job.proof, vk: job.vk } satisfies Sp1WorkerRequest);
    }
  }

  private spawn(): PoolWorker {
    const { module, glueUrl } = compiledVerifier();
    const worker = new Worker(this.workerUrl, { workerData: { module, glueUrl } satisfies Sp1WorkerData });
    worker.unref(); // an idle verifier never keeps the process alive
    const entry: PoolWorker = { worker, retired: false };
    worker.on("message", (res: Sp1WorkerResponse | { ready: true }) => {
      if (entry.retired || !("id" in res)) return;
      const job = entry.job;
      if (!job || job.id !== res.id) return;
      entry.job = undefined;
      if ("valid" in res) this.settle(job, undefined, res.valid);
      else this.settle(job, new EproofError("PROVER", res.error));
      this.dispatch();
    });
    const retire = (why: string) => {
      if (entry.retired) return;
      entry.retired = true;
      this.crashes++;
      this.remove(entry);
      const job = entry.job;
      entry.job = undefined;
      if (job) this.settle(job, new EproofError("PROVER", `SP1 verifier worker crashed: ${why}`));
      this.dispatch();
    };
    worker.on("error", (e) => retire(errorMessage(e)));
    worker.on("exit", (code) => retire(`exited with code ${code}`));
    this.workers.push(entry);
    return entry;
  }

  private remove(entry: PoolWorker): void {
    const i = this.workers.indexOf(entry);
    if (i >= 0) this.workers.splice(i, 1);
  }

  private onTimeout(job: Job): void {
    this.timeouts++;
    this.finish(
      job,
      new EproofError("TIMEOUT", `SP1 verification timed out after ${this.timeoutMs} ms`),
      true,
    );
  }

  /** Ends a job early (timeout, abort): a worker still running it is replaced, the queue moves on. */
  private finish(job: Job, err: Error, replaceWorker: boolean): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const entry = job.worker;
    if (entry && entry.job === job && replaceWorker) {
      entry.retired = true;
      entry.job = undefined;
      this.remove(entry);
      void entry.worker.terminate();
    }
    this.settle(job, err);
    this.dispatch();
  }

  private settle(job: Job, err: Error | undefined, valid = false): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.timer);
    if (job.signal && job.onAbort) job.signal.removeEventListener("abort", job.onAbort);
    if (err) job.reject(err);
    else job.resolve(valid);
  }
}
