// Wire codecs: snappy block bounds, Altair message-id, snappy framing with CRC-32C, req/resp chunks.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { computeMessageId } from "../../src/p2p/gossip/messageId.ts";
import {
  compressSnappyBlock,
  decompressSnappyBlock,
  SnappyBoundError,
  snappyBlockUncompressedLength,
} from "../../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import { proofDataRule } from "../../src/p2p/gossip/validation.ts";
import { ByteReader } from "../../src/p2p/reqresp/byteReader.ts";
import { crc32c, maskedCrc32c } from "../../src/p2p/reqresp/crc32c.ts";
import {
  encodeErrorChunk,
  encodePayload,
  encodeSuccessChunk,
  readPayload,
  readResponseChunk,
} from "../../src/p2p/reqresp/encoding.ts";
import { PeerRateLimiter } from "../../src/p2p/reqresp/rateLimiter.ts";
import {
  encodeSnappyFrames,
  readSnappyFrames,
  SnappyFrameError,
} from "../../src/p2p/reqresp/snappyFrames.ts";

async function* once(...chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

function pseudoRandom(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("snappy block bound", () => {
  it("reads the varint length and refuses a bomb before allocating", () => {
    const bomb = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x07, 0x00);
    expect(snappyBlockUncompressedLength(bomb)).toBe(2 ** 31 - 1);
    const mem0 = process.memoryUsage().arrayBuffers;
    expect(() => decompressSnappyBlock(bomb, 1024)).toThrow(SnappyBoundError);
    expect(process.memoryUsage().arrayBuffers - mem0).toBeLessThan(64 * 1024 * 1024);
  });
  it("round-trips data within the bound and rejects garbage", () => {
    const data = pseudoRandom(5000);
    expect(decompressSnappyBlock(compressSnappyBlock(data), 5000)).toEqual(data);
    expect(() => decompressSnappyBlock(compressSnappyBlock(data), 4999)).toThrow(SnappyBoundError);
    expect(() => decompressSnappyBlock(Uint8Array.of(0x05, 0xff, 0xff), 100)).toThrow();
    expect(snappyBlockUncompressedLength(Uint8Array.of(0x80, 0x80))).toBeUndefined();
  });
});

describe("Altair message-id", () => {
  it("hashes domain ‖ uint64_le(len(topic)) ‖ topic ‖ data and keeps 20 bytes", () => {
    const topic = executionProofTopic(Uint8Array.of(1, 2, 3, 4));
    expect(topic).toBe("/eth2/01020304/execution_proof/ssz_snappy");
    const data = Uint8Array.of(9, 8, 7);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(topic.length));
    const expected = createHash("sha256")
      .update(Buffer.concat([Buffer.of(1, 0, 0, 0), len, Buffer.from(topic), Buffer.from(data)]))
      .digest()
      .subarray(0, 20);
    expect(Buffer.from(computeMessageId(topic, data, true))).toEqual(expected);
    const invalid = computeMessageId(topic, data, false);
    expect(invalid.length).toBe(20);
    expect(Buffer.from(invalid)).not.toEqual(expected);
  });
});

describe("snappy framing + CRC-32C", () => {
  it("matches the CRC-32C check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(maskedCrc32c(new Uint8Array(0))).toBe(((0 >>> 15) | (0 << 17)) + 0xa282ead8);
  });
  it("round-trips multi-chunk payloads, split arbitrarily across reads", async () => {
    const data = pseudoRandom(200_000);
    data.fill(0, 70_000, 140_000); // one compressible chunk, others stored uncompressed
    const framed = encodeSnappyFrames(data);
    expect(framed.subarray(0, 10)).toEqual(Uint8Array.of(0xff, 6, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59));
    const pieces = [framed.subarray(0, 7), framed.subarray(7, 70_001), framed.subarray(70_001)];
    const out = await readSnappyFrames(new ByteReader(once(...pieces)), data.length);
    expect(out).toEqual(data);
  });
  it("rejects a corrupted checksum and a missing stream identifier", async () => {
    const framed = encodeSnappyFrames(pseudoRandom(100));
    const corrupt = framed.slice();
    corrupt[14] = (corrupt[14] ?? 0) ^ 1;
    await expect(readSnappyFrames(new ByteReader(once(corrupt)), 100)).rejects.toThrow(SnappyFrameError);
    await expect(readSnappyFrames(new ByteReader(once(framed.subarray(10))), 100)).rejects.toThrow(
      SnappyFrameError,
    );
  });
});

describe("req/resp chunks", () => {
  it("refuses a declared length above the limit before reading frames", async () => {
    const payload = encodePayload(pseudoRandom(1000));
    await expect(readPayload(new ByteReader(once(payload)), 999)).rejects.toThrow(/exceeds/);
  });
  it("reads success chunks, then an error chunk, then the clean end", async () => {
    const a = pseudoRandom(300, 2);
    const reader = new ByteReader(once(encodeSuccessChunk(a), encodeErrorChunk(3, "not served")));
    expect(await readResponseChunk(reader, 1000)).toEqual({ code: 0, data: a });
    expect(await readResponseChunk(reader, 1000)).toEqual({ code: 3, message: "not served" });
    expect(await readResponseChunk(reader, 1000)).toBeUndefined();
  });
});

describe("pure rules and limits", () => {
  it("REJECTs empty and oversize proof_data", () => {
    expect(proofDataRule(new Uint8Array(0), 10)).toEqual({ result: "reject", reason: "empty_proof" });
    expect(proofDataRule(new Uint8Array(11), 10)).toEqual({ result: "reject", reason: "oversize_proof" });
    expect(proofDataRule(new Uint8Array(10), 10)).toBeUndefined();
  });
  it("rate-limits per peer and refills over time", () => {
    let now = 0;
    const limiter = new PeerRateLimiter(2, () => now);
    expect(limiter.allow("a")).toBe(true);
    expect(limiter.allow("a")).toBe(true);
    expect(limiter.allow("a")).toBe(false);
    expect(limiter.allow("b")).toBe(true);
    now += 30_000;
    expect(limiter.allow("a")).toBe(true);
  });
});
