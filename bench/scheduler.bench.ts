// Scheduler and store overhead: what eproof adds per payload on top of proving itself, with 4 proof
// types over 16 in-process endpoints that answer at once, and the cost of one durable 300 KB proof put.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  BackendCapabilities,
  BackendHealth,
  ProveRequest,
  ProveResult,
  ProvingBackend,
  VerifyRequest,
  VerifyResult,
} from "../src/proving/interface.ts";
import { defaultSchedulerOpts, Scheduler } from "../src/proving/scheduler.ts";
import { DefaultProofService } from "../src/proving/service.ts";
import { proofContainers } from "../src/spec/containers.ts";
import { type ForkedNewPayloadRequest, nprRoot } from "../src/spec/newPayloadRequest.ts";
import { ProofTypeTable } from "../src/spec/proofTypes.ts";
import type { ProofStore } from "../src/store/interface.ts";
import { openProofStore } from "../src/store/levelStore.ts";
import { systemClock } from "../src/util/clock.ts";
import { bytesEqual, toHex } from "../src/util/hex.ts";
import { silentLogger } from "../src/util/logger.ts";
import { loadDevnetFixture } from "../test/support/devnetFixture.ts";
import type { BenchFigure } from "./figure.ts";

const PROOF_TYPES = [1, 3, 5, 6];
const ENDPOINTS = 16;
const PAYLOADS = 40;

/** Answers at once with a fixed-size proof: isolates eproof's own overhead from proving. */
class InstantBackend implements ProvingBackend {
  readonly id: string;
  readonly kind = "ere" as const;
  private readonly proofType: number;
  private readonly proofBytes: Uint8Array;

  constructor(id: string, proofType: number, proofBytes: number) {
    this.id = id;
    this.proofType = proofType;
    this.proofBytes = new Uint8Array(proofBytes).fill(0xab);
  }
  capabilities(): BackendCapabilities {
    return { prove: [this.proofType], verify: [this.proofType], concurrency: 1 };
  }
  async prove(req: ProveRequest): Promise<ProveResult> {
    const proofData = Uint8Array.from(this.proofBytes);
    proofData.set(req.newPayloadRequestRoot, 0);
    return { proofData, publicValues: req.newPayloadRequestRoot, timings: { totalMs: 0 } };
  }
  async verify(req: VerifyRequest): Promise<VerifyResult> {
    return { valid: bytesEqual(req.proofData.subarray(0, 32), req.newPayloadRequestRoot), ms: 0 };
  }
  async health(): Promise<BackendHealth> {
    return { ok: true };
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

/** Pure decisions only: submit 4 types, dispatch, complete, on 16 endpoints. */
function schedulerDecisionMs(): number {
  const s = new Scheduler({ ...defaultSchedulerOpts, hedge: true }, systemClock);
  for (let e = 0; e < ENDPOINTS; e++) {
    s.addEndpoint({
      id: `ere:${e}`,
      proofTypes: [PROOF_TYPES[e % PROOF_TYPES.length] ?? 1],
      concurrency: 1,
      runsToCompletion: true,
    });
  }
  const times: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const t0 = performance.now();
    const rootHex = `0x${i.toString(16).padStart(64, "0")}`;
    for (const proofType of PROOF_TYPES)
      s.submit({ rootHex, proofType, gasUsed: 30e6, seenAt: systemClock.now() });
    for (const d of s.takeDispatches().dispatches) s.complete(d.attemptId, { ok: true, elapsedMs: 1 });
    times.push(performance.now() - t0);
  }
  return median(times.slice(200));
}

/** Reads go to the real store; writes are acknowledged at once (the figure without fsync latency). */
function withoutDurableWrites(store: ProofStore): ProofStore {
  return {
    putProof: async () => {},
    putPayload: async () => {},
    getProof: (r, t) => store.getProof(r, t),
    proofsByRoot: (r) => store.proofsByRoot(r),
    proofsBySlotRange: (s, c, t) => store.proofsBySlotRange(s, c, t),
    getPayload: (r) => store.getPayload(r),
    payloadByBlockRoot: (r) => store.payloadByBlockRoot(r),
    payloadByBlockHash: (h) => store.payloadByBlockHash(h),
    pruneBefore: (s) => store.pruneBefore(s),
    dropPayload: (r) => store.dropPayload(r),
    stats: () => store.stats(),
    close: () => store.close(),
  };
}

async function serviceOverheadMs(dir: string, durable: boolean): Promise<number> {
  const opened = await openProofStore(dir);
  const store = durable ? opened : withoutDurableWrites(opened);
  const fixture = loadDevnetFixture();
  const backends = Array.from(
    { length: ENDPOINTS },
    (_, e) => new InstantBackend(`ere:${e}`, PROOF_TYPES[e % PROOF_TYPES.length] ?? 1, 300_000),
  );
  const svc = new DefaultProofService({
    store,
    backends,
    proofTypes: new ProofTypeTable(),
    containers: proofContainers(),
    witnessProvider: async () => fixture.statelessInput,
    logger: silentLogger(),
    clock: systemClock,
  });
  const pending = new Map<string, { left: number; done: () => void }>();
  svc.subscribe((e) => {
    if (e.type !== "proof_complete" && e.type !== "proof_failure") return;
    const p = pending.get(toHex(e.newPayloadRequestRoot));
    if (p && --p.left === 0) p.done();
  });
  const times: number[] = [];
  try {
    for (let i = 0; i < PAYLOADS; i++) {
      // A distinct payload per round: the fixture with another block number.
      const npr: ForkedNewPayloadRequest = {
        fork: fixture.npr.fork,
        value: {
          ...fixture.npr.value,
          executionPayload: { ...fixture.npr.value.executionPayload, blockNumber: 1_000_000 + i },
        },
      } as ForkedNewPayloadRequest;
      const t0 = performance.now();
      const all = new Promise<void>((done) =>
        pending.set(toHex(nprRoot(npr)), { left: PROOF_TYPES.length, done }),
      );
      await svc.requestProofs(npr, PROOF_TYPES);
      await all;
      times.push(performance.now() - t0);
    }
  } finally {
    await svc.close();
    await store.close();
  }
  return median(times.slice(5));
}

async function putProofMs(dir: string): Promise<number> {
  const store = await openProofStore(join(dir, "put"));
  const proof = new Uint8Array(300 * 1024).fill(0x5a);
  const times: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      const root = new Uint8Array(32);
      new DataView(root.buffer).setUint32(0, i);
      const t0 = performance.now();
      await store.putProof({
        newPayloadRequestRoot: root,
        proofType: 6,
        slot: i,
        proof,
        source: "local",
        verified: true,
        receivedAt: Date.now(),
      });
      times.push(performance.now() - t0);
    }
  } finally {
    await store.close();
  }
  return median(times.slice(3));
}

export async function run(): Promise<BenchFigure[]> {
  const dir = await mkdtemp(join(tmpdir(), "eproof-bench-"));
  try {
    const overhead = await serviceOverheadMs(join(dir, "durable"), true);
    const noDisk = await serviceOverheadMs(join(dir, "nodisk"), false);
    const put = await putProofMs(dir);
    const decision = schedulerDecisionMs();
    return [
      {
        name: "scheduler.overhead_ms",
        value: overhead,
        unit: "ms",
        target: "≤ 5 ms per payload (4 types, 16 endpoints)",
      },
      { name: "scheduler.overhead_nofsync_ms", value: noDisk, unit: "ms" },
      { name: "scheduler.decision_ms", value: decision, unit: "ms" },
      { name: "store.put_proof_ms", value: put, unit: "ms" },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
