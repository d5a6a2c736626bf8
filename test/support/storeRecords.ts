// Deterministic proof and payload records for the store tests and the crash writer: record i is
// fully determined by i, so a reader can check every byte of what a killed writer acknowledged.
import { createHash } from "node:crypto";
import type { PayloadRecord, StoredProof } from "../../src/store/interface.ts";

export function rootOf(label: string): Uint8Array {
  return Uint8Array.from(createHash("sha256").update(label).digest());
}

export function proofBytes(i: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let seed = createHash("sha256").update(`proof-${i}`).digest();
  for (let pos = 0; pos < size; pos += seed.length) {
    out.set(seed.subarray(0, Math.min(seed.length, size - pos)), pos);
    seed = createHash("sha256").update(seed).digest();
  }
  return out;
}

/** Proof i: root i/4 (four proof types per payload), slot 1000 + i/4, 8–40 KB of bytes. */
export function numberedProof(i: number): StoredProof {
  const payload = Math.floor(i / 4);
  const proof: StoredProof = {
    newPayloadRequestRoot: rootOf(`npr-${payload}`),
    proofType: [1, 3, 6, 0xf0][i % 4] ?? 1,
    slot: 1000 + payload,
    proof: proofBytes(i, 8_000 + ((i * 7919) % 32_000)),
    source: i % 3 === 0 ? "gossip" : "local",
    verified: i % 5 !== 0,
    receivedAt: 1_700_000_000_000 + i,
  };
  if (i % 2 === 0) proof.signed = { validatorIndex: i, signature: proofBytes(i + 1_000_000, 96) };
  return proof;
}

export function numberedPayload(n: number): PayloadRecord {
  return {
    newPayloadRequestRoot: rootOf(`npr-${n}`),
    slot: 1000 + n,
    blockRoot: rootOf(`block-${n}`),
    blockHash: rootOf(`hash-${n}`),
    fork: "fulu",
    npr: proofBytes(n + 2_000_000, 600),
    seenAt: 1_700_000_000_000 + n * 12_000,
  };
}
