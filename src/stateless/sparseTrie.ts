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
const EMPTY_TRIE_ROOT = Uint8Array.from(Buffer.from(EMPTY_TRIE_ROOT_HEX, "hex"));

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
  /**
   * The 16 children: a Ref, undefined when empty, or, in a branch decoded straight from witness
   * bytes, the position in `raw` of the child's 32-byte hash, made a Ref when first followed (a read
   * follows one child of sixteen; use `childRef`).
   */
  children: (Ref | number | undefined)[];
  raw: Uint8Array | undefined;
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
/** A lowercase hex digit's value by char code; 16 for anything else. */
const NIBBLE_OF_CHAR = new Uint8Array(128).fill(16);
for (let i = 0; i < 16; i++) NIBBLE_OF_CHAR[HEX.charCodeAt(i)] = i;

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
  const odd = path.length % 2;
  const out = new Uint8Array(1 + ((path.length - odd) >> 1));
  const flag = (leaf ? 2 : 0) + odd;
  let j = 0;
  out[0] = odd ? (flag << 4) | nibbleAt(path, j++) : flag << 4;
  for (let i = 1; i < out.length; i++, j += 2) out[i] = (nibbleAt(path, j) << 4) | nibbleAt(path, j + 1);
  return out;
}

/** The nibble for the hex digit at `path[i]` (lowercase; anything else is a bug). */
function nibbleAt(path: string, i: number): number {
  const n = NIBBLE_OF_CHAR[path.charCodeAt(i)] ?? 16;
  if (n === 16) throw new Error(`trie path ${path} is not lowercase hex`);
  return n;
}

/** Bytes needed for a big-endian length (1-4). */
function lengthOfLength(len: number): number {
  return len < 0x100 ? 1 : len < 0x10000 ? 2 : len < 0x1000000 ? 3 : 4;
}

/** The RLP encoding's length for the string `b`. */
function stringLength(b: Uint8Array): number {
  if (b.length === 1 && (b[0] ?? 0) < 0x80) return 1;
  return b.length < 56 ? 1 + b.length : 1 + lengthOfLength(b.length) + b.length;
}

/** Writes the string `b` as RLP at `out[at]`; returns the position after it. */
function writeString(out: Uint8Array, at: number, b: Uint8Array): number {
  if (b.length === 1 && (b[0] ?? 0) < 0x80) {
    out[at] = b[0] ?? 0;
    return at + 1;
  }
  at = writeHeader(out, at, b.length, 0x80);
  out.set(b, at);
  return at + b.length;
}

function listHeaderLength(payload: number): number {
  return payload < 56 ? 1 : 1 + lengthOfLength(payload);
}

function writeListHeader(out: Uint8Array, payload: number): number {
  return writeHeader(out, 0, payload, 0xc0);
}

/** An RLP length prefix (offset 0x80 for strings, 0xc0 for lists); returns the position after it. */
function writeHeader(out: Uint8Array, at: number, len: number, offset: number): number {
  if (len < 56) {
    out[at] = offset + len;
    return at + 1;
  }
  const n = lengthOfLength(len);
  out[at] = offset + 55 + n;
  for (let i = n; i >= 1; i--) {
    out[at + i] = len & 0xff;
    len >>>= 8;
  }
  return at + 1 + n;
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
    return { kind: "branch", children, raw: undefined };
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
  if (Array.isArray(item)) return { node: fromRlp(item, where), hash: undefined };
  if (item.length === 0) return undefined;
  if (item.length !== 32) throw new Error(`trie node ${where} has a bad child reference`);
  return { node: undefined, hash: item };
}

/**
 * The length of the RLP string item at `raw[at]` and where its bytes start, for the shapes trie
 * nodes use: a single byte below 0x80, a short string (0x80-0xb7, canonical: a one-byte string is
 * below 0x80 only when it is that byte itself) or a string of 56-255 bytes (0xb8). Undefined for anything else (lists,
 * long strings, non-canonical forms), which the full RLP decoder handles.
 */
function shortString(raw: Uint8Array, at: number, end: number): { start: number; len: number } | undefined {
  const b = raw[at];
  if (b === undefined || at >= end) return undefined;
  if (b < 0x80) return { start: at, len: 1 };
  if (b === 0xb8) {
    // 56-255 bytes (an account's RLP as a leaf value): a one-byte length, canonical only from 56.
    const len = raw[at + 1] ?? 0;
    if (len < 56 || at + 2 + len > end) return undefined;
    return { start: at + 2, len };
  }
  if (b > 0xb7) return undefined;
  const len = b - 0x80;
  if (at + 1 + len > end) return undefined;
  if (len === 1 && (raw[at + 1] ?? 0) < 0x80) return undefined;
  return { start: at + 1, len };
}

/**
 * Decodes the common trie-node shapes straight from the bytes: a branch whose 16 children are
 * empty or 32-byte hashes and whose value is empty, or a leaf or extension whose two items are
 * short strings (an extension's child a 32-byte hash). Hashes and values are views of `raw`
 * (stored nodes are never written). Undefined for any other shape, embedded children included:
 * the caller then decodes with RLP.decode and fromRlp, which also give the errors.
 */
export function decodeNodeFast(raw: Uint8Array): TrieNode | undefined {
  const first = raw[0] ?? 0;
  let pos: number;
  let end: number;
  if (first >= 0xc0 && first <= 0xf7) {
    pos = 1;
    end = 1 + first - 0xc0;
  } else if (first === 0xf8) {
    pos = 2;
    end = 2 + (raw[1] ?? 0);
    if (end - 2 < 56) return undefined;
  } else if (first === 0xf9) {
    pos = 3;
    end = 3 + (raw[1] ?? 0) * 256 + (raw[2] ?? 0);
    if ((raw[1] ?? 0) === 0) return undefined;
  } else return undefined;
  if (end !== raw.length) return undefined;
  // Count the items first: 17 means a branch, 2 a leaf or an extension.
  const first1 = shortString(raw, pos, end);
  if (!first1) return undefined;
  const afterFirst = first1.start + first1.len;
  const second = shortString(raw, afterFirst, end);
  if (!second) return undefined;
  const afterSecond = second.start + second.len;
  if (afterSecond === end) {
    // Two items: compact path and value (leaf) or child hash (extension).
    if (first1.len === 0) return undefined;
    const { path, leaf } = decodeCompact(raw.subarray(first1.start, afterFirst));
    const v = raw.subarray(second.start, afterSecond);
    if (leaf) return { kind: "leaf", path, value: v };
    if (second.len !== 32) return undefined;
    return { kind: "ext", path, child: { node: undefined, hash: v } };
  }
  const children: (Ref | number | undefined)[] = [];
  let at = pos;
  for (let i = 0; i < 16; i++) {
    const b = raw[at];
    if (b === 0x80) {
      children.push(undefined);
      at++;
    } else if (b === 0xa0 && at + 33 <= end) {
      children.push(at + 1); // the hash's position: a Ref only when followed
      at += 33;
    } else return undefined;
  }
  if (raw[at] !== 0x80 || at + 1 !== end) return undefined;
  return { kind: "branch", children, raw };
}

/** Child `i` of a branch as a Ref (made, and kept in the array, on first use), undefined when empty. */
export function childRef(branch: Branch, i: number): Ref | undefined {
  return refAt(branch.children, branch.raw, i);
}

function refAt(
  children: (Ref | number | undefined)[],
  raw: Uint8Array | undefined,
  i: number,
): Ref | undefined {
  const c = children[i];
  if (typeof c !== "number") return c;
  const ref: Ref = { node: undefined, hash: bytesOf(raw).subarray(c, c + 32) };
  children[i] = ref;
  return ref;
}

/** The bytes a branch's children by position point into (always there when one is a position). */
function bytesOf(raw: Uint8Array | undefined): Uint8Array {
  if (!raw) throw new Error("trie branch child by position without its bytes");
  return raw;
}

/** A stored node decoded by the full RLP decoder (the reference for decodeNodeFast; throws if malformed). */
export function decodeNodeRlp(raw: Uint8Array, where: string): TrieNode {
  return fromRlp(RLP.decode(raw) as Rlp, where);
}

interface HashEntry<T> {
  hash: Uint8Array;
  value: T;
  next: HashEntry<T> | undefined;
}

/**
 * A map keyed by 32-byte hashes without hex strings: bucketed by the hash's first 30 bits (a small
 * integer key), each bucket's entries compared in full.
 */
export class HashIndex<T> {
  private readonly buckets = new Map<number, HashEntry<T>>();
  private static bucketOf(hash: Uint8Array): number {
    return (((hash[0] ?? 0) & 0x3f) << 24) | ((hash[1] ?? 0) << 16) | ((hash[2] ?? 0) << 8) | (hash[3] ?? 0);
  }
  get(hash: Uint8Array): T | undefined {
    for (let e = this.buckets.get(HashIndex.bucketOf(hash)); e; e = e.next) {
      if (sameBytes(e.hash, hash)) return e.value;
    }
    return undefined;
  }
  set(hash: Uint8Array, value: T): void {
    const b = HashIndex.bucketOf(hash);
    const head = this.buckets.get(b);
    for (let e = head; e; e = e.next) {
      if (sameBytes(e.hash, hash)) {
        e.value = value;
        return;
      }
    }
    this.buckets.set(b, { hash, value, next: head });
  }
  delete(hash: Uint8Array): void {
    const b = HashIndex.bucketOf(hash);
    let prev: HashEntry<T> | undefined;
    for (let e = this.buckets.get(b); e; prev = e, e = e.next) {
      if (!sameBytes(e.hash, hash)) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.buckets.set(b, e.next);
      else this.buckets.delete(b);
      return;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}

/** A raw node by its hash's bytes (no hex key), or undefined when absent. */
export type RawNodeByHash = (hash: Uint8Array) => Uint8Array | undefined;

/**
 * The witness's trie nodes, each decoded once on first use and shared by every reader and by the
 * batched update (decoded nodes are never edited, only replaced). A node the update makes is
 * registered with its decoded form, so reads after the update walk it without decoding.
 */
export class TrieNodes {
  private readonly decoded = new HashIndex<TrieNode>();
  private readonly encodedMade = new HashIndex<Uint8Array>();
  private readonly lookup: RawNodeLookup;
  private readonly store: ((hashHex: string, encoded: Uint8Array) => void) | undefined;
  private readonly lookupHash: RawNodeByHash | undefined;
  /** Nodes decoded so far (tests and profiling). */
  decodes = 0;
  /**
   * `lookup` finds a raw node by its hash as unprefixed hex; `lookupHash`, when given, by the hash's
   * bytes (the reads' path: no hex string per node); `store` keeps the nodes the update makes.
   */
  constructor(
    lookup: RawNodeLookup,
    store?: (hashHex: string, encoded: Uint8Array) => void,
    lookupHash?: RawNodeByHash,
  ) {
    this.lookup = lookup;
    this.store = store;
    this.lookupHash = lookupHash;
  }
  /** The node stored under `hashHex`, or undefined when the witness lacks it; throws if malformed. */
  get(hashHex: string): TrieNode | undefined {
    return this.getHash(Uint8Array.from(Buffer.from(hashHex, "hex")));
  }
  /** The node whose hash is `hash` (32 bytes), or undefined when the witness lacks it; throws if malformed. */
  getHash(hash: Uint8Array): TrieNode | undefined {
    const hit = this.decoded.get(hash);
    if (hit) return hit;
    const raw = this.lookupHash ? this.lookupHash(hash) : this.lookup(bytesToUnprefixedHex(hash));
    if (raw === undefined) return undefined;
    const node = decodeNodeFast(raw) ?? decodeNodeRlp(raw, bytesToUnprefixedHex(hash));
    this.decodes++;
    this.decoded.set(hash, node);
    return node;
  }
  /**
   * Records a node the update made: its decoded form and its encoding kept here (see `made`), and
   * handed to `store` when one was given.
   */
  put(hash: Uint8Array, encoded: Uint8Array, node: TrieNode): void {
    this.store?.(bytesToUnprefixedHex(hash), encoded);
    this.decoded.set(hash, node);
    this.encodedMade.set(hash, encoded);
  }
  /** The encoding of a node the update made, by its hash as unprefixed hex (for the strict trie's misses). */
  made(hashHex: string): Uint8Array | undefined {
    if (hashHex.length !== 64) return undefined;
    return this.encodedMade.get(Uint8Array.from(Buffer.from(hashHex, "hex")));
  }
}

/**
 * The value under the 32-byte hashed key `keyHex` (unprefixed hex) in the trie rooted at `root` (its
 * hash as bytes, or as unprefixed hex):
 * the stored bytes, null when the witness proves the key absent, or undefined when a node on the
 * key's path is not in the witness (the caller then asks the strict trie, which names it).
 */
export function readLeaf(
  nodes: TrieNodes,
  root: string | Uint8Array,
  keyHex: string,
): Uint8Array | null | undefined {
  let node: TrieNode | undefined;
  if (typeof root === "string") {
    if (root === EMPTY_TRIE_ROOT_HEX) return null;
    node = nodes.get(root);
  } else {
    if (sameBytes(root, EMPTY_TRIE_ROOT)) return null;
    node = nodes.getHash(root);
  }
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
      const i = NIBBLE_OF_CHAR[keyHex.charCodeAt(pos)] ?? 16;
      if (i === 16) return undefined;
      ref = childRef(node, i);
      if (!ref) return null;
      pos++;
    }
    if (pos >= keyHex.length) return undefined;
    if (ref.node) node = ref.node;
    else if (ref.hash) {
      // Remembered on the reference (as the update's resolve does): the next read of a key below
      // it skips the hex key and the map lookups. Nodes are content-addressed and never edited.
      node = nodes.getHash(ref.hash);
      if (node) ref.node = node;
    } else node = undefined;
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
// The update's steps are module functions taking `nodes`, not closures made per call: a closure
// per batchUpdate (one per storage trie and one for the accounts) deoptimised the optimised code
// of the previous ones ("wrong call target") on every block.

function resolve(nodes: TrieNodes, ref: Ref): TrieNode {
  if (ref.node) return ref.node;
  if (!ref.hash) throw new Error("trie reference without node or hash");
  const node = nodes.getHash(ref.hash);
  if (!node) throw new MissingWitnessError("node", `0x${bytesToUnprefixedHex(ref.hash)}`);
  ref.node = node;
  return node;
}

/** A reference to a node the update made (all refs have both fields: one shape for the JIT). */
function made(node: TrieNode): Ref {
  return { node, hash: undefined };
}

function newLeaf(path: string, value: Uint8Array): Leaf {
  return { kind: "leaf", path, value };
}

function newExt(path: string, child: Ref): Ext {
  return { kind: "ext", path, child };
}

/** `raw`: the bytes that children given by position point into (those of the branch copied). */
function newBranch(children: (Ref | number | undefined)[], raw: Uint8Array | undefined): Branch {
  return { kind: "branch", children, raw };
}

/**
 * Inserts or updates `path`; returns the node unchanged (same object) when the key already holds
 * `value`, so a write that restores a value re-hashes nothing on its path.
 */
function insert(nodes: TrieNodes, node: TrieNode | undefined, path: string, value: Uint8Array): TrieNode {
  if (!node) return newLeaf(path, value);
  if (node.kind === "leaf") {
    if (node.path === path) return sameBytes(node.value, value) ? node : newLeaf(path, value);
    const n = commonPrefix(node.path, path);
    const branch = newBranch(new Array(16).fill(undefined), undefined);
    branch.children[nibbleAt(node.path, n)] = made(newLeaf(node.path.slice(n + 1), node.value));
    branch.children[nibbleAt(path, n)] = made(newLeaf(path.slice(n + 1), value));
    return n > 0 ? newExt(path.slice(0, n), made(branch)) : branch;
  }
  if (node.kind === "ext") {
    const n = commonPrefix(node.path, path);
    if (n === node.path.length) {
      const before = resolve(nodes, node.child);
      const child = insert(nodes, before, path.slice(n), value);
      return child === before ? node : newExt(node.path, made(child));
    }
    const branch = newBranch(new Array(16).fill(undefined), undefined);
    const rest = node.path.slice(n + 1);
    branch.children[nibbleAt(node.path, n)] = rest.length > 0 ? made(newExt(rest, node.child)) : node.child;
    branch.children[nibbleAt(path, n)] = made(newLeaf(path.slice(n + 1), value));
    return n > 0 ? newExt(path.slice(0, n), made(branch)) : branch;
  }
  const i = nibbleAt(path, 0);
  const ref = childRef(node, i);
  const before = ref ? resolve(nodes, ref) : undefined;
  const after = insert(nodes, before, path.slice(1), value);
  if (after === before) return node;
  const children = node.children.slice();
  children[i] = made(after);
  return newBranch(children, node.raw);
}

/** Joins a path prefix onto a node (after a collapse). */
function prefixed(prefix: string, node: TrieNode, ref: Ref): TrieNode {
  if (node.kind === "leaf") return newLeaf(prefix + node.path, node.value);
  if (node.kind === "ext") return newExt(prefix + node.path, node.child);
  return newExt(prefix, ref);
}

/** Deletes `path`; returns the node unchanged (same object) when the key is absent. */
function remove(nodes: TrieNodes, node: TrieNode | undefined, path: string): TrieNode | undefined {
  if (!node) return undefined;
  if (node.kind === "leaf") return node.path === path ? undefined : node;
  if (node.kind === "ext") {
    if (!path.startsWith(node.path)) return node;
    const child = resolve(nodes, node.child);
    const after = remove(nodes, child, path.slice(node.path.length));
    if (after === child) return node;
    if (!after) return undefined;
    return prefixed(node.path, after, made(after));
  }
  const i = nibbleAt(path, 0);
  const ref = childRef(node, i);
  if (!ref) return node;
  const child = resolve(nodes, ref);
  const after = remove(nodes, child, path.slice(1));
  if (after === child) return node;
  const children = node.children.slice();
  children[i] = after ? made(after) : undefined;
  let left = 0;
  let only = -1;
  for (let j = 0; j < 16; j++) {
    if (children[j] !== undefined) {
      left++;
      only = j;
    }
  }
  if (left > 1) return newBranch(children, node.raw);
  if (left === 0) return undefined;
  // One child left: the branch collapses into it, which needs the sibling node itself.
  const siblingRef = refAt(children, node.raw, only) as Ref;
  return prefixed(HEX[only] ?? "", resolve(nodes, siblingRef), siblingRef);
}

/**
 * The node's RLP, written directly (no nested lists built and encoded): children as 32-byte
 * hashes written in place, or embedded as their own encoding when it is < 32 bytes.
 */
function encodeNode(nodes: TrieNodes, node: TrieNode): Uint8Array {
  if (node.kind === "branch") {
    const embedded: (Uint8Array | undefined)[] = new Array(16);
    let payload = 1; // the empty value
    for (let i = 0; i < 16; i++) {
      const c = node.children[i];
      if (c === undefined) {
        payload += 1;
        continue;
      }
      if (typeof c === "number") {
        payload += 33; // an unchanged witness child: its hash, copied from the branch's bytes
        continue;
      }
      const e = prepareChild(nodes, c);
      embedded[i] = e;
      payload += e ? e.length : 33;
    }
    const out = new Uint8Array(listHeaderLength(payload) + payload);
    let at = writeListHeader(out, payload);
    const raw = node.raw;
    for (let i = 0; i < 16; i++) {
      const c = node.children[i];
      if (typeof c !== "number") {
        at = writeChild(out, at, c, embedded[i]);
        continue;
      }
      const bytes = bytesOf(raw);
      out[at] = 0xa0;
      for (let k = 0; k < 32; k++) out[at + 1 + k] = bytes[c + k] ?? 0;
      at += 33;
    }
    out[at] = 0x80;
    return out;
  }
  const compact = encodeCompact(node.path, node.kind === "leaf");
  const firstLen = stringLength(compact);
  if (node.kind === "leaf") {
    const payload = firstLen + stringLength(node.value);
    const out = new Uint8Array(listHeaderLength(payload) + payload);
    writeString(out, writeString(out, writeListHeader(out, payload), compact), node.value);
    return out;
  }
  const e = prepareChild(nodes, node.child);
  const payload = firstLen + (e ? e.length : 33);
  const out = new Uint8Array(listHeaderLength(payload) + payload);
  writeChild(out, writeString(out, writeListHeader(out, payload), compact), node.child, e);
  return out;
}

/**
 * Makes a child ready to be written: a node the update made is encoded, and hashed and recorded
 * when its encoding is 32 bytes or more (then `ref.hash` is set). Returns the encoding of a child
 * embedded in its parent (< 32 bytes), undefined for one referenced by its hash.
 */
function prepareChild(nodes: TrieNodes, ref: Ref): Uint8Array | undefined {
  if (ref.hash) return undefined;
  if (!ref.node) throw new Error("trie reference without node or hash");
  const enc = encodeNode(nodes, ref.node);
  if (enc.length < 32) return enc;
  const hash = keccak256(enc);
  nodes.put(hash, enc, ref.node);
  ref.hash = hash;
  return undefined;
}

/** Writes a prepared child (empty, embedded, or 0xa0 ‖ hash) at `out[at]`; returns the position after it. */
function writeChild(
  out: Uint8Array,
  at: number,
  ref: Ref | undefined,
  embedded: Uint8Array | undefined,
): number {
  if (!ref) {
    out[at] = 0x80;
    return at + 1;
  }
  if (embedded) {
    out.set(embedded, at);
    return at + embedded.length;
  }
  out[at] = 0xa0;
  out.set(ref.hash as Uint8Array, at + 1);
  return at + 33;
}

export function batchUpdate(root: Uint8Array, writes: readonly TrieWrite[], nodes: TrieNodes): Uint8Array {
  const start: TrieNode | undefined = sameBytes(root, EMPTY_TRIE_ROOT)
    ? undefined
    : resolve(nodes, { node: undefined, hash: root });
  let top = start;
  const sorted = [...writes].sort((a, b) => (a.keyHex < b.keyHex ? -1 : a.keyHex > b.keyHex ? 1 : 0));
  for (const w of sorted) if (w.value !== undefined) top = insert(nodes, top, w.keyHex, w.value);
  for (const w of sorted) if (w.value === undefined) top = remove(nodes, top, w.keyHex);
  if (!top) return EMPTY_TRIE_ROOT.slice();
  if (top === start) return root.slice(); // every write left its key as it was
  const enc = encodeNode(nodes, top);
  const hash = keccak256(enc);
  nodes.put(hash, enc, top);
  return hash;
}
