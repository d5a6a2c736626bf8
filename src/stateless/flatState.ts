// Flat witness state: the witness's pre-state trie decoded once into maps (account by address hash,
// slot by (storage root, slot hash)), so a first read is one keccak and one map lookup instead of a
// walk of ~8 trie nodes through the trie's database layers (~150-220 µs each on Hoodi 1265656).
// Only leaves reachable from the pre-state root through witness nodes are in the maps, so everything
// here is proven. A key that is not here is either proven absent or not proven at all; the caller
// asks the strict witness trie for those, which tells the two apart (and names a missing node).
import { RLP } from "@ethereumjs/rlp";
import { bytesToUnprefixedHex } from "@ethereumjs/util";

/** Nested RLP as @ethereumjs/rlp decodes it. */
type Rlp = Uint8Array | Rlp[];

export const EMPTY_TRIE_ROOT_HEX = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

export interface FlatWitnessState {
  /** The account trie root the maps were read from (unprefixed hex). */
  stateRootHex: string;
  /** keccak256(address) (unprefixed hex) → account RLP [nonce, balance, storageRoot, codeHash]. */
  accounts: Map<string, Uint8Array>;
  /** storage root (unprefixed hex) → keccak256(slot) (unprefixed hex) → RLP-encoded slot value. */
  storage: Map<string, Map<string, Uint8Array>>;
  /** Trie nodes decoded while flattening. */
  nodesDecoded: number;
}

/** Looks a trie node up by its hash (unprefixed hex); undefined when the witness lacks it. */
export type NodeLookup = (hashHex: string) => Uint8Array | undefined;

const HEX = "0123456789abcdef";

/** The nibbles of a compact-encoded (hex-prefix) path as hex characters, and whether it ends a leaf. */
function compactPath(encoded: Uint8Array): { nibbles: string; leaf: boolean } | undefined {
  const first = encoded[0];
  if (first === undefined) return undefined;
  const flag = first >> 4;
  if (flag > 3) return undefined;
  let nibbles = flag & 1 ? (HEX[first & 0xf] ?? "") : "";
  for (let i = 1; i < encoded.length; i++) {
    const b = encoded[i] ?? 0;
    nibbles += (HEX[b >> 4] ?? "") + (HEX[b & 0xf] ?? "");
  }
  return { nibbles, leaf: flag >= 2 };
}

/**
 * Calls `onLeaf(keyHashHex, value)` for every 32-byte-key leaf of the secure trie rooted at `rootHex`
 * that the witness proves. Subtrees whose nodes are missing are skipped (reads there go to the strict
 * trie); malformed nodes end the walk of their subtree the same way. Returns the nodes decoded.
 */
export function walkTrieLeaves(
  rootHex: string,
  lookup: NodeLookup,
  onLeaf: (keyHex: string, value: Uint8Array) => void,
): number {
  let decoded = 0;
  const visit = (ref: Rlp, path: string): void => {
    let node: Rlp = ref;
    if (ref instanceof Uint8Array) {
      if (ref.length === 0) return;
      if (ref.length !== 32) return;
      const raw = lookup(bytesToUnprefixedHex(ref));
      if (raw === undefined) return;
      try {
        node = RLP.decode(raw) as Rlp;
      } catch {
        return;
      }
      decoded++;
    }
    if (!Array.isArray(node)) return;
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) {
        const child = node[i];
        if (child !== undefined) visit(child, path + HEX[i]);
      }
      return;
    }
    if (node.length !== 2) return;
    const [keyPart, next] = node;
    if (!(keyPart instanceof Uint8Array) || next === undefined) return;
    const p = compactPath(keyPart);
    if (!p) return;
    const full = path + p.nibbles;
    if (p.leaf) {
      if (full.length === 64 && next instanceof Uint8Array) onLeaf(full, next);
      return;
    }
    visit(next, full);
  };
  if (rootHex === EMPTY_TRIE_ROOT_HEX) return 0;
  visit(hexBytes(rootHex), "");
  return decoded;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

/** Decodes the account trie at `stateRoot` and every storage trie its accounts root in the witness. */
export function flattenWitness(stateRoot: Uint8Array, lookup: NodeLookup): FlatWitnessState {
  const stateRootHex = bytesToUnprefixedHex(stateRoot);
  const accounts = new Map<string, Uint8Array>();
  const storage = new Map<string, Map<string, Uint8Array>>();
  let nodesDecoded = walkTrieLeaves(stateRootHex, lookup, (key, value) => {
    accounts.set(key, value);
  });
  for (const rlp of accounts.values()) {
    let storageRoot: Uint8Array | undefined;
    try {
      const fields = RLP.decode(rlp) as Rlp;
      const root = Array.isArray(fields) ? fields[2] : undefined;
      storageRoot = root instanceof Uint8Array && root.length === 32 ? root : undefined;
    } catch {
      storageRoot = undefined;
    }
    if (!storageRoot) continue;
    const rootHex = bytesToUnprefixedHex(storageRoot);
    if (rootHex === EMPTY_TRIE_ROOT_HEX || storage.has(rootHex)) continue;
    const slots = new Map<string, Uint8Array>();
    nodesDecoded += walkTrieLeaves(rootHex, lookup, (key, value) => {
      slots.set(key, value);
    });
    storage.set(rootHex, slots);
  }
  return { stateRootHex, accounts, storage, nodesDecoded };
}
