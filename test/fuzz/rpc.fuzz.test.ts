// Property-based tests over the Engine API side's parsers (issue 18): JSON-RPC request validation
// (any JSON value, never a throw) and the engine witness RLP (`[headers, codes, state]`): valid
// witnesses round trip, hostile RLP (deep nesting, lying lengths) is an EproofError and nothing else.
import { RLP } from "@ethereumjs/rlp";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEngineWitness,
  encodeEngineWitness,
  witnessFromEngineField,
} from "../../src/execution/engineWitness.ts";
import { parseRequest } from "../../src/gateway/jsonRpc.ts";
import { toHex } from "../../src/util/hex.ts";
import { check, cleanOrThrow, expectSameBytes, hostileBytes, runs, timeoutFor } from "./support/fuzz.ts";

const RUNS = runs(1000);

const requestLike = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant("2.0"), fc.jsonValue()),
    id: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.jsonValue()),
    method: fc.oneof(
      fc.constantFrom("engine_newPayloadV4", "engine_forkchoiceUpdatedV3", ""),
      fc.jsonValue(),
    ),
    params: fc.oneof(fc.array(fc.jsonValue(), { maxLength: 4 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe("JSON-RPC request parsing", () => {
  it("any value: a request or an invalid-request error, never a throw", {
    timeout: timeoutFor(RUNS * 2),
  }, () => {
    check(
      "jsonrpc.parse",
      fc.oneof(fc.anything(), requestLike),
      (v) => {
        const r = parseRequest(v);
        if (r.ok) {
          expect(typeof r.req.method).toBe("string");
          expect(r.req.method.length).toBeGreaterThan(0);
          expect(Array.isArray(r.req.params)).toBe(true);
          expect(r.req.jsonrpc).toBe("2.0");
        } else {
          expect([-32600, -32602]).toContain(r.err.code);
          expect(r.id === null || typeof r.id === "string" || typeof r.id === "number").toBe(true);
        }
      },
      RUNS * 2,
    );
  });
});

const header = fc
  .array(fc.uint8Array({ maxLength: 40 }), { maxLength: 16 })
  .map((fields) => RLP.encode(fields))
  .filter((h) => h.length <= 1024);
const witness = fc.record({
  headers: fc.array(header, { maxLength: 4 }),
  codes: fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }),
  state: fc.array(fc.uint8Array({ maxLength: 80 }), { maxLength: 4 }),
});

function nested(depth: number, inner: Uint8Array): Uint8Array {
  let out = inner;
  for (let i = 0; i < depth; i++) out = RLP.encode([out]);
  return out;
}

describe("engine witness RLP", () => {
  it("valid witnesses round trip (bytes and hex field)", { timeout: timeoutFor(RUNS) }, () => {
    check(
      "engineWitness.roundtrip",
      witness,
      (w) => {
        const bytes = encodeEngineWitness(w);
        const back = decodeEngineWitness(bytes);
        expect(back.headers.map(toHex)).toEqual(w.headers.map(toHex));
        expect(back.codes.map(toHex)).toEqual(w.codes.map(toHex));
        expect(back.state.map(toHex)).toEqual(w.state.map(toHex));
        expectSameBytes(encodeEngineWitness(witnessFromEngineField(toHex(bytes))), bytes, "hex field");
      },
      RUNS,
    );
  });

  it("hostile RLP and hostile fields: an EproofError, nothing else", {
    timeout: timeoutFor(RUNS * 2),
  }, () => {
    const seeds = [
      ...fc.sample(witness, { numRuns: 12, seed: 13 }).map(encodeEngineWitness),
      nested(3000, new Uint8Array(0)),
      Uint8Array.of(0xf9, 0xff, 0xff),
      Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    ];
    check(
      "engineWitness.hostile",
      hostileBytes(seeds, 200),
      (bytes) => {
        const w = cleanOrThrow(() => decodeEngineWitness(bytes));
        if (w !== undefined) {
          for (const h of w.headers) expect(h.length).toBeLessThanOrEqual(1024);
        }
      },
      RUNS,
    );
    check(
      "engineWitness.field",
      fc.oneof(
        fc.anything(),
        fc.string().map((s) => `0x${s}`),
        fc.uint8Array({ maxLength: 64 }).map((b) => toHex(b)),
      ),
      (v) => {
        cleanOrThrow(() => witnessFromEngineField(v));
      },
      RUNS,
    );
  });
});
