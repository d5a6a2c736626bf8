// One batched update of a secure Merkle-Patricia trie held as witness nodes: every write of the block
// applied in memory (sorted, inserts before deletions as geth and the execution-specs order them),
// then each changed node hashed once. @ethereumjs/mpt instead walks, rewrites and rehashes the whole
// path for each key in turn (the top nodes once per key) through its async database layers.
// Nodes are read from the witness; a node the update needs and the witness lacks (a sibling a
// deletion collapses into its parent, a subtree on a written path) throws MissingWitnessError.
import { RLP } from "@ethereumjs/rlp";
import { bytesToUnprefixedHex } from "@ethereumjs/util";
import { keccak256 } from "./crypto.ts";
import { MissingWitnessError } from "./witnessState.ts";

/** The root of an empty trie (keccak256 of RLP("")), unprefixed hex. */
export const EMPTY_TRIE_ROOT_HEX = "56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";

type Rlp = Uint8Array | Rlp[];

export interface Leaf {
  kind: "leaf";
  path: string;
  value: Uint8Array;
}
export interface Ext {
  kind: "ext";
  path: string;
  child: Ref;
}
export interface Branch {
  kind: "branch";
  children: (Ref | undefined)[];
}
export type TrieNode = Leaf | Ext | Branch;
/**
 * A child: its hash while unchanged (with the node once the update has read it), or only a node for
 * one the update made (or one embedded in its parent). Nodes are never edited, only replaced.
 */
export interface Ref {
  node?: TrieNode;
  hash?: Uint8Array;
}

const HEX = "0123456789abcdef";

function decodeCompact(encoded: Uint8Array): { path: string; leaf: boolean } {
  const first = encoded[0] ?? 0;
  const flag = first >> 4;
  let path = flag & 1 ? (HEX[first & 0xf] ?? "") : "";
  for (let i = 1; i < encoded.length; i++) {
    const b = encoded[i] ?? 0;
    path += (HEX[b >> 4] ?? "") + (HEX[b & 0xf] ?? "");
  }
  return { path, leaf: flag >= 2 };
}

function encodeCompact(path: string, leaf: boolean): Uint8Array {
  const odd = path.length % 2 === 1;
  const flag = (leaf ? 2 : 0) + (odd ? 1 : 0);
  const hex = odd ? `${flag.toString(16)}${path}` : `${flag.toString(16)}0${path}`;
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export type RawNodeLookup = (hashHex: string) => Uint8Array | undefined;

function fromRlp(item: Rlp, where: string): TrieNode {
  if (!Array.isArray(item)) throw new Error(`trie node ${where} is not a list`);
  if (item.length === 17) {
    const children: (Ref | undefined)[] = [];
    for (let i = 0; i < 16; i++) children.push(toRef(item[i] ?? new Uint8Array(), where));
    return { kind: "branch", children };
  }
  const [k, v] = item;
  if (item.length !== 2 || !(k instanceof Uint8Array) || v === undefined) {
    throw new Error(`trie node ${where} is malformed`);
  }
  const { path, leaf } = decodeCompact(k);
  if (leaf) {
    if (!(v instanceof Uint8Array)) throw new Error(`trie leaf ${where} has a list value`);
    return { kind: "leaf", path, value: v };
  }
  const child = toRef(v, where);
  if (!child) throw new Error(`trie extension ${where} has no child`);
  return { kind: "ext", path, child };
}

function toRef(item: Rlp, where: string): Ref | undefined {
  if (Array.isArray(item)) return { node: fromRlp(item, where) };
  if (item.length === 0) return undefined;
  if (item.length !== 32) throw new Error(`trie node ${where} has a bad child reference`);
  return { hash: item };
}

/**
 * The witness's trie nodes, each decoded once on first use and shared by every reader and by the
 * batched update (decoded nodes are never edited, only replaced). A node the update makes is
 * registered with its decoded form, so reads after the update walk it without decoding.
 */
export class TrieNodes {
  private readonly decoded = new Map<string, TrieNode>();
  private readonly lookup: RawNodeLookup;
  private readonly store: ((hashHex: string, encoded: Uint8Array) => void) | undefined;
  /** Nodes decoded so far (tests and profiling). */
  decodes = 0;
  constructor(lookup: RawNodeLookup, store?: (hashHex: string, encoded: Uint8Array) => void) {
    this.lookup = lookup;
    this.store = store;
  }
  /** The node stored under `hashHex`, or undefined when the witness lacks it; throws if malformed. */
  get(hashHex: string): TrieNode | undefined {
    const hit = this.decoded.get(hashHex);
    if (hit) return hit;
    const raw = this.lookup(hashHex);
    if (raw === undefined) return undefined;
    const node = fromRlp(RLP.decode(raw) as Rlp, hashHex);
    this.decodes++;
    this.decoded.set(hashHex, node);
    return node;
  }
  /** Records a node the update made (stored through `store`, and its decoded form kept). */
  put(hashHex: string, encoded: Uint8Array, node: TrieNode): void {
    this.store?.(hashHex, encoded);
    this.decoded.set(hashHex, node);
  }
}

const NIBBLE: Record<string, number> = Object.fromEntries([...HEX].map((c, i) => [c, i]));

/**
 * The value under the 32-byte hashed key `keyHex` (unprefixed hex) in the trie rooted at `rootHex`:
 * the stored bytes, null when the witness proves the key absent, or undefined when a node on the
 * key's path is not in the witness (the caller then asks the strict trie, which names it).
 */
export function readLeaf(nodes: TrieNodes, rootHex: string, keyHex: string): Uint8Array | null | undefined {
  if (rootHex === EMPTY_TRIE_ROOT_HEX) return null;
  let node = nodes.get(rootHex);
  let pos = 0;
  while (node) {
    if (node.kind === "leaf") {
      return node.path.length === keyHex.length - pos && keyHex.startsWith(node.path, pos)
        ? node.value
        : null;
    }
    let ref: Ref | undefined;
    if (node.kind === "ext") {
      if (!keyHex.startsWith(node.path, pos)) return null;
      pos += node.path.length;
      ref = node.child;
    } else {
      const i = NIBBLE[keyHex[pos] ?? ""];
      if (i === undefined) return undefined;
      ref = node.children[i];
      if (!ref) return null;
      pos++;
    }
    if (pos >= keyHex.length) return undefined;
    node = ref.node ?? (ref.hash ? nodes.get(bytesToUnprefixedHex(ref.hash)) : undefined);
  }
  return undefined;
}

/** A write: the 32-byte hashed key (unprefixed hex) and the stored value, or undefined to delete. */
export interface TrieWrite {
  keyHex: string;
  value: Uint8Array | undefined;
}

/**
 * Applies `writes` to the trie rooted at `root` and returns the new root; every new node is handed
 * to `nodes.put` (nodes embedded in their parent, < 32 bytes, are not stored).
 */
export function batchUpdate(root: Uint8Array, writes: readonly TrieWrite[], nodes: TrieNodes): Uint8Array {
  const resolve = (ref: Ref): TrieNode => {
    if (ref.node) return ref.node;
    if (!ref.hash) throw new Error("trie reference without node or hash");
    const hex = bytesToUnprefixedHex(ref.hash);
    const node = nodes.get(hex);
    if (!node) throw new MissingWitnessError("node", `0x${hex}`);
    ref.node = node;
    return node;
  };

  const insert = (node: TrieNode | undefined, path: string, value: Uint8Array): TrieNode => {
    if (!node) return { kind: "leaf", path, value };
    if (node.kind === "leaf") {
      if (node.path === path) return { kind: "leaf", path, value };
      const n = commonPrefix(node.path, path);
      const branch: Branch = { kind: "branch", children: new Array(16).fill(undefined) };
      branch.children[Number.parseInt(node.path[n] ?? "0", 16)] = {
        node: { kind: "leaf", path: node.path.slice(n + 1), value: node.value },
      };
      branch.children[Number.parseInt(path[n] ?? "0", 16)] = {
        node: { kind: "leaf", path: path.slice(n + 1), value },
      };
      return n > 0 ? { kind: "ext", path: path.slice(0, n), child: { node: branch } } : branch;
    }
    if (node.kind === "ext") {
      const n = commonPrefix(node.path, path);
      if (n === node.path.length) {
        const child = insert(resolve(node.child), path.slice(n), value);
        return { kind: "ext", path: node.path, child: { node: child } };
      }
      const branch: Branch = { kind: "branch", children: new Array(16).fill(undefined) };
      const rest = node.path.slice(n + 1);
      branch.children[Number.parseInt(node.path[n] ?? "0", 16)] =
        rest.length > 0 ? { node: { kind: "ext", path: rest, child: node.child } } : node.child;
      branch.children[Number.parseInt(path[n] ?? "0", 16)] = {
        node: { kind: "leaf", path: path.slice(n + 1), value },
      };
      return n > 0 ? { kind: "ext", path: path.slice(0, n), child: { node: branch } } : branch;
    }
    const i = Number.parseInt(path[0] ?? "0", 16);
    const children = node.children.slice();
    const child = children[i];
    children[i] = { node: insert(child ? resolve(child) : undefined, path.slice(1), value) };
    return { kind: "branch", children };
  };

  /** Joins a path prefix onto a node (after a collapse). */
  const prefixed = (prefix: string, node: TrieNode, ref: Ref): TrieNode => {
    if (node.kind === "leaf") return { kind: "leaf", path: prefix + node.path, value: node.value };
    if (node.kind === "ext") return { kind: "ext", path: prefix + node.path, child: node.child };
    return { kind: "ext", path: prefix, child: ref };
  };

  /** Deletes `path`; returns the node unchanged (same object) when the key is absent. */
  const remove = (node: TrieNode | undefined, path: string): TrieNode | undefined => {
    if (!node) return undefined;
    if (node.kind === "leaf") return node.path === path ? undefined : node;
    if (node.kind === "ext") {
      if (!path.startsWith(node.path)) return node;
      const child = resolve(node.child);
      const after = remove(child, path.slice(node.path.length));
      if (after === child) return node;
      if (!after) return undefined;
      return prefixed(node.path, after, { node: after });
    }
    const i = Number.parseInt(path[0] ?? "0", 16);
    const childRef = node.children[i];
    if (!childRef) return node;
    const child = resolve(childRef);
    const after = remove(child, path.slice(1));
    if (after === child) return node;
    const children = node.children.slice();
    children[i] = after ? { node: after } : undefined;
    const left: number[] = [];
    for (let j = 0; j < 16; j++) if (children[j]) left.push(j);
    if (left.length > 1) return { kind: "branch", children };
    const only = left[0];
    if (only === undefined) return undefined;
    // One child left: the branch collapses into it, which needs the sibling node itself.
    const siblingRef = children[only] as Ref;
    return prefixed(HEX[only] ?? "", resolve(siblingRef), siblingRef);
  };

  /** The node's RLP structure, its children as hashes or embedded when their encoding is < 32 bytes. */
  const encodeNode = (node: TrieNode): Uint8Array => {
    if (node.kind === "leaf") return RLP.encode([encodeCompact(node.path, true), node.value]);
    if (node.kind === "ext") return RLP.encode([encodeCompact(node.path, false), childItem(node.child)]);
    const items: (Uint8Array | Rlp)[] = node.children.map((c) => (c ? childItem(c) : new Uint8Array()));
    items.push(new Uint8Array());
    return RLP.encode(items);
  };

  const childItem = (ref: Ref): Rlp => {
    if (ref.hash) return ref.hash;
    if (!ref.node) throw new Error("trie reference without node or hash");
    const enc = encodeNode(ref.node);
    if (enc.length < 32) return RLP.decode(enc) as Rlp;
    const hash = keccak256(enc);
    nodes.put(bytesToUnprefixedHex(hash), enc, ref.node);
    ref.hash = hash;
    return hash;
  };

  let top: TrieNode | undefined =
    bytesToUnprefixedHex(root) === EMPTY_TRIE_ROOT_HEX ? undefined : resolve({ hash: root });
  const sorted = [...writes].sort((a, b) => (a.keyHex < b.keyHex ? -1 : a.keyHex > b.keyHex ? 1 : 0));
  for (const w of sorted) if (w.value !== undefined) top = insert(top, w.keyHex, w.value);
  for (const w of sorted) if (w.value === undefined) top = remove(top, w.keyHex);
  if (!top) return Uint8Array.from(Buffer.from(EMPTY_TRIE_ROOT_HEX, "hex"));
  const enc = encodeNode(top);
  const hash = keccak256(enc);
  nodes.put(bytesToUnprefixedHex(hash), enc, top);
  return hash;
}
