// The Beacon API event stream (`/eth/v1/events`, one `topics=` parameter per topic since some nodes
// ignore the comma form), kept open for as long as the caller's signal lives: every drop or stall
// is reported, then the stream reconnects after an exponential backoff with jitter.
import { request } from "undici";
import type { Clock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import type { Logger } from "../util/logger.ts";
import { redactUrl } from "../util/logger.ts";
import { joinUrl } from "../util/url.ts";
import type { ChainMetrics } from "./interface.ts";
import { type SseEvent, SseParser } from "./sseParser.ts";
import { UpstreamError } from "./upstreamError.ts";

export const BEACON_TOPICS = [
  "head",
  "block",
  "finalized_checkpoint",
  "chain_reorg",
  "execution_payload",
  "execution_payload_available",
] as const;
export type BeaconTopic = (typeof BEACON_TOPICS)[number];

export interface EventStreamOpts {
  baseUrl: string;
  topics: readonly BeaconTopic[];
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** 0..1: the delay is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  reconnectJitter: number;
  /** A connection without any byte (keep-alive comments count) for this long is dropped. */
  idleTimeoutMs: number;
}

export interface EventStreamHandlers {
  onEvent(event: SseEvent): void;
  /**
   * A connection attempt starts. Some nodes (Lodestar 1.5.1) send the response headers only with the
   * first event, up to a slot later: a caller catching up on what it missed need not wait for that.
   */
  onConnecting?(reconnect: boolean): void;
  /** The stream is (re)connected: anything missed while it was down must be fetched by the caller. */
  onConnected(reconnect: boolean): void;
  onDisconnected?(error: Error): void;
}

export interface EventStreamModules {
  clock: Clock;
  logger: Logger;
  metrics?: Pick<ChainMetrics, "recordUpstreamError" | "recordStreamReconnect">;
  /** Source of jitter; Math.random unless a test fixes it. */
  random?: () => number;
}

export function eventsUrl(baseUrl: string, topics: readonly string[]): string {
  const params = new URLSearchParams();
  for (const t of topics) params.append("topics", t);
  // joinUrl keeps a query the base URL carries (an API key) after the path, not before it.
  return joinUrl(baseUrl, `/eth/v1/events?${params.toString()}`);
}

/** Exponential backoff with jitter; `floorMs` is the server's `retry:` hint. Pure. */
export function backoffDelayMs(
  attempt: number,
  opts: Pick<EventStreamOpts, "reconnectInitialMs" | "reconnectMaxMs" | "reconnectJitter">,
  random: number,
  floorMs = 0,
): number {
  const base = Math.min(opts.reconnectMaxMs, opts.reconnectInitialMs * 2 ** Math.min(attempt, 30));
  const jittered = base * (1 + opts.reconnectJitter * (2 * random - 1));
  return Math.max(floorMs, Math.round(Math.min(opts.reconnectMaxMs, jittered)));
}

export class BeaconEventStream {
  private readonly opts: EventStreamOpts;
  private readonly modules: EventStreamModules;
  private retryHintMs = 0;
  /** Sent back as Last-Event-ID on reconnect, as SSE clients do (ignored by nodes without ids). */
  private lastEventId = "";

  constructor(opts: EventStreamOpts, modules: EventStreamModules) {
    this.opts = opts;
    this.modules = modules;
  }

  /** Runs until `signal` aborts; never throws for upstream failures. */
  async run(handlers: EventStreamHandlers, signal: AbortSignal): Promise<void> {
    const { clock, logger } = this.modules;
    const random = this.modules.random ?? Math.random;
    let attempt = 0;
    let connections = 0;
    while (!signal.aborted) {
      let gotData = false;
      try {
        await this.connectOnce(
          handlers,
          connections > 0,
          () => {
            gotData = true;
          },
          signal,
        );
        if (signal.aborted) return;
        throw new UpstreamError("beacon_events", "stream_drop", "beacon event stream ended");
      } catch (e) {
        if (signal.aborted) return;
        const err = e instanceof Error ? e : new Error(String(e));
        const kind = err instanceof UpstreamError ? err.kind : "stream_drop";
        this.modules.metrics?.recordUpstreamError("beacon_events", kind);
        handlers.onDisconnected?.(err);
        if (gotData) attempt = 0;
        const delay = backoffDelayMs(attempt, this.opts, random(), this.retryHintMs);
        logger.warn(
          { url: redactUrl(this.opts.baseUrl), err: errorMessage(err), retryInMs: delay, attempt },
          "beacon event stream down, reconnecting",
        );
        attempt++;
        connections++;
        try {
          await clock.sleep(delay, signal);
        } catch {
          return;
        }
        this.modules.metrics?.recordStreamReconnect();
      }
    }
  }

  private async connectOnce(
    handlers: EventStreamHandlers,
    reconnect: boolean,
    onData: () => void,
    outer: AbortSignal,
  ): Promise<void> {
    const url = eventsUrl(this.opts.baseUrl, this.opts.topics);
    const conn = new AbortController();
    const onOuter = () => conn.abort(outer.reason);
    outer.addEventListener("abort", onOuter, { once: true });
    let lastDataAt = this.modules.clock.now();
    let idle = false;
    const watchdog = this.watchIdle(
      () => lastDataAt,
      () => {
        idle = true;
        conn.abort(new Error("idle"));
      },
      conn.signal,
    );
    try {
      handlers.onConnecting?.(reconnect);
      const res = await request(url, {
        method: "GET",
        headers: {
          accept: "text/event-stream",
          "cache-control": "no-cache",
          ...(this.lastEventId ? { "last-event-id": this.lastEventId } : {}),
        },
        signal: conn.signal,
      });
      if (res.statusCode !== 200) {
        const text = (await res.body.text()).slice(0, 200);
        throw new UpstreamError(
          "beacon_events",
          "http_status",
          `events answered HTTP ${res.statusCode}: ${text}`,
          {
            status: res.statusCode,
          },
        );
      }
      const parser = new SseParser();
      const decoder = new TextDecoder("utf-8");
      this.modules.logger.info({ url: redactUrl(url) }, "beacon event stream connected");
      handlers.onConnected(reconnect);
      for await (const chunk of res.body) {
        lastDataAt = this.modules.clock.now();
        onData();
        const out = parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        if (out.retryMs !== undefined) this.retryHintMs = out.retryMs;
        if (parser.lastEventId) this.lastEventId = parser.lastEventId;
        for (const ev of out.events) handlers.onEvent(ev);
      }
    } catch (e) {
      if (idle) {
        throw new UpstreamError(
          "beacon_events",
          "timeout",
          `no bytes on the event stream for ${this.opts.idleTimeoutMs} ms`,
        );
      }
      if (outer.aborted) return;
      if (e instanceof UpstreamError) throw e;
      throw new UpstreamError("beacon_events", "stream_drop", `event stream failed: ${errorMessage(e)}`, {
        cause: e,
      });
    } finally {
      outer.removeEventListener("abort", onOuter);
      conn.abort();
      await watchdog;
    }
  }

  private async watchIdle(lastDataAt: () => number, onIdle: () => void, signal: AbortSignal): Promise<void> {
    const { clock } = this.modules;
    const limit = this.opts.idleTimeoutMs;
    while (!signal.aborted) {
      const wait = Math.max(1, lastDataAt() + limit - clock.now());
      try {
        await clock.sleep(wait, signal);
      } catch {
        return;
      }
      if (clock.now() - lastDataAt() >= limit) {
        onIdle();
        return;
      }
    }
  }
}
