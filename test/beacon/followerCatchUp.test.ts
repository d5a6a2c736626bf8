// The follower catches up over REST as soon as an event-stream connection starts, not when the stream's
// headers arrive: Lodestar 1.5.1 sends them only with the next event, up to a slot later (found by the
// devnet fault tests: every restart and every beacon-node return lost up to a slot before proving).
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/beacon/chainFollower.ts";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type { ChainEvent, LastSlotStore, PayloadEvent } from "../../src/beacon/interface.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer, fuluBlockAround, zkboostNpr } from "./beaconTestServer.ts";

class MemorySlotStore implements LastSlotStore {
  slot: number | undefined;
  constructor(slot?: number) {
    this.slot = slot;
  }
  async load() {
    return this.slot;
  }
  async save(slot: number) {
    this.slot = slot;
  }
}

const npr = zkboostNpr();

async function until(cond: () => boolean, ms = 5_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

describe("ChainFollower catch-up with a node that holds its event-stream headers", () => {
  let server: BeaconTestServer;
  let ctrl: AbortController;
  let running: Promise<void> | undefined;
  const events: ChainEvent[] = [];

  beforeEach(async () => {
    server = new BeaconTestServer();
    server.eventHeadersWithFirstEvent = true;
    await server.start();
    ctrl = new AbortController();
    events.length = 0;
  });
  afterEach(async () => {
    ctrl.abort();
    await running;
    await server.stop();
  });

  const chain = (from: number, to: number, parent: Uint8Array): string[] => {
    const roots: string[] = [];
    let p = parent;
    for (let slot = from; slot <= to; slot++) {
      const root = server.addBlock(fuluBlockAround(npr, slot, p));
      roots.push(root);
      p = fromHex(root);
    }
    return roots;
  };
  const start = (store: LastSlotStore) => {
    const beacon = new HttpBeaconClient(
      { baseUrl: server.url, requestTimeoutMs: 2000 },
      { clock: systemClock },
    );
    const follower = new ChainFollower(
      { baseUrl: server.url, reconnectInitialMs: 5, reconnectMaxMs: 20 },
      { beacon, clock: systemClock, logger: silentLogger(), lastSlot: store, random: () => 0.5 },
    );
    follower.on((e) => {
      events.push(e);
    });
    running = follower.run(ctrl.signal);
  };
  const slots = () => events.filter((e): e is PayloadEvent => e.type === "payload").map((e) => e.slot);

  it("after a restart: the blocks since the resume slot, before any event arrives", async () => {
    chain(1, 4, npr.parentBeaconBlockRoot);
    start(new MemorySlotStore(1));
    await server.waitForConnections(1);
    // No event is ever sent, so the stream's headers never arrive.
    expect(await until(() => slots().length === 3)).toBe(true);
    expect(slots()).toEqual([4, 3, 2]);
  });

  it("after the node returns from an outage: the blocks it produced meanwhile, before its next event", async () => {
    const [first] = chain(1, 1, npr.parentBeaconBlockRoot);
    server.eventHeadersWithFirstEvent = false;
    start(new MemorySlotStore());
    await until(() => slots().length === 1);
    // The event stream goes down; the node keeps producing; it comes back holding its headers.
    server.eventsStatus = 503;
    server.dropStreams();
    chain(2, 5, fromHex(first ?? ""));
    const refusedBefore = server.requests.filter((p) => p === "/eth/v1/events").length;
    await until(() => server.requests.filter((p) => p === "/eth/v1/events").length > refusedBefore + 1);
    server.eventHeadersWithFirstEvent = true;
    server.eventsStatus = 200;
    expect(await until(() => slots().length === 5)).toBe(true);
    expect(slots()).toEqual([1, 5, 4, 3, 2]);
  });
});
