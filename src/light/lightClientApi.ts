// The light-client routes of an *untrusted* beacon node (beacon-APIs /eth/v1/beacon/light_client/*), as
// JSON decoded per the fork the server names. Transport only: what comes back is checked by
// syncProtocol.ts before anything uses it. Counts the bytes received (light.bytes_per_slot).
import type { ForkName } from "@lodestar/params";
import type {
  LightClientBootstrap,
  LightClientFinalityUpdate,
  LightClientOptimisticUpdate,
  LightClientUpdate,
} from "@lodestar/types";
import { request } from "undici";
import { startDeadline } from "../beacon/deadline.ts";
import { classifyFetchError, malformed, UpstreamError } from "../beacon/upstreamError.ts";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { redactUrl } from "../util/logger.ts";
import { joinUrl } from "../util/url.ts";
import { lightTypesFor } from "./syncProtocol.ts";

const FORKS: readonly string[] = ["altair", "bellatrix", "capella", "deneb", "electra", "fulu", "gloas"];

export interface LightClientApiOpts {
  baseUrl: string;
  requestTimeoutMs: number;
  /** Largest body accepted from the server (a lying server must not exhaust memory). */
  maxResponseBytes: number;
}

export class LightClientApi {
  private readonly opts: LightClientApiOpts;
  private readonly clock: Clock;
  private received = 0;

  constructor(opts: LightClientApiOpts, modules: { clock: Clock }) {
    this.opts = opts;
    this.clock = modules.clock;
  }

  get url(): string {
    return redactUrl(this.opts.baseUrl);
  }

  /** Bytes of light-client data received so far. */
  get bytesReceived(): number {
    return this.received;
  }

  async getBootstrap(blockRootHex: string, signal?: AbortSignal): Promise<LightClientBootstrap> {
    const r = await this.getJson(`/eth/v1/beacon/light_client/bootstrap/${blockRootHex}`, signal);
    if (r === undefined) throw this.notFound(`bootstrap for ${blockRootHex}`);
    const { fork, data } = versioned(r, this.url);
    return decode(this.url, () => lightTypesFor(fork).LightClientBootstrap.fromJson(data));
  }

  async getUpdates(startPeriod: number, count: number, signal?: AbortSignal): Promise<LightClientUpdate[]> {
    const r = await this.getJson(
      `/eth/v1/beacon/light_client/updates?start_period=${startPeriod}&count=${count}`,
      signal,
    );
    if (r === undefined) return [];
    if (!Array.isArray(r)) throw malformed("beacon", this.url, "light-client updates that are not a list");
    return r.map((item) => {
      const { fork, data } = versioned(item, this.url);
      return decode(this.url, () => lightTypesFor(fork).LightClientUpdate.fromJson(data));
    });
  }

  async getFinalityUpdate(signal?: AbortSignal): Promise<LightClientFinalityUpdate | undefined> {
    const r = await this.getJson("/eth/v1/beacon/light_client/finality_update", signal);
    if (r === undefined) return undefined;
    const { fork, data } = versioned(r, this.url);
    return decode(this.url, () => lightTypesFor(fork).LightClientFinalityUpdate.fromJson(data));
  }

  async getOptimisticUpdate(signal?: AbortSignal): Promise<LightClientOptimisticUpdate | undefined> {
    const r = await this.getJson("/eth/v1/beacon/light_client/optimistic_update", signal);
    if (r === undefined) return undefined;
    const { fork, data } = versioned(r, this.url);
    return decode(this.url, () => lightTypesFor(fork).LightClientOptimisticUpdate.fromJson(data));
  }

  private notFound(what: string): UpstreamError {
    return new UpstreamError(
      "beacon",
      "http_status",
      `beacon ${this.url} has no light-client ${what} (404)`,
      {
        status: 404,
      },
    );
  }

  private async getJson(path: string, signal?: AbortSignal): Promise<unknown> {
    const url = joinUrl(this.opts.baseUrl, path);
    const deadline = startDeadline(this.clock, this.opts.requestTimeoutMs, signal);
    let status: number;
    let body: Uint8Array;
    try {
      const res = await request(url, {
        method: "GET",
        headers: { accept: "application/json" },
        signal: deadline.signal,
      });
      status = res.statusCode;
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Uint8Array).length;
        if (size > this.opts.maxResponseBytes) {
          res.body.destroy();
          throw malformed("beacon", url, `a body over ${this.opts.maxResponseBytes} bytes`);
        }
        chunks.push(chunk as Uint8Array);
      }
      body = Buffer.concat(chunks);
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      throw classifyFetchError("beacon", url, e, deadline.timedOut());
    } finally {
      deadline.clear();
    }
    this.received += body.length;
    if (status === 404) return undefined;
    if (status !== 200) {
      const text = Buffer.from(body).toString("utf8").slice(0, 200);
      throw new UpstreamError(
        "beacon",
        "http_status",
        `beacon ${redactUrl(url)} answered HTTP ${status}: ${text}`,
        {
          status,
        },
      );
    }
    try {
      return JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      throw malformed("beacon", url, "a body that is not JSON");
    }
  }
}

function versioned(r: unknown, url: string): { fork: ForkName; data: unknown } {
  const o = r as { version?: unknown; data?: unknown };
  if (typeof o !== "object" || o === null || typeof o.version !== "string" || !FORKS.includes(o.version))
    throw malformed("beacon", url, "light-client data without a known fork version");
  return { fork: o.version as ForkName, data: o.data };
}

function decode<T>(url: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw malformed("beacon", url, `undecodable light-client data: ${errorMessage(e)}`);
  }
}
