// Witness fetches are bounded (issue 18, found by the devnet crash test): a catch-up after a restart
// handed 64 blocks to proving at once, their 64 eth_getProof witness fetches ran together against the
// execution client and all timed out at 12 s, and blocks went unproved until finality dropped them.
// Now at most `maxConcurrentWitnesses` run at once, newest slot first, each timed from its own start.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PrioritySlots } from "../../src/proving/prioritySlots.ts";
import { DefaultProofService, type WitnessProvider } from "../../src/proving/service.ts";
import { proofContainers } from "../../src/spec/containers.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID, ProofTypeTable } from "../../src/spec/proofTypes.ts";
import type { ProofStore } from "../../src/store/interface.ts";
import { openProofStore } from "../../src/store/levelStore.ts";
import { systemClock } from "../../src/util/clock.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { type DevnetFixture, loadDevnetFixture } from "../support/devnetFixture.ts";
import { DigestBackend } from "../support/digestBackend.ts";

const CPU = CPU_PROOF_TYPE_ID;
const fixture: DevnetFixture = loadDevnetFixture();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dir: string;
let store: ProofStore;
let svc: DefaultProofService | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eproof-witness-slots-"));
  store = await openProofStore(dir);
});
afterEach(async () => {
  await svc?.close();
  svc = undefined;
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The fixture payload with a distinct block hash per slot (a distinct root each). */
function payloadAt(slot: number) {
  const npr = structuredClone(fixture.npr);
  npr.value.executionPayload.blockHash = new Uint8Array(32).fill(slot);
  return npr;
}

describe("witness fetches of a catch-up", () => {
  it("run at most maxConcurrentWitnesses at once, newest slot first, none timed out by its wait", async () => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    // Each fetch takes 100 ms; 12 of them two at a time take 600 ms, three times the witness timeout.
    const witnessProvider: WitnessProvider = async (_npr, meta) => {
      running++;
      peak = Math.max(peak, running);
      order.push(meta.slot);
      await sleep(100);
      running--;
      return fixture.statelessInput;
    };
    const failures: string[] = [];
    svc = new DefaultProofService({
      store,
      backends: [new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock })],
      proofTypes: new ProofTypeTable(),
      containers: proofContainers(getProfile()),
      witnessProvider,
      logger: silentLogger(),
      clock: systemClock,
      opts: { maxConcurrentWitnesses: 2, witnessTimeoutMs: 200 },
    });
    svc.subscribe((e) => {
      if (e.type === "proof_failure") failures.push(e.reason);
    });
    // Handed over as the follower does after a gap: newest first, all at once.
    const slots = Array.from({ length: 12 }, (_, i) => 12 - i);
    const roots = await Promise.all(
      slots.map((slot) =>
        svc?.requestProofs(payloadAt(slot), [CPU], {
          slot,
          blockRoot: new Uint8Array(32).fill(slot),
          seenAt: Date.now(),
        }),
      ),
    );
    for (const root of roots) if (root) await svc.whenSettled(root, [CPU]);
    expect(failures).toEqual([]);
    for (const root of roots)
      expect((await store.getProof(root ?? new Uint8Array(), CPU))?.verified).toBe(true);
    expect(peak).toBe(2);
    expect(order).toHaveLength(12);
    // Whatever started first, every later fetch took the newest slot waiting.
    const later = order.slice(2);
    expect(later).toEqual([...later].sort((a, b) => b - a));
  });
});

describe("PrioritySlots", () => {
  it("grants the highest priority first, then first come; an abort leaves the queue", async () => {
    const slots = new PrioritySlots(1);
    const first = await slots.acquire(0);
    const granted: string[] = [];
    const abort = new AbortController();
    const low = slots.acquire(1).then((r) => {
      granted.push("low");
      return r;
    });
    const high = slots.acquire(5).then((r) => {
      granted.push("high");
      return r;
    });
    const gone = slots.acquire(9, abort.signal);
    const sameLow = slots.acquire(1).then((r) => {
      granted.push("low-2");
      return r;
    });
    abort.abort(new Error("dropped"));
    await expect(gone).rejects.toThrow("dropped");
    expect(slots.queued).toBe(3);
    first();
    (await high)();
    (await low)();
    const last = await sameLow;
    expect(granted).toEqual(["high", "low", "low-2"]);
    expect(slots.running).toBe(1);
    last();
    last(); // idempotent
    expect(slots.running).toBe(0);
    expect(() => new PrioritySlots(0)).toThrow(RangeError);
  });
});
