import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LightConsensus } from "../../src/light/consensus.ts";
import type { VerifiedHeader } from "../../src/light/interface.ts";
import { LightClientApi } from "../../src/light/lightClientApi.ts";
import { SyncStore } from "../../src/light/syncProtocol.ts";
import { type Clock, systemClock } from "../../src/util/clock.ts";
import { createLogger } from "../../src/util/logger.ts";
import {
  bootstrapOf,
  buildChain,
  finalityUpdateOf,
  type LcServer,
  optimisticUpdateOf,
  SECONDS_PER_SLOT,
  startLcServer,
  updateOf,
} from "./lcChain.ts";

const NOW_SLOT = 75;
const nowMs = 1_800_000_000_000;
const genesisTime = nowMs / 1000 - NOW_SLOT * SECONDS_PER_SLOT;
/** Wall time fixed at slot 75; timeouts still run on real time. */
const clock: Clock = { now: () => nowMs, sleep: systemClock.sleep };
const chain = buildChain({ slots: 72, genesisTime });
const logger = createLogger({ level: "silent" });

describe("sync protocol rules", () => {
  it("bootstraps only from the trusted checkpoint root", () => {
    const b32 = chain.bySlot(32);
    expect(() => new SyncStore(chain.config, b32.root, bootstrapOf(chain, b32))).not.toThrow();
    expect(() => new SyncStore(chain.config, chain.bySlot(33).root, bootstrapOf(chain, b32))).toThrow(
      /not the trusted checkpoint root/,
    );
    const bad = bootstrapOf(chain, b32);
    bad.currentSyncCommitteeBranch = chain.bySlot(33).stateBranches.current;
    expect(() => new SyncStore(chain.config, b32.root, bad)).toThrow(/current sync committee is not in/);
  });

  it("applies a signed update and refuses a forged signature, a wrong branch and a future slot", () => {
    const b32 = chain.bySlot(32);
    const store = new SyncStore(chain.config, b32.root, bootstrapOf(chain, b32));
    expect(() => store.processUpdate(updateOf(chain, chain.bySlot(66), true), NOW_SLOT)).toThrow(
      /signature .* does not verify/,
    );
    const wrongBranch = updateOf(chain, chain.bySlot(66));
    wrongBranch.finalityBranch = chain.bySlot(67).stateBranches.current;
    expect(() => store.processUpdate(wrongBranch, NOW_SLOT)).toThrow(/not the finalized checkpoint/);
    expect(() => store.processUpdate(updateOf(chain, chain.bySlot(66)), 50)).toThrow(/slots out of order/);
    expect(store.nextCommitteeKnown).toBe(false);
    const change = store.processUpdate(updateOf(chain, chain.bySlot(66)), NOW_SLOT);
    expect(change.optimistic?.beacon.slot).toBe(66);
    expect(store.nextCommitteeKnown).toBe(true);
    const fin = store.processFinalityUpdate(finalityUpdateOf(chain, chain.bySlot(70)), NOW_SLOT);
    expect(fin.finalized?.beacon.slot).toBe(64);
    expect(store.optimisticHeader.beacon.slot).toBe(70);
    // A header whose execution part is not the block's (a lying server) is refused.
    const lie = optimisticUpdateOf(chain, chain.bySlot(71));
    lie.attestedHeader = {
      ...lie.attestedHeader,
      execution: { ...lie.attestedHeader.execution, blockNumber: 9 },
    };
    expect(() => store.processOptimisticUpdate(lie, NOW_SLOT)).toThrow(/execution branch/);
    expect(store.optimisticHeader.beacon.slot).toBe(70);
  });
});

describe("LightConsensus against an untrusted beacon API server", () => {
  let server: LcServer;
  beforeAll(async () => {
    server = await startLcServer(chain, {
      bootstrapSlot: 32,
      updates: [updateOf(chain, chain.bySlot(66))],
      finality: finalityUpdateOf(chain, chain.bySlot(70)),
      optimistic: optimisticUpdateOf(chain, chain.bySlot(71)),
      swapBlocks: new Map(),
    });
  });
  afterAll(() => server.close());

  const make = (checkpointSlot: number, headers: VerifiedHeader[]) =>
    new LightConsensus(
      {
        checkpointRoot: chain.bySlot(checkpointSlot).root,
        genesisTime,
        secondsPerSlot: SECONDS_PER_SLOT,
        pollIntervalMs: 1000,
        clockToleranceSlots: 1,
      },
      {
        api: new LightClientApi(
          { baseUrl: server.url, requestTimeoutMs: 5000, maxResponseBytes: 1 << 22 },
          { clock },
        ),
        config: chain.config,
        clock,
        logger,
        onHeader: (h) => headers.push(h),
      },
    );

  it("follows verified headers: bootstrap, period update, finality, optimistic head", async () => {
    const headers: VerifiedHeader[] = [];
    const lc = make(32, headers);
    await lc.bootstrap();
    await lc.poll();
    expect(lc.finalizedSlot).toBe(64);
    expect(lc.optimisticSlot).toBe(71);
    expect(headers.map((h) => h.slot)).toEqual([32, 66, 64, 70, 71]);
    expect(lc.refusal).toBeUndefined();
  });

  it("refuses a forged optimistic update and keeps its head", async () => {
    const headers: VerifiedHeader[] = [];
    const lc = make(32, headers);
    await lc.bootstrap();
    await lc.poll();
    server.served.optimistic = optimisticUpdateOf(chain, chain.bySlot(72), true);
    await lc.poll();
    expect(lc.optimisticSlot).toBe(71);
    expect(lc.refusal?.reason).toBe("bad_signature");
    server.served.optimistic = optimisticUpdateOf(chain, chain.bySlot(72));
    await lc.poll();
    expect(lc.optimisticSlot).toBe(72);
  });

  it("follows optimistic updates while the server has no finality yet, and asks for updates once an epoch", async () => {
    const saved = { ...server.served };
    try {
      server.served.finalityUnavailable = true;
      // No finalized update: the next sync committee stays unknown.
      server.served.updates = [];
      server.served.updateRequests = 0;
      server.served.optimistic = optimisticUpdateOf(chain, chain.bySlot(71));
      const headers: VerifiedHeader[] = [];
      const lc = make(32, headers);
      await lc.bootstrap();
      await lc.poll();
      expect(lc.optimisticSlot).toBe(71);
      server.served.optimistic = optimisticUpdateOf(chain, chain.bySlot(72));
      await lc.poll();
      await lc.poll();
      expect(lc.optimisticSlot).toBe(72);
      expect(lc.finalizedSlot).toBe(32);
      expect(headers.map((h) => h.slot)).toEqual([32, 71, 72]);
      // Three rounds in one slot: the period's updates were asked for once, not each round.
      expect(server.served.updateRequests).toBe(1);
    } finally {
      Object.assign(server.served, saved, { finalityUnavailable: false });
    }
  });

  it("a bootstrap for another root than the trusted one is an error", async () => {
    const lc = make(33, []);
    await expect(lc.bootstrap()).rejects.toThrow(/served a bad bootstrap: .*not the trusted checkpoint root/);
  });
});
