import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CpuBackend } from "../../src/proving/backends/cpu.ts";
import type { ProofEvent, ProvingBackend } from "../../src/proving/interface.ts";
import { ProveFailure } from "../../src/proving/interface.ts";
import {
  DefaultProofService,
  type ProofServiceModules,
  type WitnessProvider,
} from "../../src/proving/service.ts";
import { decodeStoredProof, proofContainers } from "../../src/spec/containers.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { CPU_PROOF_TYPE_ID, ProofTypeTable } from "../../src/spec/proofTypes.ts";
import type { GethChainConfig } from "../../src/stateless/common.ts";
import type { PayloadRecord, ProofStore, StoredProof } from "../../src/store/interface.ts";
import { openProofStore } from "../../src/store/levelStore.ts";
import { type Clock, systemClock } from "../../src/util/clock.ts";
import { EproofError } from "../../src/util/errors.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { type DevnetFixture, loadDevnetFixture } from "../support/devnetFixture.ts";
import { DigestBackend } from "../support/digestBackend.ts";
import { FakeClock } from "../support/fakeClock.ts";

const CPU = CPU_PROOF_TYPE_ID;
const ZISK = 6;
const fixture: DevnetFixture = loadDevnetFixture();
const root = nprRoot(fixture.npr);
const containers = proofContainers(getProfile());

let dir: string;
let store: ProofStore;
let services: DefaultProofService[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eproof-service-"));
  store = await openProofStore(dir);
});
afterEach(async () => {
  for (const s of services) await s.close();
  services = [];
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const fixtureWitness: WitnessProvider = async () => fixture.statelessInput;

function service(
  backends: ProvingBackend[],
  over: Partial<ProofServiceModules> = {},
): { svc: DefaultProofService; events: ProofEvent[] } {
  const svc = new DefaultProofService({
    store,
    backends,
    proofTypes: new ProofTypeTable(),
    containers,
    witnessProvider: fixtureWitness,
    logger: silentLogger(),
    clock: systemClock,
    ...over,
  });
  services.push(svc);
  const events: ProofEvent[] = [];
  svc.subscribe((e) => events.push(e));
  return { svc, events };
}

/** Resolves at the first event matching `pred` (or one already seen). */
function nextEvent(svc: DefaultProofService, pred: (e: ProofEvent) => boolean): Promise<ProofEvent> {
  const seen = svc.recentEvents().find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const off = svc.subscribe((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

/** Lets real I/O (the store) progress while simulated time stands still. */
async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 5));
}

describe("DefaultProofService", () => {
  it("proves the devnet fixture, stores it durably, and it survives a restart and verifies", async () => {
    const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock });
    const ready: { proof: StoredProof; payload: PayloadRecord }[] = [];
    const blockRoot = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    const { svc, events } = service([backend], {
      onProofReady: async (proof, payload) => {
        ready.push({ proof, payload });
      },
    });
    const got = await svc.requestProofs(fixture.npr, [CPU], { slot: 4242, blockRoot });
    expect(got).toEqual(root);
    expect(svc.isKnownPayload(root)).toBe(true);
    await nextEvent(svc, (e) => e.type === "proof_complete");
    await nextEvent(svc, (e) => e.type === "proof_verified");

    // The backend got the real schema-prefixed StatelessInput (Osaka CL schema 0x12e0).
    expect(backend.inputs).toEqual([fixture.statelessInput]);
    expect([...(backend.inputs[0] ?? []).subarray(0, 2)]).toEqual([0x12, 0xe0]);
    expect(events.map((e) => e.type)).toEqual(["proof_complete", "proof_verified"]);
    expect(ready).toHaveLength(1);
    expect(ready[0]?.payload.slot).toBe(4242);
    expect(ready[0]?.proof).toMatchObject({ proofType: CPU, slot: 4242, source: "local", verified: true });

    const stored = await svc.getProof(root, CPU);
    const decoded = decodeStoredProof(containers, stored?.proof ?? new Uint8Array(), root);
    expect(decoded.proofType).toBe(CPU);
    expect(decoded.publicInput.newPayloadRequestRoot).toEqual(root);
    const proofData = decoded.proofData;
    expect(stored?.proof).toEqual(containers.ExecutionProof.serialize(decoded));

    // Restart: close everything, reopen the store, build a new service on it.
    await svc.close();
    await store.close();
    store = await openProofStore(dir);
    const { svc: again } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock })]);
    expect(await again.getProof(root, CPU)).toEqual(stored);
    expect((await again.verifiedProofs(root)).map((p) => p.proofType)).toEqual([CPU]);
    expect((await store.payloadByBlockRoot(blockRoot))?.newPayloadRequestRoot).toEqual(root);
    expect((await again.verifyProof(root, CPU, proofData)).valid).toBe(true);
    const tampered = Uint8Array.from(proofData, (b, i) => (i === 40 ? b ^ 1 : b));
    expect(await again.verifyProof(root, CPU, tampered)).toMatchObject({ valid: false });
    // Asking again for a stored proof replays completion instead of proving twice.
    await again.requestProofs(fixture.npr, [CPU]);
    expect(again.recentEvents(root).map((e) => e.type)).toEqual(["proof_complete"]);
  });

  it("accepts a duplicate in-flight request once", async () => {
    const clock = new FakeClock();
    const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock, proveMs: 3_000 });
    const { svc } = service([backend], { clock });
    const [a, b] = await Promise.all([
      svc.requestProofs(fixture.npr, [CPU]),
      svc.requestProofs(fixture.npr, [CPU]),
    ]);
    expect(a).toEqual(b);
    await settle();
    await clock.advance(3_000);
    await nextEvent(svc, (e) => e.type === "proof_complete");
    expect(backend.proves).toBe(1);
  });

  it("proves two proof types requested concurrently for one new payload", async () => {
    const cpu = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock });
    const gpu = new DigestBackend({ id: "ere:gpu0", kind: "ere", proofTypes: [ZISK], clock: systemClock });
    const { svc } = service([cpu, gpu]);
    await Promise.all([svc.requestProofs(fixture.npr, [CPU]), svc.requestProofs(fixture.npr, [ZISK])]);
    await svc.waitForVerified(root, 2, undefined, 30_000);
    expect((await svc.verifiedProofs(root)).map((p) => p.proofType).sort()).toEqual([ZISK, CPU].sort());
    expect(svc.recentEvents(root).filter((e) => e.type === "proof_failure")).toEqual([]);
  });

  it("rejects bad requests with BAD_INPUT", async () => {
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock })]);
    const bad = async (types: number[]) => {
      const e = await svc.requestProofs(fixture.npr, types).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EproofError);
      return (e as EproofError).message;
    };
    expect(await bad([])).toMatch(/no proof types/);
    expect(await bad([1, 2, 3, 4, 5])).toMatch(/at most 4/);
    expect(await bad([CPU, CPU])).toMatch(/twice/);
    expect(await bad([99])).toMatch(/unknown proof type/);
    expect(await bad([ZISK])).toMatch(/no configured backend proves reth-zisk/);
    await expect(svc.verifyProof(root, ZISK, Uint8Array.of(1))).rejects.toThrow(
      /no configured backend verifies/,
    );
    await expect(svc.verifyProof(new Uint8Array(3), CPU, Uint8Array.of(1))).rejects.toThrow(/32 bytes/);
    expect(await svc.verifyProof(root, CPU, new Uint8Array(0))).toMatchObject({ valid: false });
  });

  it("reports witness_timeout when the witness never arrives", async () => {
    const clock = new FakeClock();
    const never: WitnessProvider = (_npr, _meta, signal) =>
      new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], {
      clock,
      witnessProvider: never,
    });
    await svc.requestProofs(fixture.npr, [CPU]);
    await settle();
    await clock.advance(12_000);
    const e = await nextEvent(svc, (x) => x.type === "proof_failure");
    expect(e).toMatchObject({ type: "proof_failure", reason: "witness_timeout", proofType: CPU });
  });

  it("reports a witness provider's error by what failed, not as witness_timeout", async () => {
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock })], {
      witnessProvider: async () => {
        throw new EproofError("UPSTREAM", "debug_executionWitness: method not found");
      },
    });
    await svc.requestProofs(fixture.npr, [CPU]);
    const e = await nextEvent(svc, (x) => x.type === "proof_failure");
    expect(e).toMatchObject({ reason: "witness_unavailable" });
    expect(e.type === "proof_failure" && e.error).toMatch(/method not found/);
  });

  it("proves through a zkboost node without fetching a witness, handing it the NPR bytes", async () => {
    const node = new DigestBackend({
      id: "zkboost:a",
      kind: "zkboost",
      proofTypes: [ZISK],
      clock: systemClock,
    });
    let fetched = 0;
    const { svc } = service([node], {
      witnessProvider: async () => {
        fetched++;
        throw new Error("no EL here");
      },
    });
    await svc.requestProofs(fixture.npr, [ZISK]);
    await nextEvent(svc, (e) => e.type === "proof_complete");
    expect(fetched).toBe(0);
    expect(node.nprs[0]).toEqual((await store.getPayload(root))?.npr);
  });

  it("reports proving_error after the retry also fails, and proving_timeout on a hung prover", async () => {
    const gpu0 = new DigestBackend({
      id: "ere:gpu0",
      kind: "ere",
      proofTypes: [ZISK],
      clock: systemClock,
      failures: [new ProveFailure("proving_error", "guest panicked")],
    });
    const gpu1 = new DigestBackend({
      id: "ere:gpu1",
      kind: "ere",
      proofTypes: [ZISK],
      clock: systemClock,
      failures: [new ProveFailure("proving_error", "guest panicked")],
    });
    const { svc } = service([gpu0, gpu1], { schedulerOpts: { hedge: false } });
    await svc.requestProofs(fixture.npr, [ZISK]);
    const e = await nextEvent(svc, (x) => x.type === "proof_failure");
    expect(e).toMatchObject({ reason: "proving_error" });
    expect(gpu0.proves + gpu1.proves).toBe(2);
    expect(await svc.getProof(root, ZISK)).toBeUndefined();

    const clock = new FakeClock();
    const hung = new DigestBackend({
      id: "ere:slow",
      kind: "ere",
      proofTypes: [ZISK],
      clock,
      proveMs: 1e9,
      ignoreAbort: true,
    });
    const { svc: svc2 } = service([hung], { clock, schedulerOpts: { hedge: false, proveTimeoutMs: 60_000 } });
    await svc2.requestProofs(fixture.npr, [ZISK]);
    await settle();
    await clock.advance(60_000);
    const t = await nextEvent(svc2, (x) => x.type === "proof_failure");
    expect(t).toMatchObject({ reason: "proving_timeout" });
    // The ere endpoint keeps proving after the client gave up.
    expect(svc2.schedulerStatus()[0]?.busyUntil).toBeGreaterThan(clock.now());
  });

  it("hedges a slow block on a second GPU and keeps the first proof", async () => {
    const clock = new FakeClock();
    const seed = { interceptMs: 3_000, msPerMgas: 600, ratioP50: 1, ratioP90: 2 };
    const slow = new DigestBackend({ id: "ere:a", kind: "ere", proofTypes: [ZISK], clock, proveMs: 20_000 });
    const fast = new DigestBackend({ id: "ere:b", kind: "ere", proofTypes: [ZISK], clock, proveMs: 9_000 });
    const { svc, events } = service([slow, fast], { clock, seedFor: () => seed });
    // Seen 5 s ago, ~3 s expected but widely spread: likely to miss, and a second run may make it.
    await svc.requestProofs(fixture.npr, [ZISK], { seenAt: clock.now() - 5_000 });
    await settle();
    expect(slow.proves + fast.proves).toBe(2);
    await clock.advance(9_000);
    await nextEvent(svc, (e) => e.type === "proof_complete");
    expect(events.filter((e) => e.type === "proof_complete")).toHaveLength(1);
    await clock.advance(11_000);
    await settle();
    expect(events.filter((e) => e.type === "proof_failure")).toEqual([]);
    expect((await svc.verifiedProofs(root)).map((p) => p.proofType)).toEqual([ZISK]);
  });

  it("waits for k verified proofs event-driven, or returns what there is at timeout or abort", async () => {
    const clock = new FakeClock();
    const { svc, events } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], { clock });
    await svc.notifyPayload(fixture.npr, { slot: 7 });
    const network = (proofType: number, validatorIndex: number): StoredProof => ({
      newPayloadRequestRoot: root,
      proofType,
      slot: 7,
      proof: containers.ExecutionProof.serialize({
        proofData: Uint8Array.of(proofType, 1, 2),
        proofType,
        publicInput: { newPayloadRequestRoot: root },
        beaconBlockRoot: new Uint8Array(32).fill(9),
      }),
      signed: { validatorIndex, signature: new Uint8Array(96) },
      source: "gossip",
      verified: true,
      receivedAt: clock.now(),
    });
    const two = svc.waitForVerified(root, 2, [1, 3, 6], 30_000);
    await svc.acceptProof(network(1, 11));
    await svc.acceptProof(network(2, 12)); // not an allowed type
    await svc.acceptProof(network(6, 16));
    expect((await two).map((p) => p.proofType)).toEqual([1, 6]);
    expect(
      events
        .filter((e) => e.type === "proof_verified")
        .map((e) => e.type === "proof_verified" && e.validatorIndex),
    ).toEqual([11, 12, 16]);

    const three = svc.waitForVerified(root, 4, undefined, 5_000);
    await settle();
    await clock.advance(5_000);
    expect((await three).map((p) => p.proofType)).toEqual([1, 2, 6]);

    const ac = new AbortController();
    const aborted = svc.waitForVerified(root, 4, [1], 60_000, ac.signal);
    ac.abort();
    expect((await aborted).map((p) => p.proofType)).toEqual([1]);
  });

  it("never lets an unverified network proof replace a verified one", async () => {
    const { svc, events } = service([
      new DigestBackend({ id: "cpu", proofTypes: [CPU], clock: systemClock }),
    ]);
    const base: StoredProof = {
      newPayloadRequestRoot: root,
      proofType: 1,
      slot: 3,
      proof: Uint8Array.of(9, 9, 9),
      source: "reqresp",
      verified: true,
      receivedAt: 1,
    };
    await svc.acceptProof(base);
    await svc.acceptProof({ ...base, proof: Uint8Array.of(1), verified: false });
    expect(await svc.getProof(root, 1)).toEqual(base);
    expect(events).toHaveLength(1);
    await expect(svc.acceptProof({ ...base, proof: new Uint8Array(0) })).rejects.toThrow(/empty/);
    expect(svc.isKnownPayload(root)).toBe(true);
  });

  it("drops an orphaned payload's work and data", async () => {
    const clock = new FakeClock();
    const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock, proveMs: 5_000 });
    const { svc } = service([backend], { clock });
    await svc.requestProofs(fixture.npr, [CPU], { slot: 9 });
    await settle();
    expect(backend.proves).toBe(1);
    await svc.dropPayload(root);
    const e = await nextEvent(svc, (x) => x.type === "proof_failure");
    expect(e.type === "proof_failure" && e.error).toMatch(/orphaned/);
    expect(await store.getPayload(root)).toBeUndefined();
    expect(svc.isKnownPayload(root)).toBe(false);
    await clock.advance(5_000);
    await settle();
    expect(await svc.getProof(root, CPU)).toBeUndefined();
  });

  it("proves a payload again when its orphaned block becomes canonical again (reorg and back)", async () => {
    const clock = new FakeClock();
    const blockRoot = Uint8Array.from({ length: 32 }, (_, i) => i + 3);
    const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock, proveMs: 100 });
    const { svc } = service([backend], { clock });
    const verified = nextEvent(svc, (e) => e.type === "proof_verified");
    await svc.requestProofs(fixture.npr, [CPU], { slot: 9, blockRoot });
    await settle();
    await clock.advance(100);
    await verified;
    const first = await svc.getProof(root, CPU);
    expect(first?.verified).toBe(true);
    await svc.dropPayload(root);
    expect(await svc.getProof(root, CPU)).toBeUndefined();
    await svc.requestProofs(fixture.npr, [CPU], { slot: 9, blockRoot });
    await settle();
    await clock.advance(100);
    await vi.waitFor(async () => expect(await svc.getProof(root, CPU)).toBeDefined());
    expect(backend.proves).toBe(2);
    expect((await svc.getProof(root, CPU))?.proof).toEqual(first?.proof);
  });

  it("keeps a signed proof when its block is orphaned, and does not prove it again when the block comes back", async () => {
    const clock = new FakeClock();
    const blockRoot = Uint8Array.from({ length: 32 }, (_, i) => i + 5);
    const backend = new DigestBackend({ id: "cpu", proofTypes: [CPU], clock, proveMs: 100 });
    const { svc } = service([backend], { clock });
    await svc.requestProofs(fixture.npr, [CPU], { slot: 9, blockRoot });
    await settle();
    await clock.advance(100);
    await vi.waitFor(async () => expect((await svc.getProof(root, CPU))?.verified).toBe(true));
    const first = (await svc.getProof(root, CPU)) as StoredProof;
    // What the daemon does once it signed it.
    const signed = { ...first, signed: { validatorIndex: 0, signature: new Uint8Array(96).fill(1) } };
    await store.putProof(signed);
    await svc.dropPayload(root);
    expect(await store.getPayload(root)).toBeUndefined();
    expect(await svc.getProof(root, CPU)).toEqual(signed);
    const replay = nextEvent(svc, (e) => e.type === "proof_complete" && e.at >= clock.now());
    await svc.requestProofs(fixture.npr, [CPU], { slot: 9, blockRoot });
    await replay;
    expect(backend.proves).toBe(1);
    expect((await store.getPayload(root))?.blockRoot).toEqual(blockRoot);
  });

  it("keeps a bounded ring of recent events and lists proof types with capabilities", async () => {
    const clock: Clock = new FakeClock();
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], {
      clock,
      opts: { recentEventsLimit: 3 },
      witnessProvider: async () => {
        throw new Error("no EL");
      },
    });
    for (let i = 0; i < 5; i++) {
      await svc.requestProofs(fixture.npr, [CPU]);
      await nextEvent(
        svc,
        (e) => e.type === "proof_failure" && svc.recentEvents().length >= Math.min(i + 1, 3),
      );
    }
    await settle();
    expect(svc.recentEvents()).toHaveLength(3);
    expect(svc.recentEvents(new Uint8Array(32))).toEqual([]);
    const types = svc.proofTypes();
    expect(types.find((t) => t.proofType === CPU)).toMatchObject({
      canProve: true,
      canVerify: true,
      kind: "reexec",
    });
    expect(types.find((t) => t.proofType === ZISK)).toMatchObject({ canProve: false, canVerify: false });
  });
});

describe("own proofs are checked before they are stored", () => {
  it("a proof that fails its verifier is not stored (backends that do not verify while proving)", async () => {
    class Tampering extends DigestBackend {
      override async prove(req: Parameters<DigestBackend["prove"]>[0]) {
        const r = await super.prove(req);
        return { ...r, proofData: r.proofData.map((b) => b ^ 1) };
      }
    }
    const { svc } = service([new Tampering({ id: "gpu", proofTypes: [ZISK], clock: systemClock })]);
    await svc.requestProofs(fixture.npr, [ZISK], { slot: 5 });
    const e = await nextEvent(svc, (x) => x.type === "proof_failure");
    expect(e).toMatchObject({ type: "proof_failure", proofType: ZISK });
    expect(JSON.stringify(e)).toMatch(/own proof failed verification/);
    expect(await svc.getProof(root, ZISK)).toBeUndefined();
  });
});

describe("DefaultProofService with the CPU backend (eproof-reexec) as the only backend", () => {
  const chainConfig = JSON.parse(
    readFileSync("/work/shared/fixtures/zkboost-devnet/chain_config.json", "utf8"),
  ) as GethChainConfig;

  it("proves the devnet fixture by re-execution, keeps it across a restart, and verifies it", async () => {
    const cpu = new CpuBackend({ chainConfig });
    const verify = vi.spyOn(cpu, "verify");
    const { svc } = service([cpu]);
    const done = nextEvent(svc, (e) => e.type !== "proof_verified");
    await svc.requestProofs(fixture.npr, [CPU], { slot: 77 });
    expect(await done).toMatchObject({ type: "proof_complete", proofType: CPU });
    // Proving re-executed the block from the very input the proof carries: no second re-execution.
    expect(verify).not.toHaveBeenCalled();
    const stored = await svc.getProof(root, CPU);
    expect(stored).toMatchObject({ slot: 77, source: "local", verified: true });

    await svc.close();
    await store.close();
    store = await openProofStore(dir);
    const { svc: again } = service([new CpuBackend({ chainConfig })]);
    expect(await again.getProof(root, CPU)).toEqual(stored);
    const message = decodeStoredProof(containers, stored?.proof ?? new Uint8Array(), root);
    expect(message.publicInput.newPayloadRequestRoot).toEqual(root);
    expect((await again.verifyProof(root, CPU, message.proofData)).valid).toBe(true);
    // The same proof does not verify for another payload.
    const other = Uint8Array.from(root, (b, i) => (i === 0 ? b ^ 0xff : b));
    expect((await again.verifyProof(other, CPU, message.proofData)).valid).toBe(false);
  });
});

describe("witness retries of chain blocks (issue 18, defect 4: blocks lost during an EL outage)", () => {
  const blockRoot = Uint8Array.from({ length: 32 }, (_, i) => i + 7);
  const elDown = () => new EproofError("UPSTREAM", "connect ECONNREFUSED 127.0.0.1:8545");

  it("fetches the witness again after a 45 s outage and proves the block (not stale, never failed)", async () => {
    const clock = new FakeClock();
    let calls = 0;
    let down = true;
    const { svc, events } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], {
      clock,
      witnessProvider: async () => {
        calls++;
        if (down) throw elDown();
        return fixture.statelessInput;
      },
    });
    const requested = await svc.requestProofs(fixture.npr, [CPU], { slot: 10, blockRoot });
    let settled = false;
    void svc.whenSettled(requested, [CPU]).then(() => {
      settled = true;
    });
    for (let s = 0; s < 45; s++) {
      await clock.advance(1_000);
      await settle(2);
    }
    expect(calls).toBeGreaterThan(10); // retried with backoff during the outage
    expect(settled).toBe(false); // the job stays open: the follower keeps its hold on the block
    expect(events.filter((e) => e.type === "proof_failure")).toEqual([]);
    down = false;
    // Back within a few seconds of the execution client's return.
    for (let s = 0; s < 40 && !settled; s++) {
      await clock.advance(100);
      await settle(2);
    }
    expect(settled).toBe(true);
    expect((await svc.getProof(root, CPU))?.verified).toBe(true);
    expect(events.filter((e) => e.type === "proof_failure")).toEqual([]);
  });

  it("stops retrying once the block is finalized, and fails it then (the hold is released)", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], {
      clock,
      witnessProvider: async () => {
        calls++;
        throw elDown();
      },
    });
    const requested = await svc.requestProofs(fixture.npr, [CPU], { slot: 10, blockRoot });
    await clock.advance(5_000);
    await settle(4);
    const failed = nextEvent(svc, (e) => e.type === "proof_failure");
    await svc.pruneBefore(11);
    expect(await failed).toMatchObject({ reason: "witness_timeout" });
    await svc.whenSettled(requested, [CPU]);
    const after = calls;
    await clock.advance(30_000);
    await settle(4);
    expect(calls).toBe(after);
  });

  it("stops retrying an orphaned block, and still fails a payload pushed without a block at once", async () => {
    const clock = new FakeClock();
    let calls = 0;
    const { svc } = service([new DigestBackend({ id: "cpu", proofTypes: [CPU], clock })], {
      clock,
      witnessProvider: async () => {
        calls++;
        throw elDown();
      },
    });
    await svc.requestProofs(fixture.npr, [CPU], { slot: 10, blockRoot });
    await clock.advance(2_000);
    await settle(4);
    await svc.dropPayload(root);
    const after = calls;
    await clock.advance(30_000);
    await settle(4);
    expect(calls).toBe(after);
    // No block root (the zkboost API): the caller is told at once, as before.
    const failed = nextEvent(svc, (e) => e.type === "proof_failure" && e.at >= clock.now());
    await svc.requestProofs(fixture.npr, [CPU]);
    expect(await failed).toMatchObject({ reason: "witness_unavailable" });
  });
});
