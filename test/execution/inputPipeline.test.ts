import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/beacon/chainFollower.ts";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type { PayloadEvent } from "../../src/beacon/interface.ts";
import { StatelessInputPipeline } from "../../src/execution/inputPipeline.ts";
import type { StatelessInputReady } from "../../src/execution/interface.ts";
import { JsonRpcClient } from "../../src/execution/jsonRpcClient.ts";
import { RpcChainConfigSource, RpcWitnessSource } from "../../src/execution/rpcWitnessSource.ts";
import { StatelessInputBuilder } from "../../src/execution/statelessInput.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { BeaconTestServer, FIXTURES, fuluBlockAround, zkboostNpr } from "../beacon/beaconTestServer.ts";
import { until } from "../support/until.ts";
import { RpcTestServer } from "./rpcTestServer.ts";

const zkDir = new URL("zkboost-devnet/", FIXTURES);
const witness = JSON.parse(readFileSync(new URL("execution_witness.json", zkDir), "utf8"));
const chainConfig = JSON.parse(readFileSync(new URL("chain_config.json", zkDir), "utf8"));

describe("beacon node + execution client → StatelessInput (end to end over HTTP)", () => {
  const beacon = new BeaconTestServer();
  const el = new RpcTestServer();
  const npr = zkboostNpr();
  beforeAll(async () => {
    await beacon.start();
    await el.start();
    el.handlers.set("debug_executionWitnessByBlockHash", (p) =>
      p[0] === toHex(npr.executionPayload.blockHash) ? witness : null,
    );
    el.handlers.set("debug_chainConfig", () => chainConfig);
  });
  afterAll(async () => {
    await beacon.stop();
    await el.stop();
  });

  it("follows the head block and produces the StatelessInput of the zkboost-devnet payload", async () => {
    beacon.addBlock(fuluBlockAround(npr, 1, npr.parentBeaconBlockRoot));
    const rpc = new JsonRpcClient({ url: el.url }, { clock: systemClock });
    const builder = new StatelessInputBuilder(
      { profile: getProfile(), witnessCheck: "always" },
      {
        witnessSource: new RpcWitnessSource(rpc, { clock: systemClock }),
        chainConfigSource: new RpcChainConfigSource(rpc),
        clock: systemClock,
        logger: silentLogger(),
      },
    );
    const ready: StatelessInputReady[] = [];
    const failed: string[] = [];
    const pipeline = new StatelessInputPipeline(
      {},
      { builder, logger: silentLogger() },
      { onReady: (r) => ready.push(r), onFailed: (_e, err) => failed.push(err.message) },
    );
    let saved: number | undefined;
    const follower = new ChainFollower(
      { baseUrl: beacon.url },
      {
        beacon: new HttpBeaconClient({ baseUrl: beacon.url }, { clock: systemClock }),
        clock: systemClock,
        logger: silentLogger(),
        lastSlot: {
          load: async () => undefined,
          save: async (s) => {
            saved = s;
          },
        },
      },
    );
    follower.on((e) => pipeline.onChainEvent(e));
    const ctrl = new AbortController();
    const run = follower.run(ctrl.signal);
    await until(() => ready.length + failed.length > 0, "a StatelessInput", 10_000);
    ctrl.abort();
    await run;
    expect(failed).toEqual([]);
    expect(toHex(ready[0]?.root ?? new Uint8Array())).toBe(toHex(nprRoot({ fork: "fulu", value: npr })));
    expect(ready[0]?.bytes.length).toBeGreaterThan(8000);
    expect(ready[0]?.sinceSeenMs).toBeGreaterThanOrEqual(0);
    expect(saved).toBe(1);
  });
});

describe("StatelessInputPipeline", () => {
  const ev = (slot: number, rootByte: number): PayloadEvent => ({
    type: "payload",
    npr: { fork: "fulu", value: zkboostNpr() },
    root: new Uint8Array(32),
    slot,
    blockRoot: new Uint8Array(32).fill(rootByte),
    blockHash: new Uint8Array(32),
    parentHash: new Uint8Array(32),
    blockNumber: slot,
    seenAt: 0,
  });

  it("builds newest first, bounds the queue, and drops orphaned work on a reorg", async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const builder = {
      build: (e: PayloadEvent, signal?: AbortSignal) =>
        new Promise<StatelessInputReady>((resolve, reject) => {
          started.push(e.slot);
          signal?.addEventListener("abort", () => reject(signal.reason));
          release.push(() =>
            resolve({
              bytes: new Uint8Array(1),
              schemaId: 0,
              root: e.root,
              event: e,
              witnessMethod: "debug_executionWitness",
              sinceSeenMs: 0,
            }),
          );
        }),
    };
    const ready: number[] = [];
    const dropped: string[] = [];
    const p = new StatelessInputPipeline(
      { maxInFlight: 1, maxQueued: 2 },
      { builder, logger: silentLogger() },
      { onReady: (r) => ready.push(r.event.slot), onDropped: (e, why) => dropped.push(`${e.slot}:${why}`) },
    );
    p.onChainEvent(ev(1, 1)); // starts at once
    p.onChainEvent(ev(2, 2));
    p.onChainEvent(ev(3, 3));
    p.onChainEvent(ev(4, 4)); // queue holds 2: slot 2 is dropped
    expect(dropped).toEqual(["2:queue_full"]);
    p.onChainEvent({
      type: "reorg",
      slot: 4,
      depth: 2,
      oldHeadBlock: new Uint8Array(32).fill(3),
      newHeadBlock: new Uint8Array(32).fill(9),
      orphanedBlockRoots: [new Uint8Array(32).fill(1), new Uint8Array(32).fill(3)],
    });
    await until(() => started.length === 2, "the next build", 10_000);
    expect(started).toEqual([1, 4]);
    release[1]?.();
    await p.idle();
    expect(ready).toEqual([4]);
    expect(dropped.sort()).toEqual(["1:orphaned", "2:queue_full", "3:orphaned"]);
  });
});
