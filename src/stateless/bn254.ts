// BN254 (alt_bn128) for the EVM precompiles 0x06 ecAdd, 0x07 ecMul and 0x08 ecPairing on herumi's
// mcl (npm `mcl-wasm`, curve BN_SNARK1), an `EVMBN254Interface` for @ethereumjs/evm. Inputs are
// decoded and checked here (every field element below p, points on the curve, G2 points in the
// order-r subgroup) before mcl sees them; mcl's own setters reduce or mask out-of-range values.
import { createRequire } from "node:module";
import { type EVMBN254Interface, EVMError } from "@ethereumjs/evm";

/** The raw mcl C API exported by the wasm instance (pointers are byte offsets into its memory). */
interface MclWasm {
  wasmMemory: WebAssembly.Memory;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _mclBn_init(curveType: number, compiledTimeVar: number): number;
  _mclBn_getFpByteSize(): number;
  _mclBnFp_setBigEndianMod(x: number, buf: number, size: number): number;
  _mclBnFp_getLittleEndian(buf: number, maxSize: number, x: number): number;
  _mclBnFp_setInt32(x: number, v: number): void;
  _mclBnFp_clear(x: number): void;
  _mclBnFr_setBigEndianMod(x: number, buf: number, size: number): number;
  _mclBnG1_clear(p: number): void;
  _mclBnG1_isZero(p: number): number;
  _mclBnG1_isValid(p: number): number;
  _mclBnG1_add(z: number, x: number, y: number): void;
  _mclBnG1_mul(z: number, x: number, s: number): void;
  _mclBnG1_normalize(y: number, x: number): void;
  _mclBnFp_neg(y: number, x: number): void;
  _mclBnFp2_mul(z: number, x: number, y: number): void;
  _mclBnFp2_sqr(y: number, x: number): void;
  _mclBnG2_isValid(q: number): number;
  _mclBnG2_isEqual(p: number, q: number): number;
  _mclBnG2_add(z: number, x: number, y: number): void;
  _mclBnG2_dbl(y: number, x: number): void;
  _mclBnG2_hashAndMapTo(q: number, buf: number, size: number): number;
  _mclBn_verifyOrderG2(doVerify: number): void;
  _mclBn_millerLoopVec(f: number, g1: number, g2: number, n: number): void;
  _mclBn_getUint64NumToPrecompute(): number;
  _mclBn_precomputeG2(coeff: number, q: number): void;
  _mclBn_precomputedMillerLoop2mixed(f: number, p1: number, q1: number, p2: number, q2coeff: number): void;
  _mclBn_finalExp(y: number, x: number): void;
  _mclBnGT_isOne(f: number): number;
}

/** mcl-wasm's wasm loader (`dist/mcl_c.js`): each call instantiates a fresh, uninitialised module. */
type CreateMclModule = (opts: { cryptoGetRandomValues(a: Uint8Array): void }) => Promise<MclWasm>;

// Sizes of mcl's in-memory values in this build (MCLBN_FP_UNIT_SIZE 6: an Fp takes 48 bytes in
// Montgomery form whatever the curve); checked against the instance at start-up.
const FP = 48;
const FR = 32;
const G1 = 3 * FP; // Jacobian (X, Y, Z)
const G2 = 6 * FP; // (X, Y, Z) over Fp2 = (re, im)
const GT = 12 * FP;
const WORD = 32; // one big-endian field element in EVM encoding
const PAIR = 192; // G1 (64 bytes) then G2 (128 bytes)

const P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47n;
/** p, the base-field modulus, big-endian. */
const P_BYTES = Uint8Array.from(Buffer.from(P.toString(16).padStart(64, "0"), "hex"));
/** The BN parameter x₀ of this curve: p = 36x₀⁴ + 36x₀³ + 24x₀² + 6x₀ + 1. */
const X0 = 4965661367192848881n;
/** Its bits after the leading one, most significant first, for double-and-add. */
const X0_TAIL_BITS = [...X0.toString(2).slice(1)].map((b) => b === "1");

const G2_X_IM = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2";
const G2_X_RE = "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed";
const G2_Y_IM = 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975bn;
const G2_Y_RE = 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daan;
const word = (v: bigint) => v.toString(16).padStart(64, "0");
/**
 * The G2 generator and its negation in EVM encoding (x_im, x_re, y_im, y_re): one side of most
 * pairing checks on chain (e(A, -G2) · e(B, Q) = 1, as Groth16, KZG and BLS-style verifiers pair).
 * Both are constant points of G2, so they need no subgroup test, and their Miller-loop line
 * coefficients are computed once.
 */
const G2_CONSTANTS = [word(G2_Y_IM) + word(G2_Y_RE), word(P - G2_Y_IM) + word(P - G2_Y_RE)].map((y) =>
  Uint8Array.from(Buffer.from(G2_X_IM + G2_X_RE + y, "hex")),
);

/** The index in G2_CONSTANTS of the G2 point at `input[at..at+128]`, or -1. */
function g2Constant(input: Uint8Array, at: number): number {
  // Both share x: compare it once, then y.
  const first = G2_CONSTANTS[0] as Uint8Array;
  for (let i = 0; i < 64; i++) if (input[at + i] !== first[i]) return -1;
  search: for (let c = 0; c < G2_CONSTANTS.length; c++) {
    const point = G2_CONSTANTS[c] as Uint8Array;
    for (let i = 64; i < 128; i++) if (input[at + i] !== point[i]) continue search;
    return c;
  }
  return -1;
}

const ONE = new Uint8Array(32);
ONE[31] = 1;

/** True when the 32-byte big-endian word at `input[at..]` is below p. */
function belowP(input: Uint8Array, at: number): boolean {
  for (let i = 0; i < WORD; i++) {
    const a = input[at + i] ?? 0;
    const b = P_BYTES[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false; // equal to p
}

function isZero(input: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (input[i] !== 0) return false;
  return true;
}

/** `input` cut or right-padded with zeros to `length` bytes, as EIP-196 reads its input. */
function fitInput(input: Uint8Array, length: number): Uint8Array {
  if (input.length === length) return input;
  const out = new Uint8Array(length);
  out.set(input.subarray(0, length));
  return out;
}

function notInField(): EVMError {
  return new EVMError(EVMError.errorMessages.BN254_FP_NOT_IN_FIELD);
}

// @ethereumjs/evm has no BN254-specific message for a bad point; its generic "point not on curve"
// (named for BLS12-381) also stands here for a G2 point outside the order-r subgroup. Any throw
// makes the precompile fail with all its gas consumed.
function badPoint(): EVMError {
  return new EVMError(EVMError.errorMessages.BLS_12_381_POINT_NOT_ON_CURVE);
}

/** `EVMBN254Interface` on mcl-wasm; build it with `createMclBn254()`. */
export class MclBn254 implements EVMBN254Interface {
  private readonly m: MclWasm;
  private heap: Uint8Array;
  // Fixed scratch: two G1 operands and a result, an Fr, a byte buffer, two GT values, four G2
  // temporaries and the two Fp2 constants of ψ.
  private readonly p1: number;
  private readonly p2: number;
  private readonly p3: number;
  private readonly fr: number;
  private readonly buf: number;
  private readonly f1: number;
  private readonly f2: number;
  private readonly t: readonly [number, number, number, number];
  private readonly psiX: number;
  private readonly psiY: number;
  // Pairing operands, grown on demand: `capacity` G1 points then `capacity` G2 points.
  private pairs = 0;
  private capacity = 0;
  /** G2_CONSTANTS' precomputed Miller-loop coefficients (mclBn_precomputeG2), in that order. */
  private readonly constantCoeffs: readonly number[];

  /** Takes a wasm instance already initialised for BN_SNARK1; use `createMclBn254()`. */
  constructor(m: MclWasm) {
    this.m = m;
    const base = m._malloc(3 * G1 + FR + 64 + 2 * GT + 4 * G2 + 2 * 2 * FP);
    if (base === 0) throw new Error("mcl: cannot allocate scratch memory");
    this.p1 = base;
    this.p2 = this.p1 + G1;
    this.p3 = this.p2 + G1;
    this.fr = this.p3 + G1;
    this.buf = this.fr + FR;
    this.f1 = this.buf + 64;
    this.f2 = this.f1 + GT;
    const t0 = this.f2 + GT;
    this.t = [t0, t0 + G2, t0 + 2 * G2, t0 + 3 * G2];
    this.psiX = t0 + 4 * G2;
    this.psiY = this.psiX + 2 * FP;
    this.heap = new Uint8Array(m.wasmMemory.buffer);
    // ψ(x, y) = (x̄·ξ^((p-1)/3), ȳ·ξ^((p-1)/2)) with ξ = 9 + i, the twist's non-residue.
    const xi = this.t[0];
    m._mclBnFp_setInt32(xi, 9);
    m._mclBnFp_setInt32(xi + FP, 1);
    this.fp2Pow(this.psiX, xi, (P - 1n) / 3n);
    this.fp2Pow(this.psiY, xi, (P - 1n) / 2n);
    this.reservePairs(4);
    this.selfCheck();
    // The constant points, each read with every check (on the twist, in the subgroup), then
    // precomputed.
    const point = this.pairs + this.capacity * G1; // the first G2 slot (t[] is the test's scratch)
    this.constantCoeffs = G2_CONSTANTS.map((bytes) => {
      if (this.readG2(bytes, 0, point)) throw new Error("mcl: a G2 constant reads as infinity");
      const coeff = m._malloc(m._mclBn_getUint64NumToPrecompute() * 8);
      if (coeff === 0) throw new Error("mcl: cannot allocate a G2 point's coefficients");
      m._mclBn_precomputeG2(coeff, point);
      return coeff;
    });
  }

  /** ecAdd: 128 bytes (two G1 points) in, 64 bytes out. */
  add(input: Uint8Array): Uint8Array {
    const data = fitInput(input, 128);
    this.readG1(data, 0, this.p1);
    this.readG1(data, 64, this.p2);
    this.m._mclBnG1_add(this.p3, this.p1, this.p2);
    return this.writeG1(this.p3);
  }

  /** ecMul: a G1 point and a 256-bit scalar (96 bytes) in, 64 bytes out. */
  mul(input: Uint8Array): Uint8Array {
    const data = fitInput(input, 96);
    this.readG1(data, 0, this.p1);
    // Any 256-bit scalar: G1 has prime order r (cofactor 1), so k·P = (k mod r)·P.
    this.mem().set(data.subarray(64, 96), this.buf);
    if (this.m._mclBnFr_setBigEndianMod(this.fr, this.buf, WORD) !== 0) throw new Error("mcl: bad scalar");
    this.m._mclBnG1_mul(this.p3, this.p1, this.fr);
    return this.writeG1(this.p3);
  }

  /** ecPairing: k·192 bytes in; 32 bytes out, 1 if the product of the k pairings is 1 else 0. */
  pairing(input: Uint8Array): Uint8Array {
    if (input.length % PAIR !== 0) throw new EVMError(EVMError.errorMessages.INVALID_INPUT_LENGTH);
    const k = input.length / PAIR;
    this.reservePairs(k);
    const g1s = this.pairs;
    const g2s = this.pairs + this.capacity * G1;
    let n = 0;
    let constantAt = -1; // the index of a counted pair whose G2 point is one of G2_CONSTANTS
    let constant = -1; // which
    for (let i = 0; i < k; i++) {
      const at = i * PAIR;
      // Both points are checked even when the other is the point at infinity.
      const g1Inf = this.readG1(input, at, g1s + n * G1);
      // ±generator is in G2 (a constant): no subgroup test for it.
      const c = g2Constant(input, at + 64);
      const g2Inf = this.readG2(input, at + 64, g2s + n * G2, c < 0);
      if (!g1Inf && !g2Inf) {
        // e(P, O) = e(O, Q) = 1: such a pair does not count
        if (c >= 0 && constantAt < 0) {
          constantAt = n;
          constant = c;
        }
        n++;
      }
    }
    if (n === 0) return ONE.slice();
    const coeff = this.constantCoeffs[constant];
    if (n === 2 && coeff !== undefined) {
      // e(P, Q) · e(P', ±G2) with the constant's lines precomputed.
      const other = 1 - constantAt;
      this.m._mclBn_precomputedMillerLoop2mixed(
        this.f1,
        g1s + other * G1,
        g2s + other * G2,
        g1s + constantAt * G1,
        coeff,
      );
    } else this.m._mclBn_millerLoopVec(this.f1, g1s, g2s, n);
    this.m._mclBn_finalExp(this.f2, this.f1);
    return this.m._mclBnGT_isOne(this.f2) === 1 ? ONE.slice() : new Uint8Array(32);
  }

  /** The wasm memory as bytes (a new view after the memory has grown). */
  private mem(): Uint8Array {
    if (this.heap.byteLength === 0) this.heap = new Uint8Array(this.m.wasmMemory.buffer);
    return this.heap;
  }

  private reservePairs(k: number): void {
    if (k <= this.capacity) return;
    const capacity = Math.max(k, this.capacity * 2);
    const ptr = this.m._malloc(capacity * (G1 + G2));
    if (ptr === 0) throw new Error(`mcl: cannot allocate ${capacity} pairs`);
    if (this.pairs !== 0) this.m._free(this.pairs);
    this.pairs = ptr;
    this.capacity = capacity;
  }

  /** Sets the Fp at `fp` to the (range-checked) big-endian word at `input[at..]`. */
  private readFp(input: Uint8Array, at: number, fp: number): void {
    this.mem().set(input.subarray(at, at + WORD), this.buf);
    if (this.m._mclBnFp_setBigEndianMod(fp, this.buf, WORD) !== 0) throw notInField();
  }

  /** Decodes the G1 point at `input[at..at+64]` into `p`; returns true for the point at infinity. */
  private readG1(input: Uint8Array, at: number, p: number): boolean {
    if (!belowP(input, at) || !belowP(input, at + WORD)) throw notInField();
    if (isZero(input, at, at + 64)) {
      this.m._mclBnG1_clear(p);
      return true;
    }
    this.readFp(input, at, p);
    this.readFp(input, at + WORD, p + FP);
    this.m._mclBnFp_setInt32(p + 2 * FP, 1);
    // Cofactor 1: on the curve means in the group.
    if (this.m._mclBnG1_isValid(p) !== 1) throw badPoint();
    return false;
  }

  /**
   * Decodes the G2 point at `input[at..at+128]`, encoded (x_im, x_re, y_im, y_re), into `q`;
   * returns true for the point at infinity (all zeros). The point must lie on the twist
   * y² = x³ + 3/(9+i) and in its order-r subgroup (tested unless `inSubgroup` is false: only for
   * the generator, a constant of G2).
   */
  private readG2(input: Uint8Array, at: number, q: number, inSubgroup = true): boolean {
    for (let w = 0; w < 4; w++) if (!belowP(input, at + w * WORD)) throw notInField();
    if (isZero(input, at, at + 128)) return true;
    this.readFp(input, at + WORD, q); // x.re
    this.readFp(input, at, q + FP); // x.im
    this.readFp(input, at + 3 * WORD, q + 2 * FP); // y.re
    this.readFp(input, at + 2 * WORD, q + 3 * FP); // y.im
    this.m._mclBnFp_setInt32(q + 4 * FP, 1);
    this.m._mclBnFp_clear(q + 5 * FP);
    // On the twist (this instance has mcl's own order check off), then in the subgroup.
    if (this.m._mclBnG2_isValid(q) !== 1 || (inSubgroup && !this.inG2Subgroup(q))) throw badPoint();
    return false;
  }

  /**
   * Subgroup membership of a point `q` on the twist, without a multiplication by r (which costs
   * mcl ~0.8 ms): [r]Q = O ⟺ [x₀+1]Q + ψ([x₀]Q) + ψ²([x₀]Q) = ψ³([2x₀]Q), where ψ is the
   * untwist-Frobenius-twist endomorphism (Dai, Lin, Zhao, Zhou, "Fast subgroup membership
   * testings for G1, G2 and GT on pairing-friendly curves", eprint 2022/348, §3 and §5.1).
   * [x₀]Q is computed by plain double-and-add: mcl's own G2 multiplication splits the scalar
   * with ψ, which is only valid on the subgroup.
   */
  private inG2Subgroup(q: number): boolean {
    const m = this.m;
    const [a, lhs, b, rhs] = this.t;
    this.copy(a, q, G2);
    for (const bit of X0_TAIL_BITS) {
      m._mclBnG2_dbl(a, a);
      if (bit) m._mclBnG2_add(a, a, q);
    }
    m._mclBnG2_add(lhs, a, q); // [x₀+1]Q
    this.psi(b, a); // ψ([x₀]Q)
    m._mclBnG2_add(lhs, lhs, b);
    this.psi(rhs, b); // ψ²([x₀]Q)
    m._mclBnG2_add(lhs, lhs, rhs);
    this.psi(b, rhs); // ψ³([x₀]Q)
    m._mclBnG2_dbl(rhs, b);
    return m._mclBnG2_isEqual(lhs, rhs) === 1;
  }

  /** dst = ψ(src) in Jacobian coordinates: (X̄·ψx, Ȳ·ψy, Z̄), the bar being conjugation in Fp2. */
  private psi(dst: number, src: number): void {
    const m = this.m;
    for (let c = 0; c < 3; c++) {
      const o = c * 2 * FP;
      this.copy(dst + o, src + o, FP);
      m._mclBnFp_neg(dst + o + FP, src + o + FP);
    }
    m._mclBnFp2_mul(dst, dst, this.psiX);
    m._mclBnFp2_mul(dst + 2 * FP, dst + 2 * FP, this.psiY);
  }

  /** dst = base^e in Fp2 (square-and-multiply; only at start-up). `dst` must differ from `base`. */
  private fp2Pow(dst: number, base: number, e: bigint): void {
    this.m._mclBnFp_setInt32(dst, 1);
    this.m._mclBnFp_clear(dst + FP);
    for (const bit of e.toString(2)) {
      this.m._mclBnFp2_sqr(dst, dst);
      if (bit === "1") this.m._mclBnFp2_mul(dst, dst, base);
    }
  }

  private copy(dst: number, src: number, size: number): void {
    this.mem().copyWithin(dst, src, src + size);
  }

  /** A point of G2 from mcl's own hash-to-G2 (cofactor cleared) must pass the subgroup test. */
  private selfCheck(): void {
    const point = this.pairs + this.capacity * G1; // the first G2 slot of the pairing area
    const seed = Uint8Array.from([0x65, 0x70, 0x72, 0x6f, 0x6f, 0x66]);
    this.mem().set(seed, this.buf);
    if (this.m._mclBnG2_hashAndMapTo(point, this.buf, seed.length) !== 0)
      throw new Error("mcl: hashAndMapTo failed");
    if (this.m._mclBnG2_isValid(point) !== 1 || !this.inG2Subgroup(point)) {
      throw new Error("mcl: the G2 subgroup test rejects a point of G2");
    }
  }

  /** The G1 point at `p` in EVM encoding: affine x‖y, big-endian; all zeros for infinity. */
  private writeG1(p: number): Uint8Array {
    const out = new Uint8Array(64);
    if (this.m._mclBnG1_isZero(p) === 1) return out;
    this.m._mclBnG1_normalize(p, p);
    this.writeFp(p, out, 0);
    this.writeFp(p + FP, out, WORD);
    return out;
  }

  private writeFp(fp: number, out: Uint8Array, at: number): void {
    this.mem().fill(0, this.buf, this.buf + WORD);
    const n = this.m._mclBnFp_getLittleEndian(this.buf, WORD, fp);
    if (n === 0 || n > WORD) throw new Error("mcl: cannot serialize a field element");
    const mem = this.mem();
    for (let i = 0; i < WORD; i++) out[at + WORD - 1 - i] = mem[this.buf + i] ?? 0;
  }
}

let instance: Promise<MclBn254> | undefined;

/**
 * The shared mcl BN254 backend, created once per process. It runs on a wasm instance of its own
 * (mcl-wasm's loader called directly, not `mcl.init`, which swaps the package-wide instance): no
 * other user of mcl-wasm in the process can change its curve or its flags, nor it theirs.
 */
export function createMclBn254(): Promise<MclBn254> {
  if (!instance) {
    instance = (async () => {
      const require = createRequire(import.meta.url);
      const createModule = require("mcl-wasm/dist/mcl_c.js") as CreateMclModule;
      const constants = require("mcl-wasm/dist/constants.js") as {
        BN_SNARK1: number;
        MCLBN_COMPILED_TIME_VAR: number;
      };
      const m = await createModule({ cryptoGetRandomValues: (a) => crypto.getRandomValues(a) });
      const rc = m._mclBn_init(constants.BN_SNARK1, constants.MCLBN_COMPILED_TIME_VAR);
      if (rc !== 0) throw new Error(`mcl: mclBn_init(BN_SNARK1) failed (${rc})`);
      if (m._mclBn_getFpByteSize() !== WORD) throw new Error("mcl: unexpected field size");
      m._mclBn_verifyOrderG2(0); // G2 order is checked here, faster (see inG2Subgroup)
      return new MclBn254(m);
    })();
    instance.catch(() => {
      instance = undefined;
    });
  }
  return instance;
}
