import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { ssz } from "@lodestar/types";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/beacon/chainFollower.ts";
import { FileLastSlotStore } from "../../src/beacon/fileLastSlotStore.ts";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type {
  ChainEvent,
  ChainMetrics,
  LastSlotStore,
  PayloadEvent,
  ReorgEvent,
} from "../../src/beacon/interface.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { createLogger, silentLogger } from "../../src/util/logger.ts";
import { until } from "../support/until.ts";
import { BeaconTestServer, fuluBlockAround, zkboostNpr } from "./beaconTestServer.ts";

class RecordingMetrics implements ChainMetrics {
  readonly errors: string[] = [];
  gaps: number[] = [];
  reorgs: number[] = [];
  reconnects = 0;
  recordUpstreamError(upstream: string, kind: string): void {
    this.errors.push(`${upstream}:${kind}`);
  }
  recordBlockSeen(): void {}
  recordPayloadEmitted(): void {}
  recordReorg(depth: number): void {
    this.reorgs.push(depth);
  }
  recordGapFilled(slots: number): void {
    this.gaps.push(slots);
  }
  recordStreamReconnect(): void {
    this.reconnects++;
  }
  recordStage(): void {}
  recordHeadSlot(): void {}
  recordFinalizedEpoch(): void {}
}

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

describe("ChainFollower against a Beacon API server", () => {
  let server: BeaconTestServer;
  let ctrl: AbortController;
  let events: ChainEvent[];
  let metrics: RecordingMetrics;
  let store: MemorySlotStore;
  let running: Promise<void> | undefined;

  beforeEach(async () => {
    server = new BeaconTestServer();
    await server.start();
    ctrl = new AbortController();
    events = [];
    metrics = new RecordingMetrics();
    store = new MemorySlotStore();
  });
  afterEach(async () => {
    ctrl.abort();
    await running;
    await server.stop();
  });

  function chain(from: number, to: number, parent: Uint8Array, variant = 0): string[] {
    const roots: string[] = [];
    let p = parent;
    for (let slot = from; slot <= to; slot++) {
      const root = server.addBlock(fuluBlockAround(npr, slot, p, variant));
      roots.push(root);
      p = fromHex(root);
    }
    return roots;
  }

  function start(): ChainFollower {
    const beacon = new HttpBeaconClient(
      { baseUrl: server.url, requestTimeoutMs: 5000 },
      { clock: systemClock },
    );
    const follower = new ChainFollower(
      { baseUrl: server.url, reconnectInitialMs: 5, reconnectMaxMs: 20, maxGapSlots: 16 },
      { beacon, clock: systemClock, logger: silentLogger(), metrics, lastSlot: store, random: () => 0.5 },
    );
    follower.on((e) => {
      events.push(e);
    });
    running = follower.run(ctrl.signal);
    return follower;
  }

  const payloads = () => events.filter((e): e is PayloadEvent => e.type === "payload");

  it("subscribes with repeated topics= and emits payloads with the real NPR root", async () => {
    const [genesisChild] = chain(1, 1, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "the head payload on connect");
    expect(server.eventQueries[0]).toContain(
      "topics=head&topics=block&topics=finalized_checkpoint&topics=chain_reorg",
    );
    const [next] = chain(2, 2, fromHex(genesisChild ?? ""));
    server.sendHead(next ?? "");
    await until(() => payloads().length === 2, "payload for slot 2");
    const p = payloads()[1];
    expect(p?.slot).toBe(2);
    expect(toHex(p?.blockRoot ?? new Uint8Array())).toBe(next);
    expect(toHex(p?.blockHash ?? new Uint8Array())).toBe(toHex(npr.executionPayload.blockHash));
    expect(p?.npr.fork).toBe("fulu");
    expect(store.slot).toBe(2);
    expect(events.some((e) => e.type === "finalized")).toBe(true);
  });

  it("fills the gap newest-first after the stream drops while blocks keep coming", async () => {
    const [first] = chain(1, 1, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "first payload");
    server.eventsStatus = 503;
    server.dropStreams();
    const missed = chain(2, 5, fromHex(first ?? ""));
    await until(() => metrics.errors.includes("beacon_events:http_status"), "a refused reconnect");
    server.eventsStatus = 200;
    await until(() => payloads().length === 5, "the missed blocks");
    expect(
      payloads()
        .slice(1)
        .map((p) => p.slot),
    ).toEqual([5, 4, 3, 2]);
    expect(
      payloads()
        .slice(1)
        .map((p) => toHex(p.blockRoot)),
    ).toEqual([...missed].reverse());
    expect(metrics.gaps).toContain(3);
    expect(metrics.reconnects).toBeGreaterThan(0);
    expect(store.slot).toBe(5);
  });

  it("emits a reorg with the orphaned blocks and then the new branch", async () => {
    const [a1, a2] = chain(1, 2, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "head payload");
    const [a3] = chain(3, 3, fromHex(a2 ?? ""));
    server.sendHead(a3 ?? "");
    await until(() => payloads().length === 2, "slot 3");
    // A competing branch from slot 2's parent (a1) overtakes: slots 3' and 4'.
    const [b3, b4] = chain(3, 4, fromHex(a1 ?? ""), 9);
    server.send(
      `event: chain_reorg\ndata: {"slot":"4","depth":"2","old_head_block":"${a3}","new_head_block":"${b4}"}\n\n`,
    );
    await until(
      () => events.some((e) => e.type === "reorg") && payloads().length === 4,
      "reorg and new branch",
    );
    const reorg = events.find((e): e is ReorgEvent => e.type === "reorg");
    expect(reorg?.orphanedBlockRoots.map(toHex).sort()).toEqual([a2, a3].sort());
    expect(toHex(reorg?.newHeadBlock ?? new Uint8Array())).toBe(b4);
    expect(metrics.reorgs).toEqual([2]);
    const idx = events.indexOf(reorg as ChainEvent);
    const after = events.slice(idx + 1).filter((e): e is PayloadEvent => e.type === "payload");
    expect(after.map((p) => toHex(p.blockRoot))).toEqual([b4, b3]);
  });

  it("re-emits the blocks of a branch that becomes canonical again after a reorg (reorg and back)", async () => {
    const [, , a3] = chain(1, 3, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "head payload");
    const [a4] = chain(4, 4, fromHex(a3 ?? ""));
    server.sendHead(a4 ?? "");
    await until(() => payloads().length === 2, "slot 4");
    const [, b5] = chain(4, 5, fromHex(a3 ?? ""), 9);
    server.send(
      `event: chain_reorg\ndata: {"slot":"5","depth":"1","old_head_block":"${a4}","new_head_block":"${b5}"}\n\n`,
    );
    await until(() => payloads().length === 4, "the other branch");
    // The first branch wins after all: a6 on a5 on a4 (a5 was never the head on its own).
    const [a5, a6] = chain(5, 6, fromHex(a4 ?? ""));
    server.send(
      `event: chain_reorg\ndata: {"slot":"6","depth":"2","old_head_block":"${b5}","new_head_block":"${a6}"}\n\n`,
    );
    await until(() => payloads().length === 7, "the first branch again");
    const reorgs = events.filter((e): e is ReorgEvent => e.type === "reorg");
    expect(reorgs.map((r) => r.orphanedBlockRoots.length)).toEqual([1, 2]);
    const back = events.slice(events.indexOf(reorgs[1] as ChainEvent) + 1);
    const again = back.filter((e): e is PayloadEvent => e.type === "payload").map((p) => toHex(p.blockRoot));
    // a4 was orphaned by the first reorg and is canonical again: emitted once more, with a5 and a6.
    expect(again).toEqual([a6, a5, a4]);
  });

  it("a late event about an ancestor of the tip is no reorg", async () => {
    const [, a2] = chain(1, 2, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "head payload");
    const [a3] = chain(3, 3, fromHex(a2 ?? ""));
    server.sendHead(a3 ?? "");
    await until(() => payloads().length === 2, "slot 3");
    // The beacon node repeats an older head (late delivery): nothing is orphaned, nothing re-emitted.
    server.sendHead(a2 ?? "");
    const [a4] = chain(4, 4, fromHex(a3 ?? ""));
    server.sendHead(a4 ?? "");
    await until(() => payloads().length === 3, "slot 4");
    expect(events.some((e) => e.type === "reorg")).toBe(false);
    expect(metrics.reorgs).toEqual([]);
  });

  it("resumes from the persisted slot after a restart and tracks finality", async () => {
    const roots = chain(1, 6, npr.parentBeaconBlockRoot);
    store.slot = 3;
    server.finalized = { epoch: 1, root: roots[0] ?? "" };
    start();
    await until(() => payloads().length === 3, "slots 4..6");
    expect(payloads().map((p) => p.slot)).toEqual([6, 5, 4]);
    server.send(
      `event: finalized_checkpoint\ndata: {"block":"${roots[4]}","state":"${roots[4]}","epoch":"2"}\n\n`,
    );
    await until(() => events.filter((e) => e.type === "finalized").length === 2, "finalized event");
    const fin = events.filter((e) => e.type === "finalized");
    expect(fin.map((f) => (f.type === "finalized" ? [f.epoch, f.slot] : []))).toEqual([
      [1, 8],
      [2, 16],
    ]);
  });

  it("emits Capella payloads from a JSON-only node (Lodestar 1.5.1 devnets)", async () => {
    server.jsonOnly = true;
    const block = ssz.capella.SignedBeaconBlock.defaultValue();
    block.message.slot = 3;
    block.message.body.executionPayload.blockNumber = 3;
    block.message.body.executionPayload.blockHash = new Uint8Array(32).fill(0xcc);
    const root = server.addBlock({ fork: "capella", block });
    start();
    await until(() => payloads().length === 1, "capella payload");
    const p = payloads()[0];
    expect(p?.npr.fork).toBe("capella");
    expect(toHex(p?.blockRoot ?? new Uint8Array())).toBe(root);
    expect(toHex(p?.blockHash ?? new Uint8Array())).toBe(`0x${"cc".repeat(32)}`);
    expect(toHex(p?.root ?? new Uint8Array())).toBe(
      toHex(
        ssz.capella.NewPayloadRequest.hashTreeRoot({ executionPayload: block.message.body.executionPayload }),
      ),
    );
    expect(server.requests.some((r) => r.startsWith("/eth/v2/beacon/blocks/"))).toBe(true);
  });

  it("Gloas: waits for the payload envelope, then emits the NPR from envelope + committed bid", async () => {
    const block = ssz.gloas.SignedBeaconBlock.defaultValue();
    block.message.slot = 12;
    const bid = block.message.body.signedExecutionPayloadBid.message;
    bid.blockHash = new Uint8Array(32).fill(0xee);
    bid.blobKzgCommitments = [new Uint8Array(48).fill(5)];
    const root = server.addBlock({ fork: "gloas", block });
    start();
    await until(
      () => server.requests.some((r) => r.includes("/execution_payload_envelope/")),
      "envelope lookup",
    );
    expect(payloads()).toHaveLength(0);
    const env = ssz.gloas.SignedExecutionPayloadEnvelope.defaultValue();
    env.message.beaconBlockRoot = fromHex(root);
    env.message.payload.blockHash = new Uint8Array(32).fill(0xee);
    env.message.payload.blockNumber = 99;
    server.envelopes.set(root, env);
    server.send(`event: execution_payload\ndata: {"slot":"12","block_root":"${root}"}\n\n`);
    await until(() => payloads().length === 1, "gloas payload");
    const p = payloads()[0];
    expect(p?.npr.fork).toBe("gloas");
    expect(p?.blockNumber).toBe(99);
    const value = p?.npr.value;
    expect(value && "versionedHashes" in value ? value.versionedHashes.length : 0).toBe(1);
    server.send(`event: execution_payload\ndata: {"slot":"12","block_root":"${root}"}\n\n`);
    server.sendHead(root);
    await new Promise((r) => setTimeout(r, 100));
    expect(payloads()).toHaveLength(1);
  });

  it("follows a JSON-only beacon node and survives malformed events", async () => {
    server.jsonOnly = true;
    const [first] = chain(1, 1, npr.parentBeaconBlockRoot);
    start();
    await until(() => payloads().length === 1, "head payload from JSON");
    server.send("event: head\ndata: not json\n\n: keep-alive\n\n");
    server.send('event: head\ndata: {"slot":"2"}\n\n');
    const [second] = chain(2, 2, fromHex(first ?? ""));
    server.sendHead(second ?? "");
    await until(() => payloads().length === 2, "second payload");
    expect(metrics.errors.filter((e) => e === "beacon_events:malformed")).toHaveLength(2);
  });

  it("saves a resume slot only below blocks whose proofs are not durable, and re-emits them after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "eproof-follower-"));
    const path = join(dir, "last-slot");
    try {
      chain(1, 4, npr.parentBeaconBlockRoot);
      await new FileLastSlotStore(path).save(0);
      const beacon = new HttpBeaconClient(
        { baseUrl: server.url, requestTimeoutMs: 5000 },
        { clock: systemClock },
      );
      const follow = (onPayload: (e: PayloadEvent) => Promise<void> | undefined) => {
        const f = new ChainFollower(
          { baseUrl: server.url, reconnectInitialMs: 5, reconnectMaxMs: 20, maxGapSlots: 16 },
          { beacon, clock: systemClock, logger: silentLogger(), lastSlot: new FileLastSlotStore(path) },
        );
        f.on((e) => (e.type === "payload" ? onPayload(e) : undefined));
        return f;
      };
      const saved = () => Number(readFileSync(path, "utf8"));

      // First run: the listener's promise is the block's proofs; slot 2's never become durable.
      const durable = new Map<number, () => void>();
      const first = follow(
        (e) =>
          new Promise<void>((resolve) => {
            durable.set(e.slot, resolve);
          }),
      );
      const run1 = first.run(ctrl.signal);
      await until(() => durable.size === 4, "slots 1-4 handed over");
      expect(saved()).toBe(0);
      durable.get(4)?.();
      durable.get(1)?.();
      await until(() => saved() === 1, "the resume slot to reach 1");
      durable.get(3)?.();
      await new Promise((r) => setTimeout(r, 50));
      expect(saved()).toBe(1);
      // kill: the process goes away with slot 2 unproved.
      ctrl.abort();
      await run1;

      // Restart: everything above the saved slot is handed over again, slot 2 included.
      ctrl = new AbortController();
      const again: number[] = [];
      const second = follow((e) => {
        again.push(e.slot);
        return Promise.resolve();
      });
      running = second.run(ctrl.signal);
      await until(() => again.length === 3, "slots 2-4 re-emitted");
      expect(again.sort()).toEqual([2, 3, 4]);
      await until(() => saved() === 4, "the resume slot to reach the head");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("ChainFollower recovery defaults (issue 18)", () => {
  let server: BeaconTestServer;
  let ctrl: AbortController;
  let running: Promise<void> | undefined;
  beforeEach(async () => {
    server = new BeaconTestServer();
    await server.start();
    ctrl = new AbortController();
  });
  afterEach(async () => {
    ctrl.abort();
    await running;
    await server.stop();
  });

  it("reconnects to a beacon node that came back within 5 s, however long it was down (defect 4)", async () => {
    // A clock whose backoff sleeps are recorded and take 1 ms (the idle watchdog's sleep is kept).
    const backoffs: number[] = [];
    const clock = {
      now: () => 1_700_000_000_000,
      sleep(ms: number, signal?: AbortSignal): Promise<void> {
        return new Promise((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
          if (ms >= 60_000) return; // the stream's idle watchdog: ends with its connection
          backoffs.push(ms);
          setTimeout(resolve, 1);
        });
      },
    };
    const metrics = new RecordingMetrics();
    server.eventsStatus = 503; // down for as many reconnects as the test lets happen
    const beacon = new HttpBeaconClient(
      { baseUrl: server.url, requestTimeoutMs: 5000 },
      { clock: systemClock },
    );
    const follower = new ChainFollower(
      { baseUrl: server.url },
      { beacon, clock, logger: silentLogger(), metrics, lastSlot: new MemorySlotStore(), random: () => 1 },
    );
    running = follower.run(ctrl.signal);
    await until(() => metrics.reconnects >= 12, "a dozen refused reconnects");
    expect(Math.max(...backoffs)).toBeLessThanOrEqual(5_000);
    server.eventsStatus = 200;
    await until(() => server.streamCount > 0, "the stream back");
  });

  it("warns and follows the head when the saved resume slot is beyond it (a new chain, defect 9)", async () => {
    const lines: { level: number; msg: string; resumeSlot?: number }[] = [];
    const logger = createLogger({
      level: "warn",
      destination: new Writable({
        write(chunk, _enc, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    });
    const events: ChainEvent[] = [];
    const store = new MemorySlotStore(1_000);
    server.addBlock(fuluBlockAround(npr, 1, npr.parentBeaconBlockRoot));
    const beacon = new HttpBeaconClient(
      { baseUrl: server.url, requestTimeoutMs: 5000 },
      { clock: systemClock },
    );
    const follower = new ChainFollower(
      { baseUrl: server.url, reconnectInitialMs: 5, reconnectMaxMs: 20 },
      { beacon, clock: systemClock, logger, lastSlot: store, random: () => 0.5 },
    );
    follower.on((e) => {
      events.push(e);
    });
    running = follower.run(ctrl.signal);
    await until(() => events.some((e) => e.type === "payload"), "the head of the new chain proved");
    expect(events.find((e): e is PayloadEvent => e.type === "payload")?.slot).toBe(1);
    expect(lines.some((l) => l.resumeSlot === 1_000 && /beyond the beacon node's head/.test(l.msg))).toBe(
      true,
    );
    await until(() => store.slot === 1, "the resume slot rebased");
  });
});
