// ere-server's proto3 messages (package `api`, eth-act/ere `crates/server/api/proto/api.proto`,
// ere ≥ 0.11 incl. ProgramVk), encoded by hand with @bufbuild/protobuf's wire codecs. Pure: no I/O.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { EproofError, errorMessage } from "../../util/errors.ts";

/** ProveRequest / ExecuteRequest: `1 bytes input_stdin; 2 optional bytes input_proofs`. */
export interface EreInput {
  inputStdin: Uint8Array;
  inputProofs?: Uint8Array;
}

export interface EreProveOk {
  publicValues: Uint8Array;
  proof: Uint8Array;
  /** Opaque serialized ProgramProvingReport. */
  report: Uint8Array;
}

export interface EreExecuteOk {
  publicValues: Uint8Array;
  report: Uint8Array;
}

export interface EreVerifyOk {
  publicValues: Uint8Array;
}

export interface EreProgramVkOk {
  programVk: Uint8Array;
}

/** Every response is `oneof result { 1 <Ok> ok; 2 string err }`: zkVM failures travel as `err`. */
export type EreResult<T> = { ok: T } | { err: string };

export type EreMethod = "Prove" | "Verify" | "Execute" | "ProgramVk";

export const ERE_SERVICE_PATH = "/twirp/api.ZkvmService/";
export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

const EMPTY = new Uint8Array(0);

function malformed(what: string, e: unknown): EproofError {
  return new EproofError("PROVER", `malformed ${what} protobuf: ${errorMessage(e)}`, { cause: e });
}

/** Reads the bytes fields of a flat message; unknown fields are skipped, as proto3 requires. */
function readBytesFields(bytes: Uint8Array, what: string): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wire] = reader.tag();
      if (wire === WireType.LengthDelimited) out.set(field, reader.bytes());
      else reader.skip(wire, field);
    }
  } catch (e) {
    throw malformed(what, e);
  }
  return out;
}

function writeBytes(writer: BinaryWriter, field: number, value: Uint8Array | undefined): void {
  // proto3: empty bytes are the default and are not written (except explicit `optional` presence).
  if (value && value.length > 0) writer.tag(field, WireType.LengthDelimited).bytes(value);
}

function varintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 128)) size++;
  return size;
}

function writeVarint(out: Uint8Array, pos: number, n: number): number {
  let v = n;
  let p = pos;
  while (v >= 0x80) {
    out[p++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[p++] = v;
  return p;
}

/**
 * ProveRequest / ExecuteRequest in one exact-size allocation: input_stdin carries the whole witness
 * (megabytes), so the growing-buffer writer's extra copies are worth avoiding here.
 */
export function encodeEreInput(input: EreInput): Uint8Array {
  // field 1 is proto3 bytes (omitted when empty); field 2 is `optional` (written when present).
  const fields: Array<[number, Uint8Array]> = [];
  if (input.inputStdin.length > 0) fields.push([1, input.inputStdin]);
  if (input.inputProofs) fields.push([2, input.inputProofs]);
  let size = 0;
  for (const [, value] of fields) size += 1 + varintSize(value.length) + value.length;
  const out = new Uint8Array(size);
  let pos = 0;
  for (const [field, value] of fields) {
    out[pos++] = (field << 3) | WireType.LengthDelimited;
    pos = writeVarint(out, pos, value.length);
    out.set(value, pos);
    pos += value.length;
  }
  return out;
}

export function decodeEreInput(bytes: Uint8Array): EreInput {
  const f = readBytesFields(bytes, "ProveRequest");
  const proofs = f.get(2);
  return proofs ? { inputStdin: f.get(1) ?? EMPTY, inputProofs: proofs } : { inputStdin: f.get(1) ?? EMPTY };
}

export function encodeVerifyRequest(proof: Uint8Array): Uint8Array {
  const w = new BinaryWriter();
  writeBytes(w, 1, proof);
  return w.finish();
}

export function decodeVerifyRequest(bytes: Uint8Array): { proof: Uint8Array } {
  return { proof: readBytesFields(bytes, "VerifyRequest").get(1) ?? EMPTY };
}

function encodeResult(result: EreResult<Uint8Array>): Uint8Array {
  const w = new BinaryWriter();
  if ("ok" in result) w.tag(1, WireType.LengthDelimited).bytes(result.ok);
  else w.tag(2, WireType.LengthDelimited).string(result.err);
  return w.finish();
}

function decodeResult(bytes: Uint8Array, what: string): EreResult<Uint8Array> {
  let result: EreResult<Uint8Array> | undefined;
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wire] = reader.tag();
      // oneof: the last member on the wire wins.
      if (field === 1 && wire === WireType.LengthDelimited) result = { ok: reader.bytes() };
      else if (field === 2 && wire === WireType.LengthDelimited) result = { err: reader.string() };
      else reader.skip(wire, field);
    }
  } catch (e) {
    throw malformed(what, e);
  }
  if (!result) throw new EproofError("PROVER", `${what} has neither ok nor err set`);
  return result;
}

function mapOk<T>(r: EreResult<Uint8Array>, decode: (ok: Uint8Array) => T): EreResult<T> {
  return "ok" in r ? { ok: decode(r.ok) } : r;
}

export function encodeProveResponse(r: EreResult<EreProveOk>): Uint8Array {
  if ("err" in r) return encodeResult(r);
  const w = new BinaryWriter();
  writeBytes(w, 1, r.ok.publicValues);
  writeBytes(w, 2, r.ok.proof);
  writeBytes(w, 3, r.ok.report);
  return encodeResult({ ok: w.finish() });
}

export function decodeProveResponse(bytes: Uint8Array): EreResult<EreProveOk> {
  return mapOk(decodeResult(bytes, "ProveResponse"), (ok) => {
    const f = readBytesFields(ok, "ProveOk");
    return { publicValues: f.get(1) ?? EMPTY, proof: f.get(2) ?? EMPTY, report: f.get(3) ?? EMPTY };
  });
}

export function encodeExecuteResponse(r: EreResult<EreExecuteOk>): Uint8Array {
  if ("err" in r) return encodeResult(r);
  const w = new BinaryWriter();
  writeBytes(w, 1, r.ok.publicValues);
  writeBytes(w, 2, r.ok.report);
  return encodeResult({ ok: w.finish() });
}

export function decodeExecuteResponse(bytes: Uint8Array): EreResult<EreExecuteOk> {
  return mapOk(decodeResult(bytes, "ExecuteResponse"), (ok) => {
    const f = readBytesFields(ok, "ExecuteOk");
    return { publicValues: f.get(1) ?? EMPTY, report: f.get(2) ?? EMPTY };
  });
}

export function encodeVerifyResponse(r: EreResult<EreVerifyOk>): Uint8Array {
  if ("err" in r) return encodeResult(r);
  const w = new BinaryWriter();
  writeBytes(w, 1, r.ok.publicValues);
  return encodeResult({ ok: w.finish() });
}

export function decodeVerifyResponse(bytes: Uint8Array): EreResult<EreVerifyOk> {
  return mapOk(decodeResult(bytes, "VerifyResponse"), (ok) => ({
    publicValues: readBytesFields(ok, "VerifyOk").get(1) ?? EMPTY,
  }));
}

export function encodeProgramVkResponse(r: EreResult<EreProgramVkOk>): Uint8Array {
  if ("err" in r) return encodeResult(r);
  const w = new BinaryWriter();
  writeBytes(w, 1, r.ok.programVk);
  return encodeResult({ ok: w.finish() });
}

export function decodeProgramVkResponse(bytes: Uint8Array): EreResult<EreProgramVkOk> {
  return mapOk(decodeResult(bytes, "ProgramVkResponse"), (ok) => ({
    programVk: readBytesFields(ok, "ProgramVkOk").get(1) ?? EMPTY,
  }));
}

/** A Twirp error body: `{"code": "...", "msg": "..."}` with a 4xx/5xx status. */
export interface TwirpError {
  code: string;
  msg: string;
}

export function parseTwirpError(status: number, body: string): TwirpError {
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === "object" && json !== null && "code" in json && typeof json.code === "string") {
      const msg = "msg" in json && typeof json.msg === "string" ? json.msg : "";
      return { code: json.code, msg };
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  return { code: `http_${status}`, msg: body.slice(0, 200) };
}
