// The Altair gossip message-id: SHA256(domain ‖ uint64_le(len(topic)) ‖ topic ‖ data)[:20], with the
// VALID_SNAPPY domain over the decompressed data, or INVALID_SNAPPY over the raw bytes.
import { createHash } from "node:crypto";

export const MESSAGE_DOMAIN_INVALID_SNAPPY = Uint8Array.of(0, 0, 0, 0);
export const MESSAGE_DOMAIN_VALID_SNAPPY = Uint8Array.of(1, 0, 0, 0);

export function computeMessageId(topic: string, data: Uint8Array, decompressed: boolean): Uint8Array {
  const topicBytes = Buffer.from(topic, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(topicBytes.length));
  const digest = createHash("sha256")
    .update(decompressed ? MESSAGE_DOMAIN_VALID_SNAPPY : MESSAGE_DOMAIN_INVALID_SNAPPY)
    .update(len)
    .update(topicBytes)
    .update(data)
    .digest();
  return new Uint8Array(digest.buffer, digest.byteOffset, 20);
}
