import { SecretKey } from "@chainsafe/blst";
import { bls12_381 } from "@noble/curves/bls12-381.js";
import { describe, expect, it } from "vitest";
import { BlsBatchVerifier } from "../../../src/p2p/gossip/blsBatch.ts";

const { Fp, Fp2 } = bls12_381.fields;

/**
 * A compressed G2 encoding of a point on the curve y² = x³ + 4(1+i) that is not in the r-order
 * subgroup: decompression accepts it, only a subgroup check refuses it.
 */
function offSubgroupSignature(): Uint8Array {
  const b = Fp2.fromBigTuple([4n, 4n]);
  for (let c0 = 1n; ; c0++) {
    const x = Fp2.fromBigTuple([c0, 0n]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
    let y: ReturnType<typeof Fp2.sqrt>;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    if (!Fp2.eql(Fp2.sqr(y), rhs)) continue;
    const point = bls12_381.G2.Point.fromAffine({ x, y });
    if (point.isTorsionFree()) continue;
    const out = new Uint8Array(96);
    out.set(Fp.toBytes(x.c1), 0);
    out.set(Fp.toBytes(x.c0), 48);
    out[0] = (out[0] ?? 0) | 0x80; // compressed, sign bit 0: blst picks the matching y
    return out;
  }
}

function sets(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1));
    const signingRoot = new Uint8Array(32).fill(100 + i);
    return { pubkey: sk.toPublicKey().toBytes(), signingRoot, signature: sk.sign(signingRoot).toBytes() };
  });
}

describe("BlsBatchVerifier", () => {
  it("verifies a full batch and fails only the set whose signature is wrong", async () => {
    const bls = new BlsBatchVerifier({ maxBatch: 8, maxWaitMs: 1 });
    const s = sets(8);
    const wrong = { ...s[3], signature: s[4]?.signature } as (typeof s)[number];
    const verdicts = await Promise.all(s.map((set, i) => bls.verify(i === 3 ? wrong : set)));
    expect(verdicts).toEqual([true, true, true, false, true, true, true, true]);
    bls.close();
  });

  it("refuses a signature outside the G2 subgroup, alone and inside a batch", async () => {
    const bad = offSubgroupSignature();
    const bls = new BlsBatchVerifier({ maxBatch: 4, maxWaitMs: 1 });
    const s = sets(4);
    const first = s[0];
    if (!first) throw new Error("no sets");
    expect(await bls.verify({ ...first, signature: bad })).toBe(false);
    const verdicts = await Promise.all(
      s.map((set, i) => bls.verify(i === 1 ? { ...set, signature: bad } : set)),
    );
    expect(verdicts).toEqual([true, false, true, true]);
    bls.close();
  });

  it("refuses bytes that are no curve point and the point at infinity", async () => {
    const bls = new BlsBatchVerifier({ maxBatch: 2, maxWaitMs: 1 });
    const [a, b] = sets(2);
    if (!a || !b) throw new Error("no sets");
    const infinity = new Uint8Array(96);
    infinity[0] = 0xc0;
    const verdicts = await Promise.all([
      bls.verify({ ...a, signature: new Uint8Array(96).fill(0xff) }),
      bls.verify({ ...b, signature: infinity }),
    ]);
    expect(verdicts).toEqual([false, false]);
    bls.close();
  });
});

describe("BlsBatchVerifier on worker threads", () => {
  it("gives the same verdicts as on the event loop, and finishes batches when closed", async () => {
    const bls = new BlsBatchVerifier({ maxBatch: 4, maxWaitMs: 1, workers: 2 });
    expect(bls.workers).toBe(2);
    const s = sets(12);
    const wrong = (i: number) => i % 5 === 2;
    const verdicts = await Promise.all(
      s.map((set, i) => bls.verify(wrong(i) ? { ...set, signingRoot: new Uint8Array(32) } : set)),
    );
    expect(verdicts).toEqual(s.map((_, i) => !wrong(i)));
    expect(bls.workers).toBe(2); // no worker failed over to the event loop
    const late = bls.verify(s[0] as (typeof s)[number]);
    bls.close();
    expect(await late).toBe(true);
    expect(bls.workers).toBe(0);
  });
});
