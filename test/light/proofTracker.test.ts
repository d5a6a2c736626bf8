import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { HttpBeaconClient } from "../../src/beacon/httpBeaconClient.ts";
import type { VerifiedHeader } from "../../src/light/interface.ts";
import { chooseHead, ProofTracker } from "../../src/light/proofTracker.ts";
import { toVerifiedHeader } from "../../src/light/syncProtocol.ts";
import type { ProvingBackend, VerifyRequest } from "../../src/proving/interface.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { type Clock, systemClock } from "../../src/util/clock.ts";
import { bytesEqual, toHex } from "../../src/util/hex.ts";
import { createLogger } from "../../src/util/logger.ts";
import { buildChain, type LcServer, SECONDS_PER_SLOT, startLcServer } from "./lcChain.ts";

const nowMs = 1_800_000_000_000;
const genesisTime = nowMs / 1000 - 75 * SECONDS_PER_SLOT;
const clock: Clock = { now: () => nowMs, sleep: systemClock.sleep };
const chain = buildChain({ slots: 72, genesisTime });

/**
 * A verifier for a zkVM type no CPU here can prove: a proof is "valid" when it is sha256(root ‖ type).
 * It stands in for the GPU-made proofs (the SP1 backend verifies real ones; its own tests cover that).
 */
class DigestVerifier implements ProvingBackend {
  readonly id = "test-digest";
  readonly kind = "cpu" as const;
  capabilities() {
    return { prove: [], verify: [2, 5], concurrency: 1 };
  }
  async prove(): Promise<never> {
    throw new Error("verify only");
  }
  async verify(req: VerifyRequest) {
    const want = digestProof(req.newPayloadRequestRoot, req.proofType);
    return { valid: bytesEqual(want, req.proofData), ms: 1 };
  }
  async health() {
    return { ok: true };
  }
}
const digestProof = (root: Uint8Array, type: number) => sha256(new Uint8Array([...root, type]));

describe("chooseHead", () => {
  const c = (slot: number, provenTypes: number[]) => ({ slot, provenTypes });
  it("takes the newest block with k proofs of allowed types, never an older one", () => {
    const rule = { k: 2, allowedTypes: [2, 5] };
    expect(chooseHead([c(10, [2, 5]), c(11, [2]), c(12, [2, 9])], rule, undefined)?.slot).toBe(10);
    expect(chooseHead([c(10, [2, 5]), c(11, [2, 5])], rule, 11)).toBeUndefined();
    expect(chooseHead([c(10, [2, 2])], { k: 2, allowedTypes: [] }, undefined)).toBeUndefined();
  });
});

describe("ProofTracker", () => {
  let server: LcServer;
  beforeAll(async () => {
    server = await startLcServer(chain, { bootstrapSlot: 32, updates: [], swapBlocks: new Map() });
  });
  afterAll(() => server.close());

  const make = () =>
    new ProofTracker(
      { rule: { k: 1, allowedTypes: [2, 5] }, maxBlocks: 64, maxParentWalk: 2 },
      {
        beacon: new HttpBeaconClient({ baseUrl: server.url }, { clock }),
        backends: [new DigestVerifier()],
        profile: getProfile(),
        clock,
        logger: createLogger({ level: "silent" }),
        nameOf: (t) => `type ${t}`,
      },
    );
  const header = (slot: number): VerifiedHeader =>
    toVerifiedHeader(chain.bySlot(slot).lcHeader, "sync_committee");

  it("resolves a verified block to its payload root, and its skipped parents by hash chain", async () => {
    const t = make();
    await t.onHeader(header(70));
    const root70 = t.payloadRootOfBlock(chain.bySlot(70).root);
    expect(root70).toBeDefined();
    expect(t.payloadRootOfBlock(chain.bySlot(69).root)).toBeDefined();
    expect(t.payloadRootOfBlock(chain.bySlot(68).root)).toBeDefined();
    expect(t.payloadRootOfBlock(chain.bySlot(67).root)).toBeUndefined();
    expect(t.payloadRootOfBlock(chain.bySlot(60).root)).toBeUndefined();
  });

  it("refuses a block whose root is not the verified header's", async () => {
    server.served.swapBlocks.set(toHex(chain.bySlot(71).root), chain.bySlot(50));
    const t = make();
    await t.onHeader(header(71));
    expect(t.payloadRootOfBlock(chain.bySlot(71).root)).toBeUndefined();
    server.served.swapBlocks.clear();
  });

  it("asks again for a verified block the server once failed to serve, and reports it as a gap meanwhile", async () => {
    let now = nowMs;
    const moving: Clock = { now: () => now, sleep: systemClock.sleep };
    const t = new ProofTracker(
      { rule: { k: 1, allowedTypes: [2, 5] }, maxBlocks: 64, maxParentWalk: 0 },
      {
        beacon: new HttpBeaconClient({ baseUrl: server.url }, { clock: moving }),
        backends: [new DigestVerifier()],
        profile: getProfile(),
        clock: moving,
        logger: createLogger({ level: "silent" }),
        nameOf: (n) => `type ${n}`,
      },
    );
    const root71 = chain.bySlot(71).root;
    server.served.swapBlocks.set(toHex(root71), chain.bySlot(50));
    await t.onHeader(header(71));
    expect(t.payloadRootOfBlock(root71)).toBeUndefined();
    expect(t.status().unprovenSlots).toEqual([71]);
    server.served.swapBlocks.clear();
    // Gossip naming the block within the retry interval does not hammer the server...
    expect(t.payloadRootOfBlock(root71)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.payloadRootOfBlock(root71)).toBeUndefined();
    // ...after it, the block is fetched again and its proofs can resolve.
    now += 3_000;
    t.payloadRootOfBlock(root71);
    await vi.waitFor(() => expect(t.payloadRootOfBlock(root71)).toBeDefined(), { timeout: 5_000 });

    // The same header arriving again (now finalized) also retries at once.
    const t2 = make();
    const root70 = chain.bySlot(70).root;
    server.served.swapBlocks.set(toHex(root70), chain.bySlot(50));
    await t2.onHeader(header(70));
    expect(t2.payloadRootOfBlock(root70)).toBeUndefined();
    server.served.swapBlocks.clear();
    await t2.onHeader(toVerifiedHeader(chain.bySlot(70).lcHeader, "finality"));
    expect(t2.payloadRootOfBlock(root70)).toBeDefined();
  });

  it("moves the verified head only forward, only to proven blocks, and reports the gap", async () => {
    const t = make();
    await t.onHeader(header(66));
    await t.onHeader(header(70));
    const r66 = t.payloadRootOfBlock(chain.bySlot(66).root) as Uint8Array;
    const r70 = t.payloadRootOfBlock(chain.bySlot(70).root) as Uint8Array;
    expect(t.head()).toBeUndefined();
    expect((await t.verifyProof(r70, 2, new Uint8Array([1, 2, 3]))).valid).toBe(false);
    await expect(t.verifyProof(new Uint8Array(32), 2, new Uint8Array([1]))).rejects.toThrow(
      /not a verified block/,
    );
    const accept = async (root: Uint8Array, type: number) => {
      const proof = digestProof(root, type);
      expect((await t.verifyProof(root, type, proof)).valid).toBe(true);
      await t.acceptProof({
        newPayloadRequestRoot: root,
        proofType: type,
        slot: 0,
        proof,
        source: "gossip",
        verified: true,
        receivedAt: nowMs,
        signed: { validatorIndex: 3, signature: new Uint8Array(96) },
      });
    };
    await accept(r70, 5);
    expect(t.head()?.slot).toBe(70);
    expect(t.head()?.executionBlockNumber).toBe(70);
    expect(t.head()?.stateRoot).toBe(toHex(chain.bySlot(70).signed.message.body.executionPayload.stateRoot));
    await accept(r66, 2);
    expect(t.head()?.slot).toBe(70);
    await t.onHeader(header(72));
    expect(t.status().lagSlots).toBe(2);
    expect(t.status().unprovenSlots).toEqual([71, 72]);
  });
});
