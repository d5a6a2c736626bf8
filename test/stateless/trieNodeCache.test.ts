// The decode cache keeps each stored node's RLP structure and builds typed nodes from it on every
// lookup. If the trie's in-place edits reached the cached structure, a trie that saw updates and
// deletions would stop matching one built from its final contents, and reads would return stale values.
import { createMPT } from "@ethereumjs/mpt";
import { ValueEncoding } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { installTrieNodeCache, trieNodeCacheHits } from "../../src/stateless/trieNodeCache.ts";
import { WitnessNodeDb } from "../../src/stateless/witnessState.ts";

const key = (i: number) => keccak_256(Uint8Array.of(i >> 8, i & 0xff)).subarray(0, 20);
const value = (i: number, round: number) => Uint8Array.of(round, i & 0xff, 0xab, 0xcd, (i * 7) & 0xff);

describe("trie node decode cache", () => {
  it("updates and deletions through cached nodes give the same trie as inserting the final contents", async () => {
    installTrieNodeCache();
    // The engine's node store: values are byte arrays, which is what the cache keys on.
    const edited = await createMPT({
      useKeyHashing: true,
      db: new WitnessNodeDb(),
      valueEncoding: ValueEncoding.Bytes,
    });
    const hitsBefore = trieNodeCacheHits();
    const final = new Map<number, Uint8Array>();
    for (let i = 0; i < 600; i++) {
      await edited.put(key(i), value(i, 1));
      final.set(i, value(i, 1));
    }
    for (let i = 0; i < 600; i += 3) {
      await edited.put(key(i), value(i, 2));
      final.set(i, value(i, 2));
    }
    for (let i = 1; i < 600; i += 4) {
      await edited.del(key(i));
      final.delete(i);
    }
    for (const [i, v] of final) expect(await edited.get(key(i))).toEqual(v);
    expect(await edited.get(key(1))).toBeNull();

    expect(trieNodeCacheHits() - hitsBefore).toBeGreaterThan(1000);

    const rebuilt = await createMPT({
      useKeyHashing: true,
      db: new WitnessNodeDb(),
      valueEncoding: ValueEncoding.Bytes,
    });
    for (const [i, v] of [...final].reverse()) await rebuilt.put(key(i), v);
    expect(edited.root()).toEqual(rebuilt.root());
  });
});
