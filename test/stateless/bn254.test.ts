import { Common, Hardfork, Mainnet } from "@ethereumjs/common";
import { EVM, type EVMBN254Interface, NobleBN254, RustBN254 } from "@ethereumjs/evm";
import { MerkleStateManager } from "@ethereumjs/statemanager";
import {
  bytesToHex,
  concatBytes,
  createAddressFromString,
  hexToBytes,
  setLengthRight,
} from "@ethereumjs/util";
import { bn254 } from "@noble/curves/bn254.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { initRustBN } from "rustbn-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { createMclBn254, type MclBn254 } from "../../src/stateless/bn254.ts";

const P = bn254.fields.Fp.ORDER;
const R = bn254.fields.Fr.ORDER;
const { Fp2 } = bn254.fields;
type G1P = InstanceType<typeof bn254.G1.Point>;
type G2P = InstanceType<typeof bn254.G2.Point>;
type Fp2T = ReturnType<typeof Fp2.fromBigTuple>;

const word = (n: bigint) => hexToBytes(`0x${n.toString(16).padStart(64, "0")}`);
const g1Raw = (x: bigint, y: bigint) => concatBytes(word(x), word(y));
const g1 = (p: G1P) => (p.is0() ? new Uint8Array(64) : g1Raw(p.toAffine().x, p.toAffine().y));
// EIP-197 order: x_im, x_re, y_im, y_re.
const g2Raw = (x: Fp2T, y: Fp2T) => concatBytes(word(x.c1), word(x.c0), word(y.c1), word(y.c0));
const g2 = (q: G2P) => (q.is0() ? new Uint8Array(128) : g2Raw(q.toAffine().x, q.toAffine().y));
const G1_INF = new Uint8Array(64);
const G2_INF = new Uint8Array(128);

/** Deterministic pseudo-random 256-bit integers. */
let counter = 0;
function rand256(): bigint {
  counter++;
  return BigInt(bytesToHex(sha256(Uint8Array.of(counter & 0xff, (counter >> 8) & 0xff, 0xbe))));
}
const randScalar = () => (rand256() % (R - 1n)) + 1n;

const TWIST_B = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));

/** A point on the twist y² = x³ + 3/(9+i) with the first x = (k + j·i), k ≥ `from`, that has one. */
function twistPoint(from: bigint, j = 0n): G2P {
  for (let k = from; ; k++) {
    const x = Fp2.fromBigTuple([k, j]);
    const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), TWIST_B);
    let y: Fp2T;
    try {
      y = Fp2.sqrt(rhs);
    } catch {
      continue;
    }
    expect(Fp2.eql(Fp2.sqr(y), rhs)).toBe(true);
    return bn254.G2.Point.fromAffine({ x, y });
  }
}

/** k·Q by plain double-and-add (no endomorphism, so also right outside the subgroup). */
function mulPlain(q: G2P, k: bigint): G2P {
  let acc = bn254.G2.Point.ZERO;
  for (const bit of k.toString(2)) {
    acc = acc.double();
    if (bit === "1") acc = acc.add(q);
  }
  return acc;
}

/** A point on the twist outside the order-r subgroup. */
function nonSubgroupG2(): Uint8Array {
  const q = twistPoint(1n);
  expect(mulPlain(q, R).is0()).toBe(false);
  return g2(q);
}

type Outcome = string; // hex output, or "fail"
const FAIL = "fail";

/**
 * What the precompile would make of a backend's answer: the output, or a failure (a throw, or an
 * output of the wrong length, which rustbn returns instead of throwing).
 */
function outcome(f: () => Uint8Array, length: number): Outcome {
  try {
    const out = f();
    return out.length === length ? bytesToHex(out) : FAIL;
  } catch {
    return FAIL;
  }
}

/** Our backend must answer with the right length or throw, never a short output. */
function oursOutcome(f: () => Uint8Array, length: number): Outcome {
  let out: Uint8Array;
  try {
    out = f();
  } catch {
    return FAIL;
  }
  expect(out.length).toBe(length);
  return bytesToHex(out);
}

let mcl: MclBn254;
let rust: EVMBN254Interface;
const noble = new NobleBN254();

beforeAll(async () => {
  mcl = await createMclBn254();
  rust = new RustBN254(await initRustBN());
});

const counts = { ok: 0, fail: 0 };

/** ecAdd/ecMul on raw precompile data: noble gets it as the precompile hands it over (cut/padded). */
function checkG1Op(op: "add" | "mul", data: Uint8Array, label: string): Outcome {
  const fitted = setLengthRight(data.subarray(0, 128), 128);
  const ours = oursOutcome(() => mcl[op](data), 64);
  expect(
    oursOutcome(() => mcl[op](fitted), 64),
    `${label}: mcl raw vs padded`,
  ).toBe(ours);
  expect(
    outcome(() => noble[op](fitted), 64),
    `${label}: noble`,
  ).toBe(ours);
  expect(
    outcome(() => rust[op](data), 64),
    `${label}: rustbn`,
  ).toBe(ours);
  counts[ours === FAIL ? "fail" : "ok"]++;
  return ours;
}

function checkPairing(data: Uint8Array, label: string): Outcome {
  const ours = oursOutcome(() => mcl.pairing(data), 32);
  expect(
    outcome(() => noble.pairing(data), 32),
    `${label}: noble`,
  ).toBe(ours);
  expect(
    outcome(() => rust.pairing(data), 32),
    `${label}: rustbn`,
  ).toBe(ours);
  counts[ours === FAIL ? "fail" : "ok"]++;
  return ours;
}

const ONE_HEX = `0x${"00".repeat(31)}01`;
const ZERO_HEX = `0x${"00".repeat(32)}`;

const G = bn254.G1.Point.BASE;
const H = bn254.G2.Point.BASE;

describe("MclBn254 against NobleBN254 and RustBN254", () => {
  it("ecAdd: random points, infinity, doubling, inverses, coordinates ≥ p, off-curve points", () => {
    for (let i = 0; i < 24; i++) {
      const a = G.multiply(randScalar());
      const b = i % 4 === 0 ? a : G.multiply(randScalar()); // every 4th: doubling
      const out = checkG1Op("add", concatBytes(g1(a), g1(b)), `random ${i}`);
      expect(out).toBe(bytesToHex(g1(a.add(b))));
    }
    const a = G.multiply(randScalar());
    const cases: [string, Uint8Array, boolean][] = [
      ["O + O", concatBytes(G1_INF, G1_INF), true],
      ["O + A", concatBytes(G1_INF, g1(a)), true],
      ["A + O", concatBytes(g1(a), G1_INF), true],
      ["A + (-A)", concatBytes(g1(a), g1(a.negate())), true],
      ["x = p", concatBytes(g1Raw(P, 2n), g1(G)), false],
      ["x = p + 1", concatBytes(g1Raw(P + 1n, 2n), g1(G)), false],
      ["y = p + 2", concatBytes(g1(G), g1Raw(1n, P + 2n)), false],
      ["x = 2^256 - 1", concatBytes(g1Raw(2n ** 256n - 1n, 2n), G1_INF), false],
      ["off-curve (1, 3)", concatBytes(g1Raw(1n, 3n), g1(G)), false],
      ["off-curve (0, 1) second", concatBytes(g1(G), g1Raw(0n, 1n)), false],
      ["off-curve (1, 0)", concatBytes(g1Raw(1n, 0n), G1_INF), false],
      ["y = p - 2 (that is -G)", concatBytes(g1Raw(1n, P - 2n), g1(G)), true],
    ];
    for (const [label, data, valid] of cases) {
      expect(checkG1Op("add", data, label) !== FAIL, label).toBe(valid);
    }
    expect(checkG1Op("add", concatBytes(g1(a), g1(a.negate())), "A - A")).toBe(bytesToHex(G1_INF));
  });

  it("ecAdd and ecMul: short input is right-padded with zeros, long input is cut", () => {
    const a = G.multiply(randScalar());
    const b = G.multiply(randScalar());
    const full = concatBytes(g1(a), g1(b));
    for (const len of [0, 1, 31, 32, 63, 64, 65, 96, 127]) {
      checkG1Op("add", full.subarray(0, len), `add short ${len}`);
    }
    // A G1 point whose y is cut off: (x, 0) is off the curve, so this fails.
    expect(checkG1Op("add", full.subarray(0, 32), "add x only")).toBe(FAIL);
    expect(checkG1Op("add", g1(a), "add one point")).toBe(bytesToHex(g1(a)));
    expect(checkG1Op("add", concatBytes(full, g1Raw(1n, 3n)), "add long")).toBe(bytesToHex(g1(a.add(b))));
    const k = randScalar();
    const mulIn = concatBytes(g1(a), word(k));
    expect(checkG1Op("mul", concatBytes(mulIn, word(7n), word(1n)), "mul long")).toBe(
      bytesToHex(g1(a.multiply(k))),
    );
    expect(checkG1Op("mul", g1(a), "mul no scalar")).toBe(bytesToHex(G1_INF));
    // A scalar cut to its first byte is that byte times 2^248.
    const cut = checkG1Op("mul", mulIn.subarray(0, 65), "mul one scalar byte");
    expect(cut).toBe(bytesToHex(g1(a.multiply(BigInt(mulIn[64] ?? 0) << 248n))));
    for (const len of [0, 1, 40, 64, 80, 95, 97, 128]) checkG1Op("mul", mulIn.subarray(0, len), `mul ${len}`);
  });

  it("ecMul: random points and scalars, scalars 0, 1, r-1, r, r+1, 2^256-1, invalid points", () => {
    for (let i = 0; i < 24; i++) {
      const a = G.multiply(randScalar());
      const k = rand256(); // full 256-bit range, often ≥ r
      const out = checkG1Op("mul", concatBytes(g1(a), word(k)), `random ${i}`);
      const kr = k % R;
      expect(out).toBe(bytesToHex(kr === 0n ? G1_INF : g1(a.multiply(kr))));
    }
    const a = G.multiply(randScalar());
    for (const k of [0n, 1n, 2n, R - 1n, R, R + 1n, 2n * R, 2n ** 255n, 2n ** 256n - 1n]) {
      const out = checkG1Op("mul", concatBytes(g1(a), word(k)), `scalar ${k}`);
      const kr = k % R;
      expect(out, `scalar ${k}`).toBe(bytesToHex(kr === 0n ? G1_INF : g1(a.multiply(kr))));
      expect(checkG1Op("mul", concatBytes(G1_INF, word(k)), `O · ${k}`)).toBe(bytesToHex(G1_INF));
    }
    const bad: [string, Uint8Array][] = [
      ["off-curve · 0", concatBytes(g1Raw(1n, 3n), word(0n))],
      ["off-curve · 5", concatBytes(g1Raw(1n, 3n), word(5n))],
      ["x = p · 1", concatBytes(g1Raw(P, 2n), word(1n))],
      ["x = p + 1 · 0", concatBytes(g1Raw(P + 1n, 2n), word(0n))],
      ["y = p + 2 · 3", concatBytes(g1Raw(1n, P + 2n), word(3n))],
    ];
    for (const [label, data] of bad) expect(checkG1Op("mul", data, label), label).toBe(FAIL);
  });

  it("ecPairing: valid and unbalanced products, infinity in every position, bad G1 and G2 points", () => {
    expect(checkPairing(new Uint8Array(0), "empty")).toBe(ONE_HEX);
    for (let i = 0; i < 4; i++) {
      const a = randScalar();
      const b = randScalar();
      // e(aP, bQ) · e(-abP, Q) = 1
      const aP = G.multiply(a);
      const bQ = H.multiply(b);
      const negAbP = G.multiply((a * b) % R).negate();
      const good = concatBytes(g1(aP), g2(bQ), g1(negAbP), g2(H));
      expect(checkPairing(good, `balanced ${i}`)).toBe(ONE_HEX);
      const off = concatBytes(g1(aP), g2(bQ), g1(negAbP.add(G)), g2(H));
      expect(checkPairing(off, `unbalanced ${i}`)).toBe(ZERO_HEX);
      if (i === 0) {
        // three pairs, with an infinity pair in every slot
        const inf1 = concatBytes(G1_INF, g2(bQ));
        const inf2 = concatBytes(g1(aP), G2_INF);
        for (const filler of [inf1, inf2, concatBytes(G1_INF, G2_INF)]) {
          expect(checkPairing(concatBytes(filler, good), "inf first")).toBe(ONE_HEX);
          expect(
            checkPairing(concatBytes(good.subarray(0, 192), filler, good.subarray(192)), "inf mid"),
          ).toBe(ONE_HEX);
          expect(checkPairing(concatBytes(good, filler), "inf last")).toBe(ONE_HEX);
          expect(checkPairing(concatBytes(off, filler), "inf last, unbalanced")).toBe(ZERO_HEX);
          expect(checkPairing(filler, "inf alone")).toBe(ONE_HEX);
        }
      }
    }
    const single = concatBytes(g1(G), g2(H));
    expect(checkPairing(single, "e(G, H)")).toBe(ZERO_HEX);

    const notInSubgroup = nonSubgroupG2();
    const gx = H.toAffine().x;
    const gy = H.toAffine().y;
    // Raw words, unreduced (Fp2.fromBigTuple would reduce them mod p).
    const g2Words = (xIm: bigint, xRe: bigint, yIm: bigint, yRe: bigint) =>
      concatBytes(word(xIm), word(xRe), word(yIm), word(yRe));
    const badG2: [string, Uint8Array][] = [
      ["G2 not in subgroup", notInSubgroup],
      ["G2 off twist", g2Raw(gx, Fp2.add(gy, Fp2.ONE))],
      ["G2 x_re + p", g2Words(gx.c1, gx.c0 + P, gy.c1, gy.c0)],
      ["G2 x_im + p", g2Words(gx.c1 + P, gx.c0, gy.c1, gy.c0)],
      ["G2 y_re + p", g2Words(gx.c1, gx.c0, gy.c1, gy.c0 + P)],
      ["G2 y_im + p", g2Words(gx.c1, gx.c0, gy.c1 + P, gy.c0)],
      ["G2 x_im = p, rest 0", concatBytes(word(P), word(0n), word(0n), word(0n))],
      ["G2 y_re = p, rest 0", concatBytes(word(0n), word(0n), word(0n), word(P))],
      ["G2 x = 0, y = 1", concatBytes(word(0n), word(0n), word(0n), word(1n))],
      ["G2 x_re = 2^256 - 1", g2Words(gx.c1, 2n ** 256n - 1n, gy.c1, gy.c0)],
    ];
    for (const [label, q] of badG2) {
      expect(checkPairing(concatBytes(g1(G), q), label), label).toBe(FAIL);
      // Invalid even where its partner is infinity, and in a later pair.
      expect(checkPairing(concatBytes(G1_INF, q), `${label} with O`), label).toBe(FAIL);
      expect(checkPairing(concatBytes(single, G1_INF, q), `${label} second`), label).toBe(FAIL);
    }
    const badG1: [string, Uint8Array][] = [
      ["G1 off curve", g1Raw(1n, 3n)],
      ["G1 x = p", g1Raw(P, 2n)],
      ["G1 x = p + 1", g1Raw(P + 1n, 2n)],
      ["G1 y = p + 2", g1Raw(1n, P + 2n)],
    ];
    for (const [label, p] of badG1) {
      expect(checkPairing(concatBytes(p, g2(H)), label), label).toBe(FAIL);
      expect(checkPairing(concatBytes(p, G2_INF), `${label} with O`), label).toBe(FAIL);
      expect(checkPairing(concatBytes(single, p, G2_INF), `${label} second`), label).toBe(FAIL);
    }
    // Input not a multiple of 192 bytes (the precompile rejects it before the backend): we throw.
    for (const len of [1, 64, 191, 193, 383]) {
      expect(() => mcl.pairing(concatBytes(single, single).subarray(0, len))).toThrow();
    }
    // Many pairs (grows the scratch buffer): Σ e(aᵢ·G, H) · e(-Σaᵢ·G, H) = 1.
    let sum = 0n;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < 19; i++) {
      const a = randScalar();
      sum = (sum + a) % R;
      parts.push(g1(G.multiply(a)), g2(H));
    }
    parts.push(g1(G.multiply(sum).negate()), g2(H));
    expect(checkPairing(concatBytes(...parts), "20 pairs")).toBe(ONE_HEX);
    parts[0] = g1(G.multiply(2n));
    expect(checkPairing(concatBytes(...parts), "20 pairs, one changed")).toBe(ZERO_HEX);
  });

  it("ecPairing: G2 subgroup membership (on the twist but of another order) is rejected by all three", () => {
    let rejected = 0;
    for (const [from, j] of [
      [1n, 0n],
      [50n, 0n],
      [1000n, 7n],
      [123456789n, 1n],
    ] as const) {
      const q = twistPoint(from, j);
      expect(mulPlain(q, R).is0()).toBe(false); // not of order r
      // Q itself, [r]Q (only the cofactor part is left), Q plus a point of G2, and [h]Q with
      // h = #E'/r, which lands in G2 and must be accepted.
      const cofactorPart = mulPlain(q, R);
      const h = 2n * P - R;
      const cleared = mulPlain(q, h);
      expect(mulPlain(cleared, R).is0()).toBe(true);
      for (const [label, point, valid] of [
        ["Q", q, false],
        ["[r]Q", cofactorPart, false],
        ["Q + H", q.add(H), false],
        ["[h]Q", cleared, true],
      ] as const) {
        const out = checkPairing(concatBytes(g1(G), g2(point)), `${label} from x = ${from} + ${j}i`);
        expect(out !== FAIL, label).toBe(valid);
        if (!valid) rejected++;
      }
    }
    expect(rejected).toBe(12);
  });

  it("ecPairing: ±G2 generator pairs (precomputed lines, no subgroup test) in either position", () => {
    const negH = H.negate();
    for (let i = 0; i < 4; i++) {
      const a = randScalar();
      const b = randScalar();
      const aP = G.multiply(a);
      const bQ = H.multiply(b);
      const abP = G.multiply((a * b) % R);
      // e(aG, bH) · e(abG, -H) = 1, with the constant first or second, and unbalanced.
      expect(checkPairing(concatBytes(g1(aP), g2(bQ), g1(abP), g2(negH)), `-H second ${i}`)).toBe(ONE_HEX);
      expect(checkPairing(concatBytes(g1(abP), g2(negH), g1(aP), g2(bQ)), `-H first ${i}`)).toBe(ONE_HEX);
      expect(checkPairing(concatBytes(g1(abP), g2(H), g1(aP), g2(bQ)), `+H unbalanced ${i}`)).toBe(ZERO_HEX);
      // Both sides constant; a third pair (the general path); an infinity pair beside them.
      expect(checkPairing(concatBytes(g1(aP), g2(H), g1(aP), g2(negH)), `H, -H ${i}`)).toBe(ONE_HEX);
      expect(
        checkPairing(concatBytes(g1(aP), g2(bQ), g1(abP), g2(negH), g1(G), g2(H)), `three pairs ${i}`),
      ).toBe(ZERO_HEX);
      expect(
        checkPairing(concatBytes(g1(aP), g2(bQ), G1_INF, g2(H), g1(abP), g2(negH)), `with infinity ${i}`),
      ).toBe(ONE_HEX);
    }
    // A bad G1 point beside the constant still fails.
    const bad = concatBytes(g1Raw(1n, 3n), g2(negH), g1(G), g2(H));
    expect(checkPairing(bad, "off-curve G1 with -H")).toBe(FAIL);
  });

  it("both outcomes were exercised", () => {
    expect(counts.ok).toBeGreaterThan(50);
    expect(counts.fail).toBeGreaterThan(30);
  });
});

describe("MclBn254 inside the EVM", () => {
  it("runs 0x06–0x08 and a bad input fails consuming all the call's gas", async () => {
    const common = new Common({ chain: Mainnet, hardfork: Hardfork.Prague });
    const evm = new EVM({ common, stateManager: new MerkleStateManager({ common }), bn254: mcl });
    const call = (n: number, data: Uint8Array) =>
      evm.runCall({
        to: createAddressFromString(`0x${n.toString(16).padStart(40, "0")}`),
        data,
        gasLimit: 500_000n,
      });
    const a = G.multiply(randScalar());
    const add = await call(6, g1(a).subarray(0, 40)); // short: (x, first 8 bytes of y, zeros): off-curve
    expect(add.execResult.exceptionError).toBeDefined();
    expect(add.execResult.executionGasUsed).toBe(500_000n);
    const added = await call(6, concatBytes(g1(a), g1(G)));
    expect(added.execResult.exceptionError).toBeUndefined();
    expect(bytesToHex(added.execResult.returnValue)).toBe(bytesToHex(g1(a.add(G))));
    const mul = await call(7, concatBytes(g1(a), word(3n)));
    expect(bytesToHex(mul.execResult.returnValue)).toBe(bytesToHex(g1(a.multiply(3n))));
    const pairing = await call(8, concatBytes(g1(G), nonSubgroupG2()));
    expect(pairing.execResult.exceptionError).toBeDefined();
    expect(pairing.execResult.executionGasUsed).toBe(500_000n);
    const ok = await call(8, concatBytes(g1(G), g2(H), g1(G.negate()), g2(H)));
    expect(ok.execResult.exceptionError).toBeUndefined();
    expect(bytesToHex(ok.execResult.returnValue)).toBe(ONE_HEX);
  });
});
