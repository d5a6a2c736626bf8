// The req/resp serving functions over a real LevelDB proof store: by range serves only proofs whose
// payload is known, so the signed proofs kept for an orphaned block (it may come back) are not served
// as if they were canonical, and are served again once the block is.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serveByRange } from "../../../src/p2p/reqresp/handlers.ts";
import type { ProofStore } from "../../../src/store/interface.ts";
import { openProofStore } from "../../../src/store/levelStore.ts";
import { containers, proof, root } from "../harness.ts";

describe("serveByRange", () => {
  let dir: string;
  let store: ProofStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "eproof-handlers-"));
    store = await openProofStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = () => ({
    store,
    containers,
    proofTypes: [1],
    chain: {
      finalizedSlot: () => 0,
      currentSlot: () => 100,
      head: () => ({ blockRoot: root(9), slot: 100 }),
    },
  });

  async function putSigned(n: number, slot: number) {
    const npr = root(n);
    await store.putPayload({
      newPayloadRequestRoot: npr,
      slot,
      blockRoot: root(n + 100),
      blockHash: root(n + 50),
      fork: "fulu",
      npr: new Uint8Array(8).fill(n),
      seenAt: 1,
    });
    await store.putProof({
      newPayloadRequestRoot: npr,
      proofType: 1,
      slot,
      proof: containers.ExecutionProof.serialize(proof(npr, 1, new Uint8Array(64).fill(n))),
      source: "local",
      verified: true,
      receivedAt: 1,
      signed: { validatorIndex: 3, signature: new Uint8Array(96).fill(n) },
    });
    return npr;
  }

  it("keeps an orphaned block's signed proof but serves it by range only once its payload is known again", async () => {
    await putSigned(1, 10);
    const orphan = await putSigned(2, 11);
    const range = () => serveByRange({ startSlot: 10n, count: 5n, proofTypes: [] }, deps() as never);
    expect((await range()).map((p) => p.message.publicInput.newPayloadRequestRoot[0])).toEqual([1, 2]);

    await store.dropPayload(orphan, { keepSigned: true });
    expect(await store.getPayload(orphan)).toBeUndefined();
    expect((await store.getProof(orphan, 1))?.signed?.validatorIndex).toBe(3);
    expect((await range()).map((p) => p.message.publicInput.newPayloadRequestRoot[0])).toEqual([1]);

    // Canonical again: the payload is stored again and the kept proof is served as it was.
    await putSigned(2, 11);
    expect((await range()).map((p) => p.message.publicInput.newPayloadRequestRoot[0])).toEqual([1, 2]);
    // Finality prunes a kept proof like any other.
    await store.dropPayload(orphan, { keepSigned: true });
    await store.pruneBefore(12);
    expect(await store.getProof(orphan, 1)).toBeUndefined();
  });
});
