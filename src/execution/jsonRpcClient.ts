// JSON-RPC 2.0 over HTTP (undici) towards an execution client: single calls and batches, a deadline
// per call on the injected clock, and an optional Engine-API style JWT (HS256, fresh `iat` per request).
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { request } from "undici";
import { startDeadline } from "../beacon/deadline.ts";
import { classifyFetchError, malformed, UpstreamError } from "../beacon/upstreamError.ts";
import type { Clock } from "../util/clock.ts";
import { EproofError } from "../util/errors.ts";
import { redactUrl } from "../util/logger.ts";
import type { ExecutionMetrics } from "./interface.ts";

export interface JsonRpcClientOpts {
  url: string;
  timeoutMs: number;
  /** 32-byte JWT secret; when set every request carries `Authorization: Bearer <jwt>`. */
  jwtSecret?: Uint8Array;
  /** Bound on calls sent in one batch request. */
  maxBatchSize: number;
}

export const defaultJsonRpcClientOpts: Omit<JsonRpcClientOpts, "url"> = {
  timeoutMs: 12_000,
  maxBatchSize: 100,
};

/** An error object the server returned for a call (not a transport failure). */
export class RpcError extends EproofError {
  readonly rpcCode: number;
  readonly method: string;
  constructor(method: string, rpcCode: number, message: string) {
    super("UPSTREAM", `${method} failed: ${message} (code ${rpcCode})`);
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    this.method = method;
  }

  /** The EL does not offer this method (standard code, or the texts geth/reth/nethermind use). */
  get methodMissing(): boolean {
    return (
      this.rpcCode === -32601 ||
      /method not found|does not exist|not available|unsupported/i.test(this.message)
    );
  }
}

export interface RpcCall {
  method: string;
  params: unknown[];
}

export type RpcOutcome = { ok: true; result: unknown } | { ok: false; error: RpcError };

function b64url(bytes: Uint8Array | string): string {
  return Buffer.from(bytes).toString("base64url");
}

/** HS256 JWT with only `iat`, as the Engine API's authentication spec asks. */
export function engineJwt(secret: Uint8Array, nowMs: number): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ iat: Math.floor(nowMs / 1000) }));
  const sig = hmac(sha256, secret, new TextEncoder().encode(`${head}.${body}`));
  return `${head}.${body}.${b64url(sig)}`;
}

interface RpcResponseObject {
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

function isResponseObject(v: unknown): v is RpcResponseObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class JsonRpcClient {
  private readonly opts: JsonRpcClientOpts;
  private readonly clock: Clock;
  private readonly metrics?: Pick<ExecutionMetrics, "recordRpcCall">;
  private nextId = 1;

  constructor(
    opts: Partial<JsonRpcClientOpts> & { url: string },
    modules: { clock: Clock; metrics?: Pick<ExecutionMetrics, "recordRpcCall"> },
  ) {
    this.opts = { ...defaultJsonRpcClientOpts, ...opts };
    this.clock = modules.clock;
    this.metrics = modules.metrics;
  }

  get url(): string {
    return redactUrl(this.opts.url);
  }

  async call<T = unknown>(
    method: string,
    params: unknown[],
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    const [out] = await this.send([{ method, params }], opts.timeoutMs ?? this.opts.timeoutMs, opts.signal);
    if (!out) throw malformed("execution", this.opts.url, `no response for ${method}`);
    if (!out.ok) throw out.error;
    return out.result as T;
  }

  /** Sends calls in batches of at most maxBatchSize; each outcome in call order. */
  async batch(
    calls: readonly RpcCall[],
    opts: { timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<RpcOutcome[]> {
    const out: RpcOutcome[] = [];
    for (let i = 0; i < calls.length; i += this.opts.maxBatchSize) {
      const chunk = calls.slice(i, i + this.opts.maxBatchSize);
      out.push(...(await this.send(chunk, opts.timeoutMs ?? this.opts.timeoutMs, opts.signal, true)));
    }
    return out;
  }

  private async send(
    calls: readonly RpcCall[],
    timeoutMs: number,
    signal?: AbortSignal,
    asBatch = false,
  ): Promise<RpcOutcome[]> {
    const ids = calls.map(() => this.nextId++);
    const bodies = calls.map((c, i) => ({ jsonrpc: "2.0", id: ids[i], method: c.method, params: c.params }));
    const payload = JSON.stringify(asBatch ? bodies : bodies[0]);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.opts.jwtSecret)
      headers.authorization = `Bearer ${engineJwt(this.opts.jwtSecret, this.clock.now())}`;
    // One label for every batch size: a label value per size would grow the series without bound.
    const label = calls.length === 1 ? (calls[0]?.method ?? "?") : "batch";
    const what = calls.length === 1 ? label : `batch(${calls.length})`;
    const t0 = this.clock.now();
    const deadline = startDeadline(this.clock, timeoutMs, signal);
    let text: string;
    let status: number;
    try {
      const res = await request(this.opts.url, {
        method: "POST",
        headers,
        body: payload,
        signal: deadline.signal,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (e) {
      this.metrics?.recordRpcCall(label, this.clock.now() - t0, false);
      const err = classifyFetchError("execution", this.opts.url, e, deadline.timedOut());
      if (err instanceof UpstreamError && err.kind === "timeout") {
        throw new UpstreamError(
          "execution",
          "timeout",
          `${what} to ${this.url} timed out after ${timeoutMs} ms`,
        );
      }
      throw err;
    } finally {
      deadline.clear();
    }
    const ok = status === 200;
    this.metrics?.recordRpcCall(label, this.clock.now() - t0, ok);
    if (!ok) {
      throw new UpstreamError(
        "execution",
        "http_status",
        `${what} to ${this.url} answered HTTP ${status}: ${text.slice(0, 200)}`,
        {
          status,
        },
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw malformed("execution", this.opts.url, `a body that is not JSON for ${what}`);
    }
    const list = Array.isArray(parsed) ? parsed : [parsed];
    const byId = new Map<unknown, RpcResponseObject>();
    for (const item of list) if (isResponseObject(item)) byId.set(item.id, item);
    return calls.map((c, i) => {
      const r =
        byId.get(ids[i]) ??
        (list.length === 1 && calls.length === 1 && isResponseObject(list[0]) ? list[0] : undefined);
      if (!r) return { ok: false, error: new RpcError(c.method, -32603, "no response object for this call") };
      if (r.error) {
        const code = typeof r.error.code === "number" ? r.error.code : -32603;
        const msg = typeof r.error.message === "string" ? r.error.message : "error";
        return { ok: false, error: new RpcError(c.method, code, msg) };
      }
      if (!("result" in r))
        return { ok: false, error: new RpcError(c.method, -32603, "response has neither result nor error") };
      return { ok: true, result: r.result };
    });
  }
}
