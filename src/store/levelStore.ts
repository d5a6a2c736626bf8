// The proof store on LevelDB (classic-level, as Lodestar uses): proofs keyed by
// (new_payload_request_root, proof_type), secondary indexes by slot, block root and block hash.
// Every write is a synchronous (fsync'd) batch, so a resolved promise means the data survives kill -9.
import { mkdir } from "node:fs/promises";
import { ClassicLevel } from "classic-level";
import { EproofError, errorMessage } from "../util/errors.ts";
import type { DropPayloadOpts, PayloadRecord, ProofStore, StoredProof } from "./interface.ts";
import {
  decodePayloadRecord,
  decodeProofRecord,
  encodePayloadRecord,
  encodeProofRecord,
  validatePayloadRecord,
} from "./recordCodec.ts";

type Db = ClassicLevel<Uint8Array, Uint8Array>;
interface PendingWrite {
  ops: BatchOp[];
  what: string;
  resolve: () => void;
  reject: (e: EproofError) => void;
}
type BatchOp = { type: "put"; key: Uint8Array; value: Uint8Array } | { type: "del"; key: Uint8Array };

// Key prefixes: one byte per table, so each table is one contiguous key range.
const PROOF = 0x01; // root ‖ type → proof record
const PROOF_BY_SLOT = 0x02; // slot(u64 BE) ‖ root ‖ type → ""
const PAYLOAD = 0x03; // root → payload record
const PAYLOAD_BY_BLOCK_ROOT = 0x04; // block root → npr root
const PAYLOAD_BY_BLOCK_HASH = 0x05; // block hash → npr root
const PAYLOAD_BY_SLOT = 0x06; // slot(u64 BE) ‖ root → ""

const EMPTY = new Uint8Array(0);
const SYNC = { sync: true } as const;

function key(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  let len = 1;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  out[0] = prefix;
  let pos = 1;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function u64be(v: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(v), false);
  return out;
}

function readU64be(bytes: Uint8Array, offset: number): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset, false));
}

function u8(v: number): Uint8Array {
  return Uint8Array.of(v);
}

function checkRoot(root: Uint8Array, what: string): void {
  if (!(root instanceof Uint8Array) || root.length !== 32) {
    throw new EproofError(
      "BAD_INPUT",
      `${what} must be 32 bytes, got ${root instanceof Uint8Array ? root.length : typeof root}`,
    );
  }
}

function checkSlot(slot: number, what: string): void {
  if (!Number.isSafeInteger(slot) || slot < 0)
    throw new EproofError("BAD_INPUT", `${what} must be a non-negative integer, got ${slot}`);
}

/** A zero block root means "not known" (payloads from the zkboost API): such roots are not indexed. */
function isZero(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b !== 0) return false;
  return true;
}

/** The key range [prefix ‖ from, prefix ‖ to) of one table. */
function range(prefix: number, from: Uint8Array, to?: Uint8Array): { gte: Uint8Array; lt: Uint8Array } {
  return { gte: key(prefix, from), lt: to ? key(prefix, to) : key(prefix + 1) };
}

export class LevelProofStore implements ProofStore {
  private readonly db: Db;
  private readonly dir: string;
  private closed = false;
  private flushing: Promise<void> | undefined;
  private queued: PendingWrite[] = [];

  private constructor(db: Db, dir: string) {
    this.db = db;
    this.dir = dir;
  }

  static async open(dir: string): Promise<LevelProofStore> {
    if (typeof dir !== "string" || dir.length === 0)
      throw new EproofError("BAD_CONFIG", "proof store directory is empty");
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new EproofError("STORE", `cannot create proof store directory ${dir}: ${errorMessage(e)}`);
    }
    const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(dir, {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    try {
      await db.open();
    } catch (e) {
      const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : errorMessage(e);
      const hint = /lock/i.test(cause) ? " (is another eproof process using it?)" : "";
      throw new EproofError("STORE", `cannot open proof store at ${dir}: ${cause}${hint}`, { cause: e });
    }
    return new LevelProofStore(db, dir);
  }

  private live(): Db {
    if (this.closed) throw new EproofError("STORE", `proof store at ${this.dir} is closed`);
    return this.db;
  }

  /**
   * Group commit: writes issued in the same event-loop turn, and those arriving while a synced
   * batch is being written, go out together as one batch with one fsync. Each caller's promise
   * still resolves only after the batch holding its operations is durable.
   */
  private write(ops: BatchOp[], what: string): Promise<void> {
    this.live();
    return new Promise((resolve, reject) => {
      this.queued.push({ ops, what, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // One event-loop turn first, so writes issued together (a payload's proof types) share a batch.
    await new Promise((r) => setImmediate(r));
    for (;;) {
      if (this.queued.length === 0) {
        // Cleared in the same turn as the last look at the queue: a later write starts a new flush.
        this.flushing = undefined;
        return;
      }
      const group = this.queued.splice(0, this.queued.length);
      try {
        await this.db.batch(
          group.flatMap((g) => g.ops),
          SYNC,
        );
        for (const g of group) g.resolve();
      } catch (e) {
        for (const g of group) {
          g.reject(
            new EproofError("STORE", `proof store write failed (${g.what}): ${errorMessage(e)}`, {
              cause: e,
            }),
          );
        }
      }
    }
  }

  private async read<T>(what: string, fn: (db: Db) => Promise<T>): Promise<T> {
    const db = this.live();
    try {
      return await fn(db);
    } catch (e) {
      if (e instanceof EproofError) throw e;
      throw new EproofError("STORE", `proof store read failed (${what}): ${errorMessage(e)}`, { cause: e });
    }
  }

  async putProof(proof: StoredProof): Promise<void> {
    const value = encodeProofRecord(proof);
    const type = u8(proof.proofType);
    // A stale slot-index entry (same key re-put with another slot) is harmless: index reads and
    // pruning check the record's own slot.
    await this.write(
      [
        { type: "put", key: key(PROOF, proof.newPayloadRequestRoot, type), value },
        {
          type: "put",
          key: key(PROOF_BY_SLOT, u64be(proof.slot), proof.newPayloadRequestRoot, type),
          value: EMPTY,
        },
      ],
      "put proof",
    );
  }

  async getProof(root: Uint8Array, proofType: number): Promise<StoredProof | undefined> {
    checkRoot(root, "newPayloadRequestRoot");
    if (!Number.isInteger(proofType) || proofType < 0 || proofType > 255) return undefined;
    const value = await this.read("get proof", (db) => db.get(key(PROOF, root, u8(proofType))));
    return value === undefined ? undefined : decodeProofRecord(value);
  }

  async proofsByRoot(root: Uint8Array): Promise<StoredProof[]> {
    checkRoot(root, "newPayloadRequestRoot");
    const values = await this.read("proofs by root", (db) => db.values(proofsOfRoot(root)).all());
    return values.map(decodeProofRecord);
  }

  async proofsBySlotRange(
    startSlot: number,
    count: number,
    proofTypes?: readonly number[],
  ): Promise<StoredProof[]> {
    checkSlot(startSlot, "start slot");
    checkSlot(count, "count");
    if (count === 0) return [];
    const end = Math.min(startSlot + count, Number.MAX_SAFE_INTEGER);
    const wanted = proofTypes && proofTypes.length > 0 ? new Set(proofTypes) : undefined;
    return this.read("proofs by slot range", async (db) => {
      const indexKeys = await db.keys(range(PROOF_BY_SLOT, u64be(startSlot), u64be(end))).all();
      const refs: { slot: number; proofKey: Uint8Array }[] = [];
      for (const k of indexKeys) {
        const type = k[1 + 8 + 32] ?? -1;
        if (wanted && !wanted.has(type)) continue;
        refs.push({ slot: readU64be(k, 1), proofKey: key(PROOF, k.subarray(9, 9 + 33)) });
      }
      if (refs.length === 0) return [];
      const values = await db.getMany(refs.map((r) => r.proofKey));
      const out: StoredProof[] = [];
      values.forEach((v, i) => {
        if (v === undefined) return;
        const proof = decodeProofRecord(v);
        if (proof.slot === refs[i]?.slot) out.push(proof);
      });
      return out;
    });
  }

  async putPayload(payload: PayloadRecord): Promise<void> {
    validatePayloadRecord(payload);
    const root = payload.newPayloadRequestRoot;
    const ops: BatchOp[] = [
      { type: "put", key: key(PAYLOAD, root), value: encodePayloadRecord(payload) },
      { type: "put", key: key(PAYLOAD_BY_SLOT, u64be(payload.slot), root), value: EMPTY },
    ];
    if (!isZero(payload.blockRoot))
      ops.push({ type: "put", key: key(PAYLOAD_BY_BLOCK_ROOT, payload.blockRoot), value: root });
    if (!isZero(payload.blockHash))
      ops.push({ type: "put", key: key(PAYLOAD_BY_BLOCK_HASH, payload.blockHash), value: root });
    // Not fsynced on its own: a payload can be fetched from the chain again, and LevelDB's log is
    // sequential, so the next synced write (the payload's first proof) makes this one durable too.
    await this.live()
      .batch(ops)
      .catch((e: unknown) => {
        throw new EproofError("STORE", `proof store write failed (put payload): ${errorMessage(e)}`, {
          cause: e,
        });
      });
  }

  async getPayload(root: Uint8Array): Promise<PayloadRecord | undefined> {
    checkRoot(root, "newPayloadRequestRoot");
    const value = await this.read("get payload", (db) => db.get(key(PAYLOAD, root)));
    return value === undefined ? undefined : decodePayloadRecord(value);
  }

  private async payloadVia(prefix: number, id: Uint8Array, what: string): Promise<PayloadRecord | undefined> {
    checkRoot(id, what);
    const root = await this.read(`payload by ${what}`, (db) => db.get(key(prefix, id)));
    if (root === undefined) return undefined;
    if (root.length !== 32) throw new EproofError("STORE", `corrupt ${what} index entry in the proof store`);
    return this.getPayload(root);
  }

  payloadByBlockRoot(blockRoot: Uint8Array): Promise<PayloadRecord | undefined> {
    return this.payloadVia(PAYLOAD_BY_BLOCK_ROOT, blockRoot, "block root");
  }

  payloadByBlockHash(blockHash: Uint8Array): Promise<PayloadRecord | undefined> {
    return this.payloadVia(PAYLOAD_BY_BLOCK_HASH, blockHash, "block hash");
  }

  async pruneBefore(slot: number): Promise<number> {
    checkSlot(slot, "prune slot");
    if (slot === 0) return 0;
    const ops: BatchOp[] = [];
    const pruned = await this.read("prune", async (db) => {
      let proofs = 0;
      const proofIndex = await db.keys(range(PROOF_BY_SLOT, u64be(0), u64be(slot))).all();
      const proofKeys = proofIndex.map((k) => key(PROOF, k.subarray(9)));
      const proofValues = proofKeys.length > 0 ? await db.getMany(proofKeys) : [];
      proofIndex.forEach((k, i) => {
        ops.push({ type: "del", key: k });
        const value = proofValues[i];
        const proofKey = proofKeys[i];
        if (value === undefined || proofKey === undefined) return;
        // A record re-put at a later slot stays; a corrupt one goes (it can never be served).
        let recordSlot = -1;
        try {
          recordSlot = decodeProofRecord(value).slot;
        } catch {
          recordSlot = -1;
        }
        if (recordSlot < slot) {
          ops.push({ type: "del", key: proofKey });
          proofs++;
        }
      });
      const payloadIndex = await db.keys(range(PAYLOAD_BY_SLOT, u64be(0), u64be(slot))).all();
      for (const k of payloadIndex) {
        ops.push({ type: "del", key: k });
        const root = k.subarray(9);
        const value = await db.get(key(PAYLOAD, root));
        if (value === undefined) continue;
        let payload: PayloadRecord | undefined;
        try {
          payload = decodePayloadRecord(value);
        } catch {
          payload = undefined;
        }
        if (payload && payload.slot >= slot) continue;
        ops.push(...this.payloadDeletes(root, payload));
      }
      return proofs;
    });
    if (ops.length > 0) await this.write(ops, "prune");
    return pruned;
  }

  private payloadDeletes(root: Uint8Array, payload: PayloadRecord | undefined): BatchOp[] {
    const ops: BatchOp[] = [{ type: "del", key: key(PAYLOAD, root) }];
    if (payload) {
      ops.push({ type: "del", key: key(PAYLOAD_BY_SLOT, u64be(payload.slot), root) });
      // A block root or hash belongs to one payload, so its index entry goes with it.
      if (!isZero(payload.blockRoot))
        ops.push({ type: "del", key: key(PAYLOAD_BY_BLOCK_ROOT, payload.blockRoot) });
      if (!isZero(payload.blockHash))
        ops.push({ type: "del", key: key(PAYLOAD_BY_BLOCK_HASH, payload.blockHash) });
    }
    return ops;
  }

  async dropPayload(root: Uint8Array, opts: DropPayloadOpts = {}): Promise<void> {
    checkRoot(root, "newPayloadRequestRoot");
    const ops = await this.read("drop payload", async (db) => {
      const out: BatchOp[] = [];
      const value = await db.get(key(PAYLOAD, root));
      let payload: PayloadRecord | undefined;
      if (value !== undefined) {
        try {
          payload = decodePayloadRecord(value);
        } catch {
          payload = undefined;
        }
        out.push(...this.payloadDeletes(root, payload));
      }
      for await (const [k, v] of db.iterator(proofsOfRoot(root))) {
        try {
          const proof = decodeProofRecord(v);
          // Kept with its slot index, so finality prunes it like any other record.
          if (opts.keepSigned && proof.signed) continue;
          out.push({ type: "del", key: k });
          out.push({ type: "del", key: key(PROOF_BY_SLOT, u64be(proof.slot), root, u8(proof.proofType)) });
        } catch {
          out.push({ type: "del", key: k });
          // A corrupt record's slot is unknown; its index entry goes at finality pruning.
        }
      }
      return out;
    });
    if (ops.length > 0) await this.write(ops, "drop payload");
  }

  async stats(): Promise<{ proofs: number; payloads: number; bytes: number }> {
    return this.read("stats", async (db) => {
      let proofs = 0;
      let bytes = 0;
      for await (const v of db.values(range(PROOF, EMPTY))) {
        proofs++;
        bytes += v.length;
      }
      let payloads = 0;
      for await (const v of db.values(range(PAYLOAD, EMPTY))) {
        payloads++;
        bytes += v.length;
      }
      return { proofs, payloads, bytes };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Acknowledge what was accepted before closing: queued writes still go to disk.
    await this.flushing;
    await this.db.close();
  }
}

/** Every proof key of one NPR root: root ‖ 0x00 … root ‖ 0xff. */
function proofsOfRoot(root: Uint8Array): { gte: Uint8Array; lte: Uint8Array } {
  return { gte: key(PROOF, root, u8(0)), lte: key(PROOF, root, u8(0xff)) };
}

export async function openProofStore(dir: string): Promise<ProofStore> {
  return LevelProofStore.open(dir);
}
