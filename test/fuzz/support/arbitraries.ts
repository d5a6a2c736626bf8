// fast-check arbitraries for the fuzz suite and bench/fuzz.bench.ts (no test-runner imports): hostile
// bytes built around valid seeds, and valid values derived from an SSZ type.
import {
  BooleanType,
  ByteListType,
  ByteVectorType,
  ContainerType,
  ListBasicType,
  ListCompositeType,
  ProgressiveByteListType,
  ProgressiveContainerType,
  ProgressiveListBasicType,
  ProgressiveListCompositeType,
  type Type,
  UintBigintType,
  UintNumberType,
  VectorBasicType,
  VectorCompositeType,
} from "@chainsafe/ssz";
import fc from "fast-check";

const u64High = fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n - 1n }).map((v) => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, true);
  return out;
});

/**
 * Hostile bytes around valid encodings: random bytes, seeds with bytes overwritten, a u64 above 2^53
 * written at a random offset, truncated, extended, spliced; plus the seeds themselves.
 */
export function hostileBytes(seeds: readonly Uint8Array[], maxRandom = 256): fc.Arbitrary<Uint8Array> {
  const random = fc.uint8Array({ maxLength: maxRandom });
  if (seeds.length === 0) return random;
  const seed = fc.constantFrom(...seeds);
  const overwrite = fc
    .tuple(
      seed,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
    )
    .map(([s, edits]) => {
      const out = Uint8Array.from(s);
      for (const [at, b] of edits) if (out.length > 0) out[at % out.length] = b;
      return out;
    });
  const bigU64 = fc.tuple(seed, fc.nat(), u64High).map(([s, at, v]) => {
    const out = Uint8Array.from(s);
    if (out.length >= 8) out.set(v, at % (out.length - 7));
    return out;
  });
  const truncate = fc.tuple(seed, fc.nat()).map(([s, n]) => s.subarray(0, s.length === 0 ? 0 : n % s.length));
  const extend = fc.tuple(seed, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([s, tail]) => {
    const out = new Uint8Array(s.length + tail.length);
    out.set(s);
    out.set(tail, s.length);
    return out;
  });
  const splice = fc
    .tuple(seed, fc.nat(), fc.nat({ max: 16 }), fc.uint8Array({ maxLength: 16 }))
    .map(([s, at, del, ins]) => {
      const i = s.length === 0 ? 0 : at % s.length;
      const out = new Uint8Array(Math.max(0, s.length - del) + ins.length + del);
      const head = s.subarray(0, i);
      const tail = s.subarray(Math.min(s.length, i + del));
      out.set(head);
      out.set(ins, head.length);
      out.set(tail, head.length + ins.length);
      return out.subarray(0, head.length + ins.length + tail.length);
    });
  return fc.oneof(
    { arbitrary: random, weight: 2 },
    { arbitrary: seed, weight: 1 },
    { arbitrary: overwrite, weight: 4 },
    { arbitrary: bigU64, weight: 3 },
    { arbitrary: truncate, weight: 2 },
    { arbitrary: extend, weight: 1 },
    { arbitrary: splice, weight: 2 },
  );
}

export interface ArbitraryLimits {
  /** Most elements in any list (keeps values small and runs fast). */
  maxItems: number;
  /** Most bytes in any byte list. */
  maxBytes: number;
}

const DEFAULT_LIMITS: ArbitraryLimits = { maxItems: 3, maxBytes: 48 };

/** A fast-check arbitrary of valid values of an SSZ type (every class eproof's types use). */
export function arbitraryOf(
  type: Type<unknown>,
  limits: ArbitraryLimits = DEFAULT_LIMITS,
): fc.Arbitrary<unknown> {
  if (type instanceof UintNumberType) {
    const max = type.byteLength >= 8 ? Number.MAX_SAFE_INTEGER : 2 ** (8 * type.byteLength) - 1;
    return fc.oneof(fc.integer({ min: 0, max: Math.min(max, 1000) }), fc.integer({ min: 0, max }));
  }
  if (type instanceof UintBigintType)
    return fc.bigInt({ min: 0n, max: 2n ** BigInt(8 * type.byteLength) - 1n });
  if (type instanceof BooleanType) return fc.boolean();
  if (type instanceof ByteVectorType)
    return fc.uint8Array({ minLength: type.lengthBytes, maxLength: type.lengthBytes });
  if (type instanceof ByteListType) {
    return fc.uint8Array({ maxLength: Math.min(type.limitBytes, limits.maxBytes) });
  }
  if (type instanceof ProgressiveByteListType) return fc.uint8Array({ maxLength: limits.maxBytes });
  if (type instanceof ListBasicType || type instanceof ListCompositeType) {
    return fc.array(arbitraryOf(type.elementType as Type<unknown>, limits), {
      maxLength: Math.min(type.limit, limits.maxItems),
    });
  }
  if (type instanceof ProgressiveListBasicType || type instanceof ProgressiveListCompositeType) {
    // Progressive lists may still carry a limit (Gloas execution requests).
    const limit = (type as { limit?: number }).limit ?? Number.POSITIVE_INFINITY;
    return fc.array(arbitraryOf(type.elementType as Type<unknown>, limits), {
      maxLength: Math.min(limit, limits.maxItems),
    });
  }
  if (type instanceof VectorBasicType || type instanceof VectorCompositeType) {
    const n = type.length;
    return fc.array(arbitraryOf(type.elementType as Type<unknown>, limits), { minLength: n, maxLength: n });
  }
  if (type instanceof ContainerType || type instanceof ProgressiveContainerType) {
    const fields: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, t] of Object.entries(type.fields as Record<string, Type<unknown>>)) {
      fields[name] = arbitraryOf(t, limits);
    }
    return fc.record(fields);
  }
  throw new Error(`no arbitrary for SSZ type ${type.typeName} (${type.constructor.name})`);
}
