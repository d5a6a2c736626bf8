// Deterministic, publicly known dev accounts for the local devnet: key i = keccak256("eproof devnet account i").
// Anyone can derive them; they exist only to fund the devnet's transaction generator.
import { bytesToHex, privateToAddress, toChecksumAddress } from "@ethereumjs/util";
import { keccak_256 } from "@noble/hashes/sha3.js";
import type { DevAccount } from "./interface.ts";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export function devAccount(index: number): DevAccount {
  if (!Number.isInteger(index) || index < 0) throw new RangeError(`bad dev account index ${index}`);
  const key = keccak_256(new TextEncoder().encode(`eproof devnet account ${index}`));
  const k = BigInt(bytesToHex(key));
  // Practically never happens; checked so a derived key is always a valid secp256k1 scalar.
  if (k === 0n || k >= SECP256K1_N) throw new RangeError(`dev account ${index} has no valid key`);
  return {
    address: toChecksumAddress(bytesToHex(privateToAddress(key))),
    privateKey: bytesToHex(key),
  };
}

export function devAccounts(count: number): DevAccount[] {
  return Array.from({ length: count }, (_, i) => devAccount(i));
}
