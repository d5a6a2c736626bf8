// The snappy framing format (stream identifier, compressed/uncompressed chunks of ≤ 64 KiB with masked
// CRC-32C), as phase0 req/resp `ssz_snappy` uses it after the varint length prefix.
import { compress, uncompress } from "snappyjs";
import { snappyBlockUncompressedLength } from "../gossip/snappyBlock.ts";
import type { ByteReader } from "./byteReader.ts";
import { maskedCrc32c } from "./crc32c.ts";

const STREAM_IDENTIFIER = Uint8Array.of(0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59);
const CHUNK_COMPRESSED = 0x00;
const CHUNK_UNCOMPRESSED = 0x01;
const CHUNK_PADDING = 0xfe;
const CHUNK_STREAM_ID = 0xff;
export const MAX_FRAME_DATA = 65_536;
/** Largest legal chunk body: checksum + snappy's worst case for 64 KiB. */
const MAX_CHUNK_BODY = 4 + 32 + MAX_FRAME_DATA + Math.ceil(MAX_FRAME_DATA / 6);

export class SnappyFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SnappyFrameError";
  }
}

/** Empty data encodes to nothing: the varint 0 before it already says everything. */
export function encodeSnappyFrames(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  const parts: Uint8Array[] = [STREAM_IDENTIFIER];
  for (let off = 0; off < data.length; off += MAX_FRAME_DATA) {
    const piece = data.subarray(off, off + MAX_FRAME_DATA);
    const compressed = compress(piece);
    const useCompressed = compressed.length < piece.length;
    const body = useCompressed ? compressed : piece;
    const header = new Uint8Array(8);
    const len = body.length + 4;
    header[0] = useCompressed ? CHUNK_COMPRESSED : CHUNK_UNCOMPRESSED;
    header[1] = len & 0xff;
    header[2] = (len >>> 8) & 0xff;
    header[3] = (len >>> 16) & 0xff;
    new DataView(header.buffer).setUint32(4, maskedCrc32c(piece), true);
    parts.push(header, body);
  }
  return concat(parts);
}

/**
 * Reads frames until exactly `expected` uncompressed bytes were produced. Never allocates more than
 * `expected` (already bounded by the caller) plus one 64 KiB chunk.
 */
export async function readSnappyFrames(reader: ByteReader, expected: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let written = 0;
  let sawIdentifier = false;
  while (written < expected) {
    const header = await reader.read(4);
    const type = header[0] ?? 0;
    const len = (header[1] ?? 0) | ((header[2] ?? 0) << 8) | ((header[3] ?? 0) << 16);
    if (type === CHUNK_STREAM_ID) {
      const id = await reader.read(len);
      if (len !== 6 || Buffer.compare(Buffer.from(id), Buffer.from(STREAM_IDENTIFIER.subarray(4))) !== 0) {
        throw new SnappyFrameError("bad snappy stream identifier");
      }
      sawIdentifier = true;
      continue;
    }
    if (!sawIdentifier) throw new SnappyFrameError("snappy stream does not start with its identifier");
    if (type === CHUNK_COMPRESSED || type === CHUNK_UNCOMPRESSED) {
      if (len < 4 || len > MAX_CHUNK_BODY) throw new SnappyFrameError(`snappy chunk of ${len} bytes`);
      const body = await reader.read(len);
      const checksum = new DataView(body.buffer, body.byteOffset, 4).getUint32(0, true);
      const payload = body.subarray(4);
      let data: Uint8Array;
      if (type === CHUNK_COMPRESSED) {
        const claimed = snappyBlockUncompressedLength(payload);
        if (claimed === undefined || claimed > MAX_FRAME_DATA || claimed > expected - written) {
          throw new SnappyFrameError("snappy chunk larger than allowed");
        }
        try {
          data = uncompress(payload, MAX_FRAME_DATA);
        } catch {
          throw new SnappyFrameError("malformed snappy chunk");
        }
      } else {
        data = payload;
        if (data.length > MAX_FRAME_DATA || data.length > expected - written) {
          throw new SnappyFrameError("uncompressed chunk larger than allowed");
        }
      }
      if (maskedCrc32c(data) !== checksum) throw new SnappyFrameError("snappy chunk checksum mismatch");
      out.set(data, written);
      written += data.length;
      continue;
    }
    if (type === CHUNK_PADDING || (type >= 0x80 && type <= 0xfd)) {
      await reader.read(len);
      continue;
    }
    throw new SnappyFrameError(`reserved unskippable snappy chunk type ${type}`);
  }
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
