// Snappy block compression for gossip payloads, with the uncompressed-length bound checked from the
// block's varint header before a single byte of output is allocated (decompression bombs).
import { compress, uncompress } from "snappyjs";

export class SnappyBoundError extends Error {
  readonly claimed: number;
  readonly max: number;
  constructor(claimed: number, max: number) {
    super(`snappy block claims ${claimed} uncompressed bytes, at most ${max} allowed`);
    this.name = "SnappyBoundError";
    this.claimed = claimed;
    this.max = max;
  }
}

/** Reads the varint uncompressed length at the start of a snappy block; undefined when malformed. */
export function snappyBlockUncompressedLength(block: Uint8Array): number | undefined {
  let value = 0;
  // A uint32 varint has at most 5 bytes.
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i] ?? 0;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value <= 0xffffffff ? value : undefined;
  }
  return undefined;
}

/** Decompresses a snappy block; throws SnappyBoundError above `maxBytes` and Error when malformed. */
export function decompressSnappyBlock(block: Uint8Array, maxBytes: number): Uint8Array {
  const claimed = snappyBlockUncompressedLength(block);
  if (claimed === undefined) throw new Error("snappy block has no valid length header");
  if (claimed > maxBytes) throw new SnappyBoundError(claimed, maxBytes);
  return uncompress(block, maxBytes);
}

export function compressSnappyBlock(data: Uint8Array): Uint8Array {
  return compress(data);
}
