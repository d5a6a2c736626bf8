// Binary records of the proof store: a version byte, the fields, and a CRC-32 trailer, so a torn or
// corrupted value is reported as a STORE error instead of decoding into wrong data.
import { crc32 } from "node:zlib";
import { EproofError } from "../util/errors.ts";
import type { PayloadRecord, ProofSource, StoredProof } from "./interface.ts";

const PROOF_RECORD_VERSION = 1;
const PAYLOAD_RECORD_VERSION = 1;
const ROOT_BYTES = 32;
const SIGNATURE_BYTES = 96;

const SOURCES: readonly ProofSource[] = ["local", "gossip", "reqresp", "api"];

class RecordWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }
  u32(v: number): void {
    this.view.setUint32(this.pos, v, false);
    this.pos += 4;
  }
  u64(v: number): void {
    this.view.setBigUint64(this.pos, BigInt(v), false);
    this.pos += 8;
  }
  f64(v: number): void {
    this.view.setFloat64(this.pos, v, false);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Appends the CRC-32 of everything written so far and returns the record. */
  finish(): Uint8Array {
    this.u32(crc32(this.buf.subarray(0, this.pos)));
    if (this.pos !== this.buf.length) {
      throw new EproofError("INTERNAL", `record size mismatch: wrote ${this.pos} of ${this.buf.length}`);
    }
    return this.buf;
  }
}

class RecordReader {
  private readonly buf: Uint8Array;
  private readonly what: string;
  private readonly view: DataView;
  private pos = 0;
  private readonly end: number;

  constructor(buf: Uint8Array, what: string) {
    this.buf = buf;
    this.what = what;
    if (buf.length < 5) throw corrupt(what, `only ${buf.length} bytes`);
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.end = buf.length - 4;
    const stored = this.view.getUint32(this.end, false);
    const actual = crc32(buf.subarray(0, this.end));
    if (stored !== actual) throw corrupt(what, "checksum mismatch");
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw corrupt(this.what, "truncated");
  }
  u8(): number {
    this.need(1);
    const v = this.view.getUint8(this.pos);
    this.pos += 1;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, false);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(this.what, "integer out of range");
    return Number(v);
  }
  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    // A plain Uint8Array copy: LevelDB hands out Buffers, and callers keep these bytes.
    const out = new Uint8Array(n);
    out.set(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  done(): void {
    if (this.pos !== this.end) throw corrupt(this.what, `${this.end - this.pos} trailing bytes`);
  }
}

function corrupt(what: string, detail: string): EproofError {
  return new EproofError(
    "STORE",
    `corrupt ${what} in the proof store (${detail}); the database may be damaged`,
  );
}

function checkRoot(root: Uint8Array, what: string): void {
  if (!(root instanceof Uint8Array) || root.length !== ROOT_BYTES) {
    throw new EproofError("BAD_INPUT", `${what} must be ${ROOT_BYTES} bytes`);
  }
}

function checkUint(v: number, what: string): void {
  if (!Number.isSafeInteger(v) || v < 0)
    throw new EproofError("BAD_INPUT", `${what} must be a non-negative integer, got ${v}`);
}

/** Rejects a proof that cannot be stored faithfully, with a message naming the bad field. */
export function validateStoredProof(p: StoredProof): void {
  checkRoot(p.newPayloadRequestRoot, "proof newPayloadRequestRoot");
  if (!Number.isInteger(p.proofType) || p.proofType < 0 || p.proofType > 255) {
    throw new EproofError("BAD_INPUT", `proof type ${p.proofType} is not a u8`);
  }
  checkUint(p.slot, "proof slot");
  if (!(p.proof instanceof Uint8Array) || p.proof.length === 0) {
    throw new EproofError("BAD_INPUT", "proof bytes are empty");
  }
  if (!SOURCES.includes(p.source)) throw new EproofError("BAD_INPUT", `unknown proof source "${p.source}"`);
  if (p.signed) {
    checkUint(p.signed.validatorIndex, "validator index");
    if (p.signed.signature.length !== SIGNATURE_BYTES) {
      throw new EproofError("BAD_INPUT", `signature must be ${SIGNATURE_BYTES} bytes`);
    }
  }
  if (!Number.isFinite(p.receivedAt)) throw new EproofError("BAD_INPUT", "receivedAt is not a finite number");
}

export function encodeProofRecord(p: StoredProof): Uint8Array {
  validateStoredProof(p);
  const signedSize = p.signed ? 8 + SIGNATURE_BYTES : 0;
  const size = 1 + 1 + 8 + ROOT_BYTES + 1 + 1 + 8 + 1 + signedSize + 4 + p.proof.length + 4;
  const w = new RecordWriter(size);
  w.u8(PROOF_RECORD_VERSION);
  w.u8(p.proofType);
  w.u64(p.slot);
  w.bytes(p.newPayloadRequestRoot);
  w.u8(SOURCES.indexOf(p.source));
  w.u8(p.verified ? 1 : 0);
  w.f64(p.receivedAt);
  w.u8(p.signed ? 1 : 0);
  if (p.signed) {
    w.u64(p.signed.validatorIndex);
    w.bytes(p.signed.signature);
  }
  w.u32(p.proof.length);
  w.bytes(p.proof);
  return w.finish();
}

export function decodeProofRecord(bytes: Uint8Array): StoredProof {
  const r = new RecordReader(bytes, "proof record");
  const version = r.u8();
  if (version !== PROOF_RECORD_VERSION) throw corrupt("proof record", `unknown version ${version}`);
  const proofType = r.u8();
  const slot = r.u64();
  const newPayloadRequestRoot = r.bytes(ROOT_BYTES);
  const source = SOURCES[r.u8()];
  if (source === undefined) throw corrupt("proof record", "unknown source");
  const verified = r.u8() === 1;
  const receivedAt = r.f64();
  const hasSigned = r.u8() === 1;
  let signed: StoredProof["signed"];
  if (hasSigned) signed = { validatorIndex: r.u64(), signature: r.bytes(SIGNATURE_BYTES) };
  const proof = r.bytes(r.u32());
  r.done();
  const out: StoredProof = { newPayloadRequestRoot, proofType, slot, proof, source, verified, receivedAt };
  if (signed) out.signed = signed;
  return out;
}

/** Rejects a payload record that cannot be stored faithfully. */
export function validatePayloadRecord(p: PayloadRecord): void {
  checkRoot(p.newPayloadRequestRoot, "payload newPayloadRequestRoot");
  checkRoot(p.blockRoot, "payload blockRoot");
  checkRoot(p.blockHash, "payload blockHash");
  checkUint(p.slot, "payload slot");
  if (!(p.npr instanceof Uint8Array) || p.npr.length === 0)
    throw new EproofError("BAD_INPUT", "payload NPR bytes are empty");
  if (typeof p.fork !== "string" || p.fork.length === 0 || p.fork.length > 32) {
    throw new EproofError("BAD_INPUT", `payload fork "${String(p.fork)}" is not a fork name`);
  }
  if (!Number.isFinite(p.seenAt)) throw new EproofError("BAD_INPUT", "payload seenAt is not a finite number");
}

export function encodePayloadRecord(p: PayloadRecord): Uint8Array {
  validatePayloadRecord(p);
  const fork = new TextEncoder().encode(p.fork);
  const size = 1 + ROOT_BYTES * 3 + 8 + 8 + 1 + fork.length + 4 + p.npr.length + 4;
  const w = new RecordWriter(size);
  w.u8(PAYLOAD_RECORD_VERSION);
  w.bytes(p.newPayloadRequestRoot);
  w.bytes(p.blockRoot);
  w.bytes(p.blockHash);
  w.u64(p.slot);
  w.f64(p.seenAt);
  w.u8(fork.length);
  w.bytes(fork);
  w.u32(p.npr.length);
  w.bytes(p.npr);
  return w.finish();
}

export function decodePayloadRecord(bytes: Uint8Array): PayloadRecord {
  const r = new RecordReader(bytes, "payload record");
  const version = r.u8();
  if (version !== PAYLOAD_RECORD_VERSION) throw corrupt("payload record", `unknown version ${version}`);
  const newPayloadRequestRoot = r.bytes(ROOT_BYTES);
  const blockRoot = r.bytes(ROOT_BYTES);
  const blockHash = r.bytes(ROOT_BYTES);
  const slot = r.u64();
  const seenAt = r.f64();
  const fork = new TextDecoder().decode(r.bytes(r.u8()));
  const npr = r.bytes(r.u32());
  r.done();
  return { newPayloadRequestRoot, blockRoot, blockHash, slot, seenAt, fork, npr };
}
