// Write order against a witness: a storage trie whose root branch holds slots A and B. The block deletes
// A and inserts C. Applied inserts-first (geth, the specs) the branch keeps two children and B's leaf is
// never needed, so a correct witness omits it; applied in execution order (delete first) the branch
// collapses and needs B's leaf.
import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { createMPT } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { createAccount, createAddressFromString, equalsBytes, setLengthLeft } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import {
  insertBeforeDeleteCaches,
  MissingWitnessError,
  trieOver,
  WitnessNodeDb,
  WitnessStateManager,
} from "../../src/stateless/witnessState.ts";

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
const CONTRACT = createAddressFromString("0x00000000000000000000000000000000000c0de0");
const SYSTEM = 0xfffffffffffffffffffffffffffffffffffffffen;
const B_VALUE = Uint8Array.of(0x22, 0x22, 0x22);

/** Three slots whose hashed keys start with different nibbles. */
function slots(): [Uint8Array, Uint8Array, Uint8Array] {
  const found: Uint8Array[] = [];
  const nibbles = new Set<number>();
  for (let i = 1; found.length < 3; i++) {
    const key = setLengthLeft(Uint8Array.of(i), 32);
    const nibble = (keccak_256(key)[0] ?? 0) >> 4;
    if (!nibbles.has(nibble)) {
      nibbles.add(nibble);
      found.push(key);
    }
  }
  return found as [Uint8Array, Uint8Array, Uint8Array];
}

async function preState() {
  const [a, b] = slots();
  const full = new Map<string, Uint8Array>();
  const db = new WitnessNodeDb(full);
  const trie = await createMPT({ db, useKeyHashing: true, common });
  const sm = new MerkleStateManager({ trie, common });
  await sm.putAccount(CONTRACT, createAccount({ nonce: 1n, balance: 1n }));
  await sm.putStorage(CONTRACT, a, Uint8Array.of(0x11));
  await sm.putStorage(CONTRACT, b, B_VALUE);
  await sm.checkpoint();
  await sm.commit();
  const root = await sm.getStateRoot();
  // The witness: every node except slot B's leaf, which only a collapsing deletion needs.
  const bLeaf = [...full.entries()].find(([, node]) => {
    const decoded = RLP.decode(node) as Uint8Array[];
    return decoded.length === 2 && equalsBytes(decoded[1] ?? new Uint8Array(), RLP.encode(B_VALUE));
  });
  if (!bLeaf) throw new Error("slot B's leaf is not a node of its own");
  const witness = new Map(full);
  witness.delete(bLeaf[0]);
  return { root, full, witness };
}

/** The block's writes in execution order: delete A, then insert C. */
async function applyBlock(sm: MerkleStateManager): Promise<Uint8Array> {
  const [a, , c] = slots();
  await sm.checkpoint();
  await sm.putStorage(CONTRACT, a, new Uint8Array());
  await sm.putStorage(CONTRACT, c, Uint8Array.of(0x33));
  await sm.commit();
  return sm.getStateRoot();
}

describe("witness state write order", () => {
  it("inserts before deletes: the post-state root matches without the sibling a collapse would need", async () => {
    const { root, full, witness } = await preState();
    const expected = await applyBlock(
      new MerkleStateManager({
        trie: await trieOver(new WitnessNodeDb(new Map(full)), root, common),
        common,
      }),
    );
    const sm = new WitnessStateManager(
      await trieOver(new WitnessNodeDb(witness), root, common),
      common,
      SYSTEM,
      insertBeforeDeleteCaches(),
    );
    expect(await applyBlock(sm)).toEqual(expected);
  });

  it("in execution order, or flushed in cache order, the same witness is short of slot B's leaf", async () => {
    const { root, witness } = await preState();
    // No storage cache: each SSTORE meets the trie as it runs (delete first).
    const writeThrough = new WitnessStateManager(
      await trieOver(new WitnessNodeDb(new Map(witness)), root, common),
      common,
      SYSTEM,
      new Caches({ storage: { size: 0 } }),
    );
    await expect(applyBlock(writeThrough)).rejects.toBeInstanceOf(MissingWitnessError);
    // Deferred to the flush, but flushed in the order written.
    const cacheOrder = new WitnessStateManager(
      await trieOver(new WitnessNodeDb(new Map(witness)), root, common),
      common,
      SYSTEM,
      new Caches(),
    );
    await expect(applyBlock(cacheOrder)).rejects.toBeInstanceOf(MissingWitnessError);
  });
});

describe("insertBeforeDeleteCaches", () => {
  it("keeps elements in hash maps with the caches' checkpoint, revert and flush behaviour", () => {
    const caches = insertBeforeDeleteCaches() as unknown as Caches & {
      account: { _orderedMapCache: object };
      storage: { _orderedMapCache: object };
      code: { _orderedMapCache: object };
    };
    for (const c of [caches.account, caches.storage, caches.code]) {
      expect(c._orderedMapCache.constructor.name).not.toBe("OrderedMap");
    }
    const a = createAddressFromString("0x00000000000000000000000000000000000000aa");
    const b = createAddressFromString("0x00000000000000000000000000000000000000bb");
    const key = setLengthLeft(Uint8Array.of(1), 32);
    const account = caches.account;
    const storage = caches.storage;
    if (!account || !storage) throw new Error("no caches");
    account.put(a, createAccount({ nonce: 1n }));
    storage.put(a, key, Uint8Array.of(0x05));
    account.checkpoint();
    storage.checkpoint();
    account.put(b, createAccount({ nonce: 2n }));
    account.del(a);
    storage.put(a, key, Uint8Array.of(0x07));
    account.revert();
    storage.revert();
    expect(account.get(b)).toBeUndefined();
    expect(account.get(a)?.accountRLP).toBeDefined();
    expect(storage.get(a, key)).toEqual(Uint8Array.of(0x05));
    account.del(b);
    // Flush: inserts before deletions; the element for b is a deletion.
    const flushed = account.flush();
    expect(flushed.map(([hex, e]) => [hex, e.accountRLP === undefined])).toEqual([
      ["00000000000000000000000000000000000000aa", false],
      ["00000000000000000000000000000000000000bb", true],
    ]);
    expect(storage.flush()).toEqual([
      ["00000000000000000000000000000000000000aa", bytesToHexKey(key), Uint8Array.of(0x05)],
    ]);
    expect(account.size()).toBe(2);
    account.clear();
    expect(account.size()).toBe(0);
  });
});

function bytesToHexKey(key: Uint8Array): string {
  return Buffer.from(key).toString("hex");
}

describe("WitnessStateManager synchronous checkpoint and commit", () => {
  it("commits a nested checkpoint synchronously and leaves the outermost one to commit()", async () => {
    const { root, full } = await preState();
    const sm = new WitnessStateManager(
      await trieOver(new WitnessNodeDb(new Map(full)), root, common),
      common,
      SYSTEM,
      insertBeforeDeleteCaches(),
    );
    const other = createAddressFromString("0x00000000000000000000000000000000000000aa");
    sm.checkpointSync();
    sm.checkpointSync();
    await sm.putAccount(other, createAccount({ nonce: 7n, balance: 3n }));
    expect(sm.commitSync()).toBe(true); // nested: the write moves to the outer checkpoint
    expect(sm.commitSync()).toBe(false); // outermost: ends in the flush, so only commit() does it
    await sm.commit();
    const expected = new MerkleStateManager({
      trie: await trieOver(new WitnessNodeDb(new Map(full)), root, common),
      common,
    });
    await expected.checkpoint();
    await expected.putAccount(other, createAccount({ nonce: 7n, balance: 3n }));
    await expected.commit();
    expect(await sm.getStateRoot()).toEqual(await expected.getStateRoot());
    expect((await sm.getAccount(other))?.nonce).toBe(7n);
  });
});
