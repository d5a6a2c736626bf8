// Issue 18 (found by test/devnet/crash.test.ts): Lodestar answers 404 for the body of a head it just
// announced (the block is not written yet). The follower dropped such a block without holding the
// resume slot below it, so the slot was saved past a block never handed over, and a kill then lost it
// for good. Now it holds the resume slot like a failed fetch, and a restart hands the block over.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ChainFollower } from "../../src/beacon/chainFollower.ts";
import { FileLastSlotStore } from "../../src/beacon/fileLastSlotStore.ts";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type { PayloadEvent } from "../../src/beacon/interface.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { until } from "../support/until.ts";
import { BeaconTestServer, fuluBlockAround, zkboostNpr } from "./beaconTestServer.ts";

const npr = zkboostNpr();

describe("a block whose body the beacon node does not serve yet", () => {
  let server: BeaconTestServer;
  let dir: string;
  beforeEach(async () => {
    server = new BeaconTestServer();
    await server.start();
    dir = mkdtempSync(join(tmpdir(), "eproof-vanished-"));
  });
  afterEach(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the resume slot below it, and a restart hands it over", async () => {
    const path = join(dir, "last-slot");
    let parent = npr.parentBeaconBlockRoot;
    const roots: string[] = [];
    for (let slot = 1; slot <= 3; slot++) {
      const root = server.addBlock(fuluBlockAround(npr, slot, parent));
      roots.push(root);
      parent = fromHex(root);
    }
    await new FileLastSlotStore(path).save(0);
    // The head's body answers 404 (announced, not written yet).
    const headBody = `/eth/v2/beacon/blocks/${roots[2]}`;
    server.failPaths.set(headBody, 404);
    const beacon = new HttpBeaconClient(
      { baseUrl: server.url, requestTimeoutMs: 5000 },
      { clock: systemClock },
    );
    const follow = (seen: number[]) => {
      const f = new ChainFollower(
        { baseUrl: server.url, reconnectInitialMs: 5, reconnectMaxMs: 20, maxGapSlots: 16 },
        { beacon, clock: systemClock, logger: silentLogger(), lastSlot: new FileLastSlotStore(path) },
      );
      f.on((e) => {
        if (e.type === "payload") seen.push((e as PayloadEvent).slot);
        return e.type === "payload" ? Promise.resolve() : undefined;
      });
      return f;
    };
    const saved = () => Number(readFileSync(path, "utf8"));

    let ctrl = new AbortController();
    const first: number[] = [];
    const run1 = follow(first).run(ctrl.signal);
    await until(() => first.length === 2 && saved() >= 2, "slots 1-2 handed over and durable");
    await new Promise((r) => setTimeout(r, 100));
    expect(first.sort()).toEqual([1, 2]);
    expect(saved()).toBe(2); // not 3: slot 3 was never handed over
    ctrl.abort(); // kill
    await run1;

    server.failPaths.delete(headBody);
    ctrl = new AbortController();
    const again: number[] = [];
    const run2 = follow(again).run(ctrl.signal);
    await until(() => again.includes(3), "slot 3 handed over after the restart");
    await until(() => saved() === 3, "the resume slot to reach the head");
    ctrl.abort();
    await run2;
  });
});
