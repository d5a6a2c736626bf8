import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import {
  bigIntToBytes,
  bytesToBigInt,
  bytesToHex,
  concatBytes,
  createAddressFromString,
  setLengthLeft,
  ecrecover as utilEcrecover,
} from "@ethereumjs/util";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import { MclBn254 } from "../../src/stateless/bn254.ts";
import { createFastVM, ecrecover, keccak256, nativeEcrecover } from "../../src/stateless/crypto.ts";
import { installJumpAnalysisCache } from "../../src/stateless/jumpAnalysis.ts";

const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const word = (n: bigint) => setLengthLeft(bigIntToBytes(n), 32);
// alt_bn128 generators; G2 in the EIP-197 order (x_im, x_re, y_im, y_re).
const G1 = concatBytes(word(1n), word(2n));
const G1_NEG = concatBytes(word(1n), word(P - 2n));
const G2 = concatBytes(
  word(11559732032986387107991004021392285783925812861821192530917403151452391805634n),
  word(10857046999023057135944570762232829481370756359578518086990519993285655852781n),
  word(4082367875863433681332203403145435568316851327593401208105741076214120093531n),
  word(8495653923123431417604973247489272438418190587263600148770280649306958101930n),
);

async function vm() {
  const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
  const stateManager = new MerkleStateManager({ common });
  const blockchain = {
    getBlock: async () => ({ hash: () => new Uint8Array(32) }),
    putBlock: async () => {},
    shallowCopy() {
      return this;
    },
  };
  return createFastVM({ common, stateManager, blockchain });
}

describe("createFastVM", () => {
  it("runs the BN254 precompiles on mcl (createEVM would swap in the pure-JS backend)", async () => {
    const v = await vm();
    expect(v.evm["_bn254" as keyof typeof v.evm]).toBeInstanceOf(MclBn254);
    const call = (data: Uint8Array) =>
      v.evm.runCall({
        to: createAddressFromString(`0x${"8".padStart(40, "0")}`),
        data,
        gasLimit: 1_000_000n,
      });
    const balanced = await call(concatBytes(G1, G2, G1_NEG, G2));
    expect(balanced.execResult.exceptionError).toBeUndefined();
    expect(bytesToBigInt(balanced.execResult.returnValue)).toBe(1n);
    const single = await call(concatBytes(G1, G2));
    expect(bytesToBigInt(single.execResult.returnValue)).toBe(0n);
    const offCurve = await call(concatBytes(word(1n), word(3n), G2));
    expect(offCurve.execResult.exceptionError).toBeDefined();
  });
});

describe("jump analysis cache", () => {
  it("installs on this @ethereumjs/evm and keeps JUMP semantics on repeated runs of one code object", async () => {
    expect(await installJumpAnalysisCache()).toBe(true);
    const v = await vm();
    // PUSH1 4, JUMP, STOP, JUMPDEST, PUSH1 42, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN
    const good = Uint8Array.from([
      0x60, 0x04, 0x56, 0x00, 0x5b, 0x60, 0x2a, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3,
    ]);
    // PUSH1 4, JUMP, PUSH1 0x5b: the only 0x5b byte is push data, not a JUMPDEST
    const intoPushData = Uint8Array.from([0x60, 0x04, 0x56, 0x60, 0x5b]);
    for (let i = 0; i < 3; i++) {
      const ok = await v.evm.runCode({ code: good, gasLimit: 100_000n });
      expect(ok.exceptionError).toBeUndefined();
      expect(bytesToBigInt(ok.returnValue)).toBe(42n);
      const bad = await v.evm.runCode({ code: intoPushData, gasLimit: 100_000n });
      expect(bad.exceptionError?.error).toMatch(/^invalid JUMP/);
    }
  });
});

describe("keccak256 and ecrecover", () => {
  it("keccak256 equals @noble/hashes on every length around the 136-byte rate and on subarrays", () => {
    const buf = Uint8Array.from({ length: 700 }, (_, i) => (i * 31 + 7) & 0xff);
    for (const len of [0, 1, 31, 32, 135, 136, 137, 271, 272, 273, 532, 699]) {
      expect(keccak256(buf.subarray(0, len))).toEqual(keccak_256(buf.subarray(0, len)));
      expect(keccak256(buf.subarray(700 - len))).toEqual(keccak_256(buf.subarray(700 - len)));
    }
  });

  it("ecrecover runs on libsecp256k1 and agrees with @ethereumjs/util's on valid and invalid signatures", () => {
    expect(nativeEcrecover).toBe(true);
    const n = secp256k1.Point.CURVE().n;
    const outcome = (f: () => Uint8Array) => {
      try {
        return bytesToHex(f());
      } catch {
        return "throws";
      }
    };
    let valid = 0;
    for (let i = 0; i < 40; i++) {
      const sk = keccak_256(Uint8Array.of(i, 1));
      const msg = keccak_256(Uint8Array.of(i, 2));
      const sig = secp256k1.sign(msg, sk, { format: "recovered", prehash: false });
      const rec = BigInt(sig[0] ?? 0);
      let r: Uint8Array = sig.slice(1, 33);
      let s: Uint8Array = sig.slice(33, 65);
      let v = rec + 27n;
      let chainId: bigint | undefined;
      const variant = i % 8;
      if (variant === 1) {
        chainId = 560048n;
        v = rec + 35n + 2n * chainId;
      } else if (variant === 2)
        s = word(n - bytesToBigInt(s)); // high s: recovers another key
      else if (variant === 3) r = word(0n);
      else if (variant === 4) s = word(n);
      else if (variant === 5) r = word(n + 1n);
      else if (variant === 6) v = 29n;
      else if (variant === 7) r = r.subarray(1); // short r is left-padded
      const ours = outcome(() => ecrecover(msg, v, r, s, chainId));
      const ref = outcome(() => utilEcrecover(msg, v, r, s, chainId));
      expect(ours, `case ${i}`).toBe(ref);
      if (ours !== "throws") valid++;
    }
    expect(valid).toBeGreaterThanOrEqual(15);
  });
});
