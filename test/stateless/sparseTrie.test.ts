// The batched trie update (sparseTrie.ts) gives @ethereumjs/mpt's root for the same writes, reads only
// the witness nodes, and names a missing node when a deletion needs a sibling the witness lacks; the
// synchronous reads over the decoded witness nodes (readLeaf) agree with the strict trie.
import { readFileSync } from "node:fs";
import { createMPT } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { bytesToUnprefixedHex, ValueEncoding } from "@ethereumjs/util";
import { describe, expect, it } from "vitest";
import { keccak256 } from "../../src/stateless/crypto.ts";
import { validateStatelessBlock, witnessHeaders } from "../../src/stateless/engine.ts";
import { readEthrexCache } from "../../src/stateless/fixtureFiles.ts";
import {
  batchUpdate,
  childRef,
  decodeNodeFast,
  decodeNodeRlp,
  readLeaf,
  type TrieNode,
  TrieNodes,
  type TrieWrite,
} from "../../src/stateless/sparseTrie.ts";
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
        new TrieNodes(
          (k) => stored.get(k),
          (k, v) => stored.set(k, v),
        ),
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
    const got = batchUpdate(trie.root(), writes, new TrieNodes((k) => nodes.get(k)));
    expect(bytesToUnprefixedHex(got)).toBe(
      "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421",
    );
    expect(batchUpdate(trie.root(), [], new TrieNodes((k) => nodes.get(k)))).toEqual(trie.root());
  });

  it("writes that leave values as they were make no node; beside a real write the root still matches", async () => {
    const { nodes, trie, keys } = await reference(40);
    const same: TrieWrite[] = [];
    for (const [i, key] of keys.entries()) {
      if (i % 2 === 0)
        same.push({ keyHex: bytesToUnprefixedHex(key), value: Uint8Array.of(0xc0 + (i % 50), i & 0xff) });
    }
    // Deleting a key that is not there changes nothing either.
    same.push({ keyHex: bytesToUnprefixedHex(keccak256(Uint8Array.of(0xee))), value: undefined });
    let stored = 0;
    const counting = () =>
      new TrieNodes(
        (k) => nodes.get(k),
        () => stored++,
      );
    expect(batchUpdate(trie.root(), same, counting())).toEqual(trie.root());
    expect(stored).toBe(0);
    const [first] = keys;
    if (!first) throw new Error("keys");
    const one: TrieWrite = { keyHex: bytesToUnprefixedHex(first), value: Uint8Array.of(9, 9) };
    const got = batchUpdate(trie.root(), [...same, one], counting());
    const changed = stored;
    await trie.put(first, Uint8Array.of(9, 9));
    expect(bytesToUnprefixedHex(got)).toBe(bytesToUnprefixedHex(trie.root()));
    // Only the changed key's path was re-made (the root and the nodes down to the leaf).
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThan(8);
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
        new TrieNodes((k) => partial.get(k)),
      ),
    ).toThrow(MissingWitnessError);
  });
});

describe("readLeaf over the decoded witness nodes", () => {
  it("agrees with @ethereumjs/mpt: a value, proven absent, or a missing node on the path", async () => {
    const { nodes, trie, keys } = await reference(300);
    const root = bytesToUnprefixedHex(trie.root());
    const all = new TrieNodes((k) => nodes.get(k));
    for (const key of keys.slice(0, 50)) {
      const v = readLeaf(all, root, bytesToUnprefixedHex(key));
      expect(v && bytesToUnprefixedHex(v)).toBe(
        bytesToUnprefixedHex((await trie.get(key)) ?? new Uint8Array()),
      );
    }
    const absent = keccak256(Uint8Array.of(0xbb));
    expect(readLeaf(all, root, bytesToUnprefixedHex(absent))).toBeNull();
    expect(await trie.get(absent)).toBeNull();
    // Without one of the root's children: keys below it are unproven (undefined), the rest still read.
    const partial = new Map(nodes);
    const rootNode = all.get(root);
    if (rootNode?.kind !== "branch") throw new Error("root is not a branch");
    const dropped = childRef(rootNode, 0)?.hash;
    if (!dropped) throw new Error("no hashed child 0");
    partial.delete(bytesToUnprefixedHex(dropped));
    const some = new TrieNodes((k) => partial.get(k));
    for (const key of keys.slice(0, 50)) {
      const hex = bytesToUnprefixedHex(key);
      if (hex.startsWith("0")) expect(readLeaf(some, root, hex)).toBeUndefined();
      else expect(readLeaf(some, root, hex)).toEqual(await trie.get(key));
    }
  });

  it("answers the Hoodi 1265656 block's first reads (the strict trie only for gaps)", async () => {
    const json = JSON.parse(readFileSync(`${HOODI}1265656-ethrex-replay-cache.json`, "utf8"));
    const [b] = readEthrexCache(json, "1265656");
    if (!b) throw new Error("no block");
    const db = WitnessNodeDb.fromWitness(b.witness.state, b.witness.codes);
    const parent = witnessHeaders(b.witness.headers, b.common).at(-1);
    if (!parent) throw new Error("no parent header");
    // Every transaction's sender reads the same through the decoded nodes as through the strict trie.
    const nodes = new TrieNodes((k) => db.peek(k));
    const trie = await createMPT({ db, root: parent.stateRoot, valueEncoding: ValueEncoding.Bytes });
    const root = bytesToUnprefixedHex(parent.stateRoot);
    for (const tx of b.block.transactions) {
      const key = keccak256(tx.getSenderAddress().bytes);
      const v = readLeaf(nodes, root, bytesToUnprefixedHex(key));
      expect(v && bytesToUnprefixedHex(v)).toBe(
        bytesToUnprefixedHex((await trie.get(key)) ?? new Uint8Array()),
      );
    }
    const phases = { setupMs: 0, txMs: 0, stateReadMs: 0, postMs: 0, flatHits: 0 };
    const v = await validateStatelessBlock(b.block, b.witness, b.common, { phases });
    expect(v.valid, v.reason).toBe(true);
    expect(phases.flatHits).toBeGreaterThan(100);
  });
});

describe("decodeNodeFast", () => {
  it("decodes every Hoodi 1265656 witness node as the full RLP decoder does, or leaves it to it", () => {
    const json = JSON.parse(readFileSync(`${HOODI}1265656-ethrex-replay-cache.json`, "utf8"));
    const [b] = readEthrexCache(json, "1265656");
    if (!b) throw new Error("no block");
    // Children compared as Refs (a fast-decoded branch holds positions until one is followed); a
    // branch's own bytes are not part of what it decodes to.
    const plain = (x: TrieNode) => {
      if (x.kind === "branch") for (let i = 0; i < 16; i++) childRef(x, i);
      return JSON.stringify(x, (k, v) =>
        k === "raw" ? undefined : v instanceof Uint8Array ? bytesToUnprefixedHex(v) : v,
      );
    };
    let fast = 0;
    let positions = 0;
    for (const raw of b.witness.state) {
      if (raw.length === 1 && raw[0] === 0x80) continue;
      const got = decodeNodeFast(raw);
      if (got === undefined) continue;
      fast++;
      if (got.kind === "branch") positions += got.children.filter((c) => typeof c === "number").length;
      expect(plain(got)).toBe(plain(decodeNodeRlp(raw, "")));
    }
    expect(fast).toBeGreaterThan(b.witness.state.length * 0.9);
    expect(positions).toBeGreaterThan(0);
  });

  it("leaves malformed and unusual shapes to the full decoder", () => {
    const hash = new Uint8Array(32).fill(7);
    const branch = RLP.encode([
      ...Array.from({ length: 16 }, (_, i) => (i % 2 ? hash : new Uint8Array())),
      new Uint8Array(),
    ]);
    expect(decodeNodeFast(branch)?.kind).toBe("branch");
    // A branch with a value, an embedded child, a truncated or over-long input, a non-canonical byte.
    const withValue = RLP.encode([...Array.from({ length: 16 }, () => new Uint8Array()), Uint8Array.of(1)]);
    const embedded = RLP.encode([
      [Uint8Array.of(0x20), Uint8Array.of(1)],
      ...Array.from({ length: 15 }, () => hash),
      new Uint8Array(),
    ]);
    for (const raw of [
      withValue,
      embedded,
      branch.subarray(0, branch.length - 1),
      Uint8Array.of(...branch, 0),
    ]) {
      expect(decodeNodeFast(raw)).toBeUndefined();
    }
    expect(decodeNodeFast(Uint8Array.of(0xc4, 0x81, 0x20, 0x81, 0x01))).toBeUndefined();
    expect(decodeNodeFast(RLP.encode([Uint8Array.of(0x20), Uint8Array.of(5)]))).toEqual({
      kind: "leaf",
      path: "",
      value: Uint8Array.of(5),
    });
  });
});
