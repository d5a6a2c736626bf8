import { createMerkleProof, createMPT } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import {
  findParentBranch,
  indexProofPath,
  keyWithHashPrefix,
  nibbles,
} from "../../src/execution/trieSiblings.ts";
import { toHex } from "../../src/util/hex.ts";

function slot(i: number): Uint8Array {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(28, i);
  return b;
}

describe("reaching a deletion sibling through eth_getProof of a ground key", () => {
  it("places proof nodes, finds the branch holding a hash, and grinds a key whose proof carries that child", async () => {
    // A secure (key-hashed) trie like a storage trie, 400 slots: branches two to three levels deep.
    const trie = await createMPT({ useKeyHashing: true });
    for (let i = 1; i <= 400; i++) await trie.put(slot(i), RLP.encode(i));
    const a = slot(7);
    const proof = await createMerkleProof(trie, a);
    const places = new Map<string, { trie: string; path: number[] }>();
    indexProofPath("0xcontract", keccak_256(a), proof, places);
    expect(places.get(toHex(keccak_256(proof[0] ?? new Uint8Array())))?.path).toEqual([]);
    const second = proof[1] ?? new Uint8Array();
    expect(places.get(toHex(keccak_256(second)))?.path).toEqual(nibbles(keccak_256(a)).slice(0, 1));

    // A child of the second-level branch that the proof of `a` does not open.
    const branch = RLP.decode(second) as Uint8Array[];
    const own = nibbles(keccak_256(a))[1];
    const j = branch.findIndex((c, i) => i < 16 && i !== own && c instanceof Uint8Array && c.length === 32);
    expect(j).toBeGreaterThanOrEqual(0);
    const childHash = branch[j] as Uint8Array;
    expect(proof.some((n) => toHex(keccak_256(n)) === toHex(childHash))).toBe(false);

    const parent = findParentBranch(childHash, proof);
    expect(parent).toEqual({ parentHash: toHex(keccak_256(second)), nibble: j });
    const place = places.get(parent?.parentHash ?? "");
    const prefix = [...(place?.path ?? []), j];
    const key = keyWithHashPrefix(prefix, 32, 16 ** prefix.length * 32);
    expect(key).toBeDefined();
    expect(nibbles(keccak_256(key ?? new Uint8Array())).slice(0, prefix.length)).toEqual(prefix);
    const siblingProof = await createMerkleProof(trie, key ?? new Uint8Array());
    expect(siblingProof.some((n) => toHex(keccak_256(n)) === toHex(childHash))).toBe(true);
  });

  it("gives up within its bound", () => {
    expect(keyWithHashPrefix([1, 2, 3, 4, 5, 6, 7, 8], 20, 1000)).toBeUndefined();
  });
});
