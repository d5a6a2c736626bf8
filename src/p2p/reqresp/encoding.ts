// ssz_snappy req/resp encoding: request = varint(len) ‖ snappy frames; each response chunk = result
// byte ‖ varint(len) ‖ snappy frames, the payload an SSZ value (success) or an ErrorMessage.
import type { ByteReader } from "./byteReader.ts";
import { encodeVarint } from "./byteReader.ts";
import {
  MAX_ERROR_MESSAGE_BYTES,
  RESP_INVALID_REQUEST,
  RESP_SUCCESS,
  ReqRespError,
  type ResponseCode,
} from "./protocols.ts";
import { encodeSnappyFrames, readSnappyFrames } from "./snappyFrames.ts";

export function encodePayload(ssz: Uint8Array): Uint8Array {
  const len = encodeVarint(ssz.length);
  const frames = encodeSnappyFrames(ssz);
  const out = new Uint8Array(len.length + frames.length);
  out.set(len, 0);
  out.set(frames, len.length);
  return out;
}

/** Reads one length-prefixed payload; a length above `maxBytes` is refused before reading frames. */
export async function readPayload(reader: ByteReader, maxBytes: number): Promise<Uint8Array> {
  const len = await reader.readVarint();
  if (len > maxBytes)
    throw new ReqRespError(RESP_INVALID_REQUEST, `payload of ${len} bytes exceeds ${maxBytes}`);
  return readSnappyFrames(reader, len);
}

export function encodeSuccessChunk(ssz: Uint8Array): Uint8Array {
  const payload = encodePayload(ssz);
  const out = new Uint8Array(1 + payload.length);
  out[0] = RESP_SUCCESS;
  out.set(payload, 1);
  return out;
}

export function encodeErrorChunk(code: Exclude<ResponseCode, 0>, message: string): Uint8Array {
  const text = new TextEncoder().encode(message).subarray(0, MAX_ERROR_MESSAGE_BYTES);
  const payload = encodePayload(text);
  const out = new Uint8Array(1 + payload.length);
  out[0] = code;
  out.set(payload, 1);
  return out;
}

export type ResponseChunk = { code: 0; data: Uint8Array } | { code: number; message: string };

/** Reads the next response chunk, or undefined when the responder closed the stream cleanly. */
export async function readResponseChunk(
  reader: ByteReader,
  maxBytes: number,
): Promise<ResponseChunk | undefined> {
  if (await reader.atEnd()) return undefined;
  const code = await reader.readByte();
  if (code === RESP_SUCCESS) return { code: 0, data: await readPayload(reader, maxBytes) };
  const msg = await readPayload(reader, MAX_ERROR_MESSAGE_BYTES);
  return { code, message: new TextDecoder("utf-8", { fatal: false }).decode(msg) };
}
