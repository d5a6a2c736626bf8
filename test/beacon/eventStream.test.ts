import { afterEach, describe, expect, it } from "vitest";
import { BeaconEventStream, backoffDelayMs, eventsUrl } from "../../src/beacon/eventStream.ts";
import type { SseEvent } from "../../src/beacon/sseParser.ts";
import { systemClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { until } from "../support/until.ts";
import { BeaconTestServer } from "./beaconTestServer.ts";

describe("backoffDelayMs", () => {
  const opts = { reconnectInitialMs: 100, reconnectMaxMs: 1000, reconnectJitter: 0.5 };
  it("doubles per attempt up to the cap, jitter within ±jitter, never below the retry hint", () => {
    expect(backoffDelayMs(0, opts, 0.5)).toBe(100);
    expect(backoffDelayMs(3, opts, 0.5)).toBe(800);
    expect(backoffDelayMs(10, opts, 0.5)).toBe(1000);
    expect(backoffDelayMs(1, opts, 0)).toBe(100);
    expect(backoffDelayMs(1, opts, 1)).toBe(300);
    expect(backoffDelayMs(0, opts, 0.5, 700)).toBe(700);
  });
  it("repeats topics= once per topic", () => {
    expect(eventsUrl("http://h:1/", ["head", "block"])).toBe(
      "http://h:1/eth/v1/events?topics=head&topics=block",
    );
  });
  it("keeps a base URL's path and query (an API key) around the events path", () => {
    expect(eventsUrl("https://node.example/KEY?apikey=X", ["head"])).toBe(
      "https://node.example/KEY/eth/v1/events?apikey=X&topics=head",
    );
  });
});

describe("BeaconEventStream", () => {
  const server = new BeaconTestServer();
  const ctrl = new AbortController();
  let running: Promise<void> | undefined;
  afterEach(async () => {
    ctrl.abort();
    await running;
    await server.stop();
  });

  it("delivers framed events across chunks, reconnects after a drop and after an idle stall", async () => {
    await server.start();
    const events: SseEvent[] = [];
    const connects: boolean[] = [];
    const errors: string[] = [];
    const stream = new BeaconEventStream(
      {
        baseUrl: server.url,
        topics: ["head", "block"],
        reconnectInitialMs: 5,
        reconnectMaxMs: 20,
        reconnectJitter: 0.2,
        idleTimeoutMs: 300,
      },
      {
        clock: systemClock,
        logger: silentLogger(),
        metrics: { recordUpstreamError: (_u, k) => errors.push(k), recordStreamReconnect: () => {} },
      },
    );
    running = stream.run(
      { onEvent: (e) => events.push(e), onConnected: (re) => connects.push(re) },
      ctrl.signal,
    );
    await server.waitForConnections(1);
    server.send('retry: 10\n: keep-alive\nevent: head\ndata: {"slot":"1",\n');
    server.send('id: 42\ndata: "block":"0x01"}\n\n');
    await until(() => events.length === 1, "first event");
    expect(JSON.parse(events[0]?.data ?? "")).toEqual({ slot: "1", block: "0x01" });
    server.dropStreams();
    await server.waitForConnections(2);
    server.send("event: block\ndata: {}\n\n");
    await until(() => events.length === 2, "event after reconnect");
    expect(errors).toContain("stream_drop");
    expect(server.eventLastIds.slice(0, 2)).toEqual([undefined, "42"]);
    // No bytes for longer than the idle limit: the stream is declared stalled and reopened.
    await server.waitForConnections(3);
    await until(() => connects.length === 3, "third connect");
    expect(errors).toContain("timeout");
    expect(connects.slice(0, 3)).toEqual([false, true, true]);
  });
});
