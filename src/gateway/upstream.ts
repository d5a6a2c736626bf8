// The upstream execution client's Engine API: one JSON-RPC call per request, authenticated with
// a fresh HS256 JWT (its own secret), bounded by a timeout. Transport only; no Engine semantics.
import { EproofError, errorMessage } from "../util/errors.ts";
import { redactUrl } from "../util/logger.ts";
import type { JsonRpcErrorObject } from "./jsonRpc.ts";
import { signJwt } from "./jwt.ts";

export interface UpstreamOpts {
  url: string;
  /** The execution client's JWT secret; without one no Authorization header is sent. */
  jwtSecret?: Uint8Array;
  timeoutMs: number;
}

export type UpstreamAnswer = { result: unknown } | { error: JsonRpcErrorObject };

export class UpstreamClient {
  private readonly opts: UpstreamOpts;
  private nextId = 1;
  private readonly nowSec: () => number;

  constructor(opts: UpstreamOpts, nowSec: () => number) {
    this.opts = opts;
    this.nowSec = nowSec;
  }

  get displayUrl(): string {
    return redactUrl(this.opts.url);
  }

  /** Calls `method`; resolves with the JSON-RPC result or error object, throws UPSTREAM when unreachable. */
  async call(method: string, params: readonly unknown[], signal?: AbortSignal): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.opts.jwtSecret) headers.authorization = `Bearer ${signJwt(this.opts.jwtSecret, this.nowSec())}`;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs);
    const id = this.nextId++;
    let res: Response;
    try {
      res = await fetch(this.opts.url, {
        method: "POST",
        headers,
        body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      throw new EproofError("UPSTREAM", `${this.displayUrl} unreachable: ${errorMessage(e)}`);
    }
    const text = await res.text().catch((e: unknown) => {
      throw new EproofError("UPSTREAM", `${this.displayUrl} body read failed: ${errorMessage(e)}`);
    });
    if (res.status !== 200) {
      throw new EproofError("UPSTREAM", `${this.displayUrl} answered HTTP ${res.status}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new EproofError("UPSTREAM", `${this.displayUrl} answered non-JSON`);
    }
    if (typeof body !== "object" || body === null)
      throw new EproofError("UPSTREAM", `${this.displayUrl} answered no object`);
    const o = body as Record<string, unknown>;
    if ("error" in o && typeof o.error === "object" && o.error !== null) {
      const err = o.error as Record<string, unknown>;
      return {
        error: {
          code: typeof err.code === "number" ? err.code : -32603,
          message: typeof err.message === "string" ? err.message : "upstream error",
          ...(err.data !== undefined ? { data: err.data } : {}),
        },
      };
    }
    if (!("result" in o))
      throw new EproofError("UPSTREAM", `${this.displayUrl} answered neither result nor error`);
    return { result: o.result };
  }
}
