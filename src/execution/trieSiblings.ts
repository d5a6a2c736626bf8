// Reaching the sibling a deletion needs: when a key is removed and its branch keeps one child, the trie
// collapses into that child, whose preimage no eth_getProof of a touched key contains. We learn where
// the wanted hash hangs (branch node + nibble path from the proofs we have), then search a key whose
// hashed path enters that child; its eth_getProof carries the node. Pure functions, no I/O.
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { toHex } from "../util/hex.ts";

/** Where a trie node sits: which trie ("account", or the storage trie of an address) and its nibble path. */
export interface NodePlace {
  trie: string;
  path: number[];
}

type Rlp = Uint8Array | Rlp[];

export function nibbles(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (const b of bytes) out.push(b >> 4, b & 0x0f);
  return out;
}

/** Hex-prefix decoding of a leaf/extension path: [nibbles, isLeaf]. */
function hexPrefix(encoded: Uint8Array): [number[], boolean] {
  const all = nibbles(encoded);
  const flag = all[0] ?? 0;
  const isLeaf = flag >= 2;
  return [flag % 2 === 1 ? all.slice(1) : all.slice(2), isLeaf];
}

/**
 * Walks one eth_getProof node list (root first) along `hashedKey`, recording each node's place under
 * its keccak hash.
 */
export function indexProofPath(
  trie: string,
  hashedKey: Uint8Array,
  proof: readonly Uint8Array[],
  into: Map<string, NodePlace>,
): void {
  const key = nibbles(hashedKey);
  let depth = 0;
  for (const raw of proof) {
    into.set(toHex(keccak_256(raw)), { trie, path: key.slice(0, depth) });
    const node = RLP.decode(raw) as Rlp;
    if (!Array.isArray(node)) return;
    if (node.length === 17) depth += 1;
    else if (node.length === 2) {
      const first = node[0];
      if (!(first instanceof Uint8Array)) return;
      const [part, isLeaf] = hexPrefix(first);
      if (isLeaf) return;
      depth += part.length;
    } else return;
  }
}

/** Finds the branch node among `nodes` that references `hash`, and the child nibble it sits under. */
export function findParentBranch(
  hash: Uint8Array,
  nodes: readonly Uint8Array[],
): { parentHash: string; nibble: number } | undefined {
  for (const raw of nodes) {
    let node: Rlp;
    try {
      node = RLP.decode(raw) as Rlp;
    } catch {
      continue;
    }
    if (!Array.isArray(node) || node.length !== 17) continue;
    for (let i = 0; i < 16; i++) {
      const child = node[i];
      if (child instanceof Uint8Array && child.length === 32 && toHex(child) === toHex(hash)) {
        return { parentHash: toHex(keccak_256(raw)), nibble: i };
      }
    }
  }
  return undefined;
}

function startsWith(key: readonly number[], prefix: readonly number[]): boolean {
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/**
 * A preimage (32-byte slot, or 20-byte address for the account trie) whose keccak starts with `prefix`.
 * Bounded: gives up after `maxTries` candidates (each prefix nibble multiplies the expected work by 16).
 */
export function keyWithHashPrefix(
  prefix: readonly number[],
  size: 20 | 32,
  maxTries: number,
): Uint8Array | undefined {
  const candidate = new Uint8Array(size);
  const view = new DataView(candidate.buffer);
  for (let i = 0; i < maxTries; i++) {
    view.setUint32(size - 4, i);
    view.setUint32(size - 8, Math.floor(i / 2 ** 32));
    if (startsWith(nibbles(keccak_256(candidate).subarray(0, Math.ceil(prefix.length / 2))), prefix)) {
      return candidate.slice();
    }
  }
  return undefined;
}
