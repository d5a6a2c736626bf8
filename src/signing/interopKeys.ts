// Interop validator keys (the "mocked start" keys every consensus client's dev mode uses): a local
// devnet's validators sign with these, so eproof can sign proofs as one of them.

import { SecretKey } from "@chainsafe/blst";
import { sha256 } from "@noble/hashes/sha2.js";

const CURVE_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001n;

export function interopSecretKey(index: number): SecretKey {
  const le = new Uint8Array(32);
  let v = BigInt(index);
  for (let i = 0; i < 32 && v > 0n; i++) {
    le[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const digest = sha256(le);
  let n = 0n;
  for (let i = digest.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(digest[i] ?? 0);
  n %= CURVE_ORDER;
  const be = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    be[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return SecretKey.fromBytes(be);
}
