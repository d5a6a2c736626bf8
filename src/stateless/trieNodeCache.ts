// Memoised trie-node decoding for @ethereumjs/mpt. Every lookup copies the stored node and RLP-decodes
// it again; reading accounts and slots walks the same top nodes over and over, and on Hoodi 1265656
// this decoding was a quarter of the block's time. The RLP structure of a stored node never changes,
// so it is kept per stored byte array (a WeakMap: it goes when the database drops the node). The
// typed node is still built fresh on every lookup, because the trie edits those in place on writes.

import { decodeRawMPTNode, isRawMPTNode, MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";

type RawNode = Parameters<typeof decodeRawMPTNode>[0];
type DbGet = (key: Uint8Array | string) => Promise<Uint8Array | string | null | undefined>;
interface TrieInternals {
  _db: { get: DbGet };
  _getDbKey(key: Uint8Array): Uint8Array | string;
}

let installed = false;
let hits = 0;

/** Lookups answered from the cache so far (for tests and profiling). */
export function trieNodeCacheHits(): number {
  return hits;
}

/** Installs the cache on MerklePatriciaTrie (once per process). */
export function installTrieNodeCache(): void {
  if (installed) return;
  installed = true;
  const raws = new WeakMap<Uint8Array, RawNode>();
  const proto = MerklePatriciaTrie.prototype as unknown as { lookupNode(node: unknown): Promise<unknown> };
  const original = proto.lookupNode;
  proto.lookupNode = async function (this: TrieInternals, node: unknown) {
    if (!(node instanceof Uint8Array)) return original.call(this, node);
    const value = await this._db.get(this._getDbKey(node));
    // Anything unexpected (a miss, a string value) takes the library's own path and its errors.
    if (!(value instanceof Uint8Array)) return original.call(this, node);
    let raw = raws.get(value);
    if (raw) hits++;
    else {
      const decoded = RLP.decode(value);
      if (!isRawMPTNode(decoded)) return original.call(this, node);
      raw = decoded as RawNode;
      raws.set(value, raw);
    }
    return decodeRawMPTNode(raw);
  };
}
