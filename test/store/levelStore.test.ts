import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProofStore } from "../../src/store/interface.ts";
import { openProofStore } from "../../src/store/levelStore.ts";
import { decodeProofRecord, encodeProofRecord } from "../../src/store/recordCodec.ts";
import { EproofError } from "../../src/util/errors.ts";
import { numberedPayload, numberedProof, rootOf } from "../support/storeRecords.ts";

let dir: string;
let store: ProofStore | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "eproof-store-"));
});
afterEach(async () => {
  await store?.close();
  store = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function open(): Promise<ProofStore> {
  store = await openProofStore(dir);
  return store;
}

describe("LevelProofStore", () => {
  it("stores proofs by (root, type) and finds them by root, slot range and type", async () => {
    const s = await open();
    for (let i = 0; i < 12; i++) await s.putProof(numberedProof(i));
    const p5 = numberedProof(5);
    expect(await s.getProof(p5.newPayloadRequestRoot, p5.proofType)).toEqual(p5);
    expect(await s.getProof(p5.newPayloadRequestRoot, 7)).toBeUndefined();
    expect(await s.getProof(rootOf("nothing"), 1)).toBeUndefined();

    const byRoot = await s.proofsByRoot(rootOf("npr-1"));
    expect(byRoot.map((p) => p.proofType)).toEqual([1, 3, 6, 0xf0]);

    const range = await s.proofsBySlotRange(1001, 2);
    expect(range.map((p) => p.slot)).toEqual([1001, 1001, 1001, 1001, 1002, 1002, 1002, 1002]);
    const onlyZisk = await s.proofsBySlotRange(1000, 10, [6]);
    expect(onlyZisk.map((p) => [p.slot, p.proofType])).toEqual([
      [1000, 6],
      [1001, 6],
      [1002, 6],
    ]);
    expect(await s.proofsBySlotRange(1003, 5)).toEqual([]);
  });

  it("replaces a proof put twice and keeps the slot index consistent", async () => {
    const s = await open();
    const p = numberedProof(0);
    await s.putProof(p);
    const moved = { ...p, slot: 2000, verified: true, signed: undefined };
    delete moved.signed;
    await s.putProof(moved);
    expect(await s.getProof(p.newPayloadRequestRoot, p.proofType)).toEqual(moved);
    expect(await s.proofsBySlotRange(1000, 1)).toEqual([]);
    expect(await s.proofsBySlotRange(2000, 1)).toEqual([moved]);
    // Pruning before 1500 must not delete the record that now lives at slot 2000.
    expect(await s.pruneBefore(1500)).toBe(0);
    expect((await s.stats()).proofs).toBe(1);
  });

  it("indexes payloads by root, block root and block hash", async () => {
    const s = await open();
    const p = numberedPayload(3);
    await s.putPayload(p);
    expect(await s.getPayload(p.newPayloadRequestRoot)).toEqual(p);
    expect(await s.payloadByBlockRoot(p.blockRoot)).toEqual(p);
    expect(await s.payloadByBlockHash(p.blockHash)).toEqual(p);
    expect(await s.payloadByBlockHash(rootOf("other"))).toBeUndefined();
    // A payload without a known block root is stored but not indexed under the zero root.
    const anon = { ...numberedPayload(4), blockRoot: new Uint8Array(32) };
    await s.putPayload(anon);
    expect(await s.getPayload(anon.newPayloadRequestRoot)).toEqual(anon);
    expect(await s.payloadByBlockRoot(new Uint8Array(32))).toBeUndefined();
  });

  it("prunes payloads and proofs below the finalized slot", async () => {
    const s = await open();
    for (let n = 0; n < 5; n++) await s.putPayload(numberedPayload(n));
    for (let i = 0; i < 20; i++) await s.putProof(numberedProof(i));
    expect(await s.pruneBefore(1003)).toBe(12);
    expect(await s.getPayload(numberedPayload(2).newPayloadRequestRoot)).toBeUndefined();
    expect(await s.payloadByBlockRoot(numberedPayload(2).blockRoot)).toBeUndefined();
    expect(await s.getPayload(numberedPayload(3).newPayloadRequestRoot)).toEqual(numberedPayload(3));
    expect(await s.proofsBySlotRange(0, 2000)).toHaveLength(8);
    const st = await s.stats();
    expect([st.proofs, st.payloads]).toEqual([8, 2]);
    expect(st.bytes).toBeGreaterThan(8 * 8_000);
  });

  it("drops an orphaned payload with all its proofs and indexes", async () => {
    const s = await open();
    for (let n = 0; n < 2; n++) await s.putPayload(numberedPayload(n));
    for (let i = 0; i < 8; i++) await s.putProof(numberedProof(i));
    const orphan = numberedPayload(1);
    await s.dropPayload(orphan.newPayloadRequestRoot);
    expect(await s.getPayload(orphan.newPayloadRequestRoot)).toBeUndefined();
    expect(await s.payloadByBlockHash(orphan.blockHash)).toBeUndefined();
    expect(await s.proofsByRoot(orphan.newPayloadRequestRoot)).toEqual([]);
    expect(await s.proofsBySlotRange(1001, 1)).toEqual([]);
    expect(await s.proofsByRoot(numberedPayload(0).newPayloadRequestRoot)).toHaveLength(4);
  });

  it("keeps the signed proofs of an orphaned payload when asked, and finality prunes them", async () => {
    const s = await open();
    await s.putPayload(numberedPayload(1));
    for (let i = 4; i < 8; i++) await s.putProof(numberedProof(i));
    const orphan = numberedPayload(1);
    await s.dropPayload(orphan.newPayloadRequestRoot, { keepSigned: true });
    expect(await s.getPayload(orphan.newPayloadRequestRoot)).toBeUndefined();
    expect(await s.payloadByBlockRoot(orphan.blockRoot)).toBeUndefined();
    // Proofs 4 and 6 are signed (even i), 5 and 7 not.
    const kept = await s.proofsByRoot(orphan.newPayloadRequestRoot);
    expect(kept.map((p) => p.proofType).sort()).toEqual(
      [numberedProof(4).proofType, numberedProof(6).proofType].sort(),
    );
    expect(kept.every((p) => p.signed !== undefined)).toBe(true);
    expect(await s.proofsBySlotRange(1001, 1)).toHaveLength(2);
    expect(await s.pruneBefore(1002)).toBe(2);
    expect(await s.proofsByRoot(orphan.newPayloadRequestRoot)).toEqual([]);
  });

  it("keeps everything across close and reopen", async () => {
    let s = await open();
    for (let n = 0; n < 3; n++) await s.putPayload(numberedPayload(n));
    for (let i = 0; i < 12; i++) await s.putProof(numberedProof(i));
    const before = await s.stats();
    await s.close();
    s = await open();
    expect(await s.stats()).toEqual(before);
    for (let i = 0; i < 12; i++) {
      const p = numberedProof(i);
      expect(await s.getProof(p.newPayloadRequestRoot, p.proofType)).toEqual(p);
    }
    expect(await s.payloadByBlockRoot(numberedPayload(2).blockRoot)).toEqual(numberedPayload(2));
  });

  it("groups concurrent writes and flushes queued ones before closing", async () => {
    let s = await open();
    const writes = Array.from({ length: 12 }, (_, i) => s.putProof(numberedProof(i)));
    await s.close();
    await Promise.all(writes);
    s = await open();
    expect((await s.stats()).proofs).toBe(12);
    for (let i = 0; i < 12; i++) {
      const p = numberedProof(i);
      expect(await s.getProof(p.newPayloadRequestRoot, p.proofType)).toEqual(p);
    }
  });

  it("rejects bad input with a clear EproofError", async () => {
    const s = await open();
    await expect(
      s.putProof({ ...numberedProof(0), newPayloadRequestRoot: new Uint8Array(31) }),
    ).rejects.toThrow(/32 bytes/);
    await expect(s.putProof({ ...numberedProof(0), proof: new Uint8Array(0) })).rejects.toThrow(/empty/);
    await expect(s.putProof({ ...numberedProof(0), proofType: 256 })).rejects.toThrow(/not a u8/);
    await expect(s.putPayload({ ...numberedPayload(0), slot: -1 })).rejects.toBeInstanceOf(EproofError);
    await expect(s.getProof(new Uint8Array(5), 1)).rejects.toThrow(/32 bytes/);
    await expect(s.proofsBySlotRange(-1, 5)).rejects.toThrow(/non-negative/);
  });

  it("reports a corrupt record as a STORE error", async () => {
    const good = encodeProofRecord(numberedProof(1));
    const flipped = Uint8Array.from(good);
    flipped[100] = (flipped[100] ?? 0) ^ 0x01;
    expect(() => decodeProofRecord(flipped)).toThrow(/corrupt proof record.*checksum/);
    expect(() => decodeProofRecord(good.subarray(0, 3))).toThrow(/corrupt proof record/);

    // Corrupt one value on disk behind the store's back, then read it through the store.
    const p = numberedProof(1);
    let s = await open();
    await s.putProof(p);
    await s.close();
    store = undefined;
    const raw = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: "view", valueEncoding: "view" });
    const k = Uint8Array.of(0x01, ...p.newPayloadRequestRoot, p.proofType);
    const v = await raw.get(k);
    expect(v).toBeDefined();
    await raw.put(
      k,
      Uint8Array.from(v ?? [], (b, i) => (i === 50 ? b ^ 0xff : b)),
    );
    await raw.close();
    s = await open();
    const err = await s.getProof(p.newPayloadRequestRoot, p.proofType).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EproofError);
    expect((err as EproofError).code).toBe("STORE");
  });

  it("refuses a second opener with a clear error and rejects use after close", async () => {
    const s = await open();
    await expect(openProofStore(dir)).rejects.toThrow(/cannot open proof store/);
    await s.close();
    await expect(s.getProof(rootOf("x"), 1)).rejects.toThrow(/closed/);
  });

  it("loses no acknowledged proof when the writer is killed with SIGKILL", async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, "../support/storeCrashWriter.ts"), dir],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const acked: number[] = [];
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, sig) => resolve(sig)),
    );
    await new Promise<void>((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split("\n");
        buf = lines.pop() ?? "";
        for (const line of lines) {
          const m = /^ack (\d+)$/.exec(line);
          if (m) acked.push(Number(m[1]));
          // Kill mid-stream: writes are still in flight when the signal lands.
          if (acked.length === 40) {
            child.kill("SIGKILL");
            resolve();
          }
        }
      });
      child.on("exit", () => reject(new Error(`writer exited early: ${stderr}`)));
    });
    expect(await exited).toBe("SIGKILL");
    const s = await open();
    expect(acked.length).toBeGreaterThanOrEqual(40);
    for (const i of acked) {
      const p = numberedProof(i);
      expect(await s.getProof(p.newPayloadRequestRoot, p.proofType)).toEqual(p);
    }
    for (const i of acked.filter((n) => n % 4 === 0)) {
      const payload = numberedPayload(i / 4);
      expect(await s.getPayload(payload.newPayloadRequestRoot)).toEqual(payload);
    }
  });
});
