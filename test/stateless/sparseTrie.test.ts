// The batched trie update (sparseTrie.ts) gives @ethereumjs/mpt's root for the same writes, reads only
// the witness nodes, and names a missing node when a deletion needs a sibling the witness lacks; the
// flat witness maps (flatState.ts) hold exactly the proven leaves.
import { readFileSync } from "node:fs";
import { createMPT } from "@ethereumjs/mpt";
import { bytesToUnprefixedHex, ValueEncoding } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { keccak256 } from "../../src/stateless/crypto.ts";
import { validateStatelessBlock, witnessHeaders } from "../../src/stateless/engine.ts";
import { readEthrexCache } from "../../src/stateless/fixtureFiles.ts";
import { flattenWitness } from "../../src/stateless/flatState.ts";
import { batchUpdate, type TrieWrite } from "../../src/stateless/sparseTrie.ts";
import { MissingWitnessError, WitnessNodeDb } from "../../src/stateless/witnessState.ts";

const HOODI = new URL("../../../shared/fixtures/hoodi/", import.meta.url).pathname;

/** A trie of `n` keys k_i = keccak(i) → value bytes, built by @ethereumjs/mpt; all its nodes. */
async function reference(n: number) {
  const nodes = new Map<string, Uint8Array>();
  const db = new WitnessNodeDb(nodes);
  const trie = await createMPT({ db, useKeyHashing: false, valueEncoding: ValueEncoding.Bytes });
  const keys: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const key = keccak256(Uint8Array.of(i >> 8, i & 0xff));
    keys.push(key);
    await trie.put(key, Uint8Array.of(0xc0 + (i % 50), i & 0xff));
  }
  return { nodes, trie, keys };
}

describe("batchUpdate", () => {
  it("matches @ethereumjs/mpt's root for inserts, updates and deletions", async () => {
    for (const n of [1, 2, 17, 300]) {
      const { nodes, trie, keys } = await reference(n);
      const root = trie.root();
      const writes: TrieWrite[] = [];
      for (const [i, key] of keys.entries()) {
        if (i % 3 === 0) writes.push({ keyHex: bytesToUnprefixedHex(key), value: undefined });
        else if (i % 3 === 1)
          writes.push({ keyHex: bytesToUnprefixedHex(key), value: Uint8Array.of(7, i & 0xff) });
      }
      for (let j = 0; j < 40; j++) {
        const key = keccak256(Uint8Array.of(0xaa, j));
        writes.push({ keyHex: bytesToUnprefixedHex(key), value: Uint8Array.of(1, 2, 3, j) });
      }
      const stored = new Map(nodes);
      const got = batchUpdate(
        root,
        writes,
        (k) => stored.get(k),
        (k, v) => stored.set(k, v),
      );
      // Same writes through the library, inserts first as the engine orders them.
      for (const w of writes) if (w.value) await trie.put(Buffer.from(w.keyHex, "hex"), w.value);
      for (const w of writes) if (!w.value) await trie.del(Buffer.from(w.keyHex, "hex"));
      expect(bytesToUnprefixedHex(got), `n=${n}`).toBe(bytesToUnprefixedHex(trie.root()));
      // The new root's nodes were stored: the library reads every key back from them.
      const check = await createMPT({
        db: new WitnessNodeDb(stored),
        root: got,
        useKeyHashing: false,
        valueEncoding: ValueEncoding.Bytes,
      });
      for (const w of writes) {
        const v = await check.get(Buffer.from(w.keyHex, "hex"));
        expect(v === null ? undefined : bytesToUnprefixedHex(v)).toBe(
          w.value ? bytesToUnprefixedHex(w.value) : undefined,
        );
      }
    }
  });

  it("deleting everything gives the empty root; no writes keep the root", async () => {
    const { nodes, trie, keys } = await reference(5);
    const writes = keys.map((k) => ({ keyHex: bytesToUnprefixedHex(k), value: undefined }));
    const got = batchUpdate(
      trie.root(),
      writes,
      (k) => nodes.get(k),
      () => {},
    );
    expect(bytesToUnprefixedHex(got)).toBe(
      "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    );
    expect(
      batchUpdate(
        trie.root(),
        [],
        (k) => nodes.get(k),
        () => {},
      ),
    ).toEqual(trie.root());
  });

  it("a deletion that collapses onto an unproven sibling throws MissingWitnessError", async () => {
    const { nodes, trie, keys } = await reference(2);
    // Two keys under a root branch: deleting one needs the other's leaf, which is dropped here.
    const [a, b] = keys;
    if (!a || !b) throw new Error("keys");
    const partial = new Map(nodes);
    for (const [k, v] of nodes) {
      if (v.length >= 32 && k !== bytesToUnprefixedHex(trie.root())) partial.delete(k);
    }
    expect(() =>
      batchUpdate(
        trie.root(),
        [{ keyHex: bytesToUnprefixedHex(a), value: undefined }],
        (k) => partial.get(k),
        () => {},
      ),
    ).toThrow(MissingWitnessError);
  });
});

describe("flattenWitness and the flat reads", () => {
  it("holds the Hoodi 1265656 witness's proven accounts and slots, and the block uses them", async () => {
    const json = JSON.parse(readFileSync(`${HOODI}1265656-ethrex-replay-cache.json`, "utf8"));
    const [b] = readEthrexCache(json, "1265656");
    if (!b) throw new Error("no block");
    const db = WitnessNodeDb.fromWitness(b.witness.state, b.witness.codes);
    const parent = witnessHeaders(b.witness.headers, b.common).at(-1);
    if (!parent) throw new Error("no parent header");
    const flat = flattenWitness(parent.stateRoot, (k) => db.peek(k));
    expect(flat.accounts.size).toBeGreaterThan(10);
    expect(flat.storage.size).toBeGreaterThan(0);
    // Every flat account is what the strict trie reads for the same key.
    const trie = await createMPT({ db, root: parent.stateRoot, valueEncoding: ValueEncoding.Bytes });
    for (const [keyHex, rlp] of [...flat.accounts].slice(0, 20)) {
      const v = await trie.get(Buffer.from(keyHex, "hex"));
      expect(v && bytesToUnprefixedHex(v)).toBe(bytesToUnprefixedHex(rlp));
    }
    const phases = { setupMs: 0, txMs: 0, stateReadMs: 0, postMs: 0, flatHits: 0 };
    const v = await validateStatelessBlock(b.block, b.witness, b.common, { phases });
    expect(v.valid, v.reason).toBe(true);
    expect(phases.flatHits).toBeGreaterThan(100);
  });
});
