// Issue 18, crash/outage catch-up: a chain block's job the scheduler turns away for want of capacity
// (a backlog after a restart or an outage: not started within the stale horizon, or every queue full)
// used to fail at once, settling the block unproved for good (the follower's resume slot moved past
// it). It is submitted again until proved, and only a finalized block stops that.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProofEvent } from "../../src/proving/interface.ts";
import { DefaultProofService } from "../../src/proving/service.ts";
import { proofContainers } from "../../src/spec/containers.ts";
import type { ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID, ProofTypeTable } from "../../src/spec/proofTypes.ts";
import type { ProofStore } from "../../src/store/interface.ts";
import { openProofStore } from "../../src/store/levelStore.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { loadDevnetFixture } from "../support/devnetFixture.ts";
import { DigestBackend } from "../support/digestBackend.ts";
import { FakeClock } from "../support/fakeClock.ts";

const CPU = CPU_PROOF_TYPE_ID;
const fixture = loadDevnetFixture();

/** The fixture's payload with another extra-data byte: a distinct root (the digest prover does not care). */
function variant(i: number): ForkedNewPayloadRequest {
  const npr = fixture.npr as ForkedNewPayloadRequest;
  const value = npr.value as { executionPayload: { extraData: Uint8Array } };
  return {
    ...npr,
    value: { ...value, executionPayload: { ...value.executionPayload, extraData: Uint8Array.of(i) } },
  } as ForkedNewPayloadRequest;
}

async function settle(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 5));
}

let dir: string;
let store: ProofStore;
let svc: DefaultProofService | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eproof-requeue-"));
  store = await openProofStore(dir);
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

function start(clock: FakeClock) {
  const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock, proveMs: 3_000 });
  const s = new DefaultProofService({
    store,
    backends: [backend],
    proofTypes: new ProofTypeTable(),
    containers: proofContainers(getProfile()),
    witnessProvider: async () => fixture.statelessInput,
    logger: silentLogger(),
    clock,
  });
  svc = s;
  const events: ProofEvent[] = [];
  s.subscribe((e) => events.push(e));
  return { s, events, backend };
}

describe("a backlog of chain blocks larger than the prover can start in time", () => {
  it("proves every block (requeued, never failed) and holds each block until it is proved", async () => {
    const clock = new FakeClock();
    const { s, events } = start(clock);
    const n = 14; // 3 s each on one slot: most start well past the 12 s horizon, some find the queue full
    const roots: Uint8Array[] = [];
    const settled = new Set<number>();
    for (let i = 0; i < n; i++) {
      const blockRoot = Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j + 1) & 0xff);
      const root = await s.requestProofs(variant(i), [CPU], { slot: 100 + i, blockRoot });
      roots.push(root);
      void s.whenSettled(root, [CPU]).then(() => settled.add(i));
    }
    for (let t = 0; t < 120 && settled.size < n; t++) {
      await clock.advance(500);
      await settle();
    }
    expect(events.filter((e) => e.type === "proof_failure")).toEqual([]);
    expect(settled.size).toBe(n);
    for (const root of roots) expect((await s.getProof(root, CPU))?.verified).toBe(true);
    expect(roots.map((r) => nprRoot(variant(0)) !== r).every(Boolean)).toBe(true);
  });

  it("lets a new block go before the requeued backlog (the backlog only takes capacity left over)", async () => {
    const clock = new FakeClock();
    const { s, events } = start(clock);
    for (let i = 0; i < 14; i++) {
      const blockRoot = Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j + 1) & 0xff);
      await s.requestProofs(variant(i), [CPU], { slot: 100 + i, blockRoot });
    }
    for (let t = 0; t < 30; t++) {
      await clock.advance(500);
      await settle();
    }
    // The head moves on while the backlog is still being worked off.
    const since = clock.now();
    const fresh = await s.requestProofs(variant(50), [CPU], {
      slot: 200,
      blockRoot: new Uint8Array(32).fill(0xaa),
    });
    for (let t = 0; t < 40 && !(await s.getProof(fresh, CPU)); t++) {
      await clock.advance(500);
      await settle();
    }
    const done = events.find(
      (e) => e.type === "proof_complete" && e.newPayloadRequestRoot.every((b, i) => b === fresh[i]),
    );
    // One 3 s proof running ahead of it at most, and its own 3 s: inside the 10 s deadline.
    expect(done?.at).toBeDefined();
    expect((done?.at ?? Number.POSITIVE_INFINITY) - since).toBeLessThanOrEqual(6_500);
  });

  it("gives a requeued block up once it is finalized (its hold is released)", async () => {
    const clock = new FakeClock();
    const { s, events } = start(clock);
    const settled = new Set<number>();
    for (let i = 0; i < 14; i++) {
      const blockRoot = Uint8Array.from({ length: 32 }, (_, j) => (i * 7 + j + 1) & 0xff);
      const root = await s.requestProofs(variant(i), [CPU], { slot: 100 + i, blockRoot });
      void s.whenSettled(root, [CPU]).then(() => settled.add(i));
    }
    // 15 s: the backlog beyond the queue and the horizon is waiting to be submitted again.
    for (let t = 0; t < 30; t++) {
      await clock.advance(500);
      await settle();
    }
    expect(settled.size).toBeLessThan(14);
    await s.pruneBefore(1_000);
    await settle();
    await clock.advance(5_000);
    await settle(8);
    const failures = events.filter((e) => e.type === "proof_failure");
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.every((e) => e.type === "proof_failure" && /finalized/.test(e.error))).toBe(true);
  });
});
