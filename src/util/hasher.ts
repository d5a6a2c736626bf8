// Use the native SIMD SHA-256 (hashtree) for SSZ merkleization, as Lodestar does: hash_tree_root of a
// block-sized NewPayloadRequest is several times faster than with the default WebAssembly hasher.
import { setHasher } from "@chainsafe/persistent-merkle-tree";
import { hasher } from "@chainsafe/persistent-merkle-tree/hasher/hashtree";

setHasher(hasher);
