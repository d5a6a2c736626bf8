// The Engine API witness (RLP `[headers, codes, state]`) against real witnesses: geth's Hoodi ExtWitness
// file (which adds `keys`) and an EEST zkevm fixture whose SSZ StatelessInput carries the same witness;
// hostile RLP is a BAD_INPUT EproofError; EngineWitnessCache serves, waits, evicts and falls back.
import { readFileSync } from "node:fs";
import { RLP } from "@ethereumjs/rlp";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { describe, expect, it } from "vitest";
import {
  decodeEngineWitness,
  ENGINE_WITNESS_METHOD,
  EngineWitnessCache,
  encodeEngineWitness,
  witnessFromEngineField,
} from "../../src/execution/engineWitness.ts";
import type { FetchedWitness, WitnessRequest, WitnessSource } from "../../src/execution/interface.ts";
import type { ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import { decodeStatelessInput, type ExecutionWitnessValue } from "../../src/spec/stateless.ts";
import { systemClock } from "../../src/util/clock.ts";
import { EproofError } from "../../src/util/errors.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { hoodi1151683 } from "./hoodiFixtures.ts";

const HOODI_WITNESS = new URL("../../../shared/fixtures/hoodi/1151683-witness.rlp", import.meta.url);
const EEST = new URL(
  "../../../shared/fixtures/eest-zkevm/for_amsterdam/amsterdam/eip8025_optional_proofs/witness_bytecodes_system_contracts/witness_codes_empty_block_has_system_contracts.json",
  import.meta.url,
);

const hexes = (xs: Uint8Array[]): string[] => xs.map(toHex);

function expectBadInput(f: () => unknown, pattern: RegExp): void {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(EproofError);
  expect((caught as EproofError).code).toBe("BAD_INPUT");
  expect((caught as EproofError).message).toMatch(pattern);
}

describe("engine witness RLP", () => {
  it("decodes geth's Hoodi 1151683 witness (keys ignored) and re-encodes it byte for byte", () => {
    const file = new Uint8Array(readFileSync(HOODI_WITNESS));
    const fixture = hoodi1151683();
    const w = decodeEngineWitness(file);
    expect(hexes(w.headers)).toEqual(fixture.witnessJson.headers);
    expect(hexes(w.codes)).toEqual(fixture.witnessJson.codes);
    expect(hexes(w.state)).toEqual(fixture.witnessJson.state);
    // Headers keep their exact encoding: the newest one hashes to the block's parent hash.
    const last = w.headers.at(-1) as Uint8Array;
    expect(toHex(keccak_256(last))).toBe(toHex(fixture.npr.value.executionPayload.parentHash));
    // The three-field list geth would send without `keys`.
    const top = RLP.decode(file) as unknown[];
    const threeFields = RLP.encode(top.slice(0, 3) as never);
    expect(toHex(encodeEngineWitness(w))).toBe(toHex(threeFields));
    expect(decodeEngineWitness(encodeEngineWitness(w))).toEqual(w);
  });

  it("round-trips an EEST zkevm witness to the witness inside its SSZ StatelessInput", () => {
    const json = JSON.parse(readFileSync(EEST, "utf8")) as Record<
      string,
      {
        blocks: {
          executionWitness: Record<"state" | "codes" | "headers", string[]>;
          statelessInputBytes: string;
        }[];
      }
    >;
    const block = Object.values(json)[0]?.blocks[0];
    if (!block) throw new Error("fixture has no block");
    const w: ExecutionWitnessValue = {
      state: block.executionWitness.state.map((h) => fromHex(h)),
      codes: block.executionWitness.codes.map((h) => fromHex(h)),
      headers: block.executionWitness.headers.map((h) => fromHex(h)),
    };
    const field = toHex(encodeEngineWitness(w));
    const back = witnessFromEngineField(field);
    expect(back).toEqual(w);
    const ssz = decodeStatelessInput(fromHex(block.statelessInputBytes)).value.witness;
    expect(hexes(back.headers)).toEqual(hexes(ssz.headers));
    expect(hexes(back.codes).sort()).toEqual(hexes(ssz.codes).sort());
    expect(hexes(back.state).sort()).toEqual(hexes(ssz.state).sort());
  });

  it("decodes empty lists and an item-less witness list as an error", () => {
    expect(decodeEngineWitness(RLP.encode([[], [], []]))).toEqual({ headers: [], codes: [], state: [] });
    expectBadInput(() => decodeEngineWitness(RLP.encode([[], []])), /state field is missing/);
    expectBadInput(() => decodeEngineWitness(RLP.encode([])), /headers field is missing/);
  });

  it("turns hostile or malformed input into BAD_INPUT, never another exception", () => {
    const header = [Uint8Array.of(1), Uint8Array.of(2)];
    expectBadInput(() => decodeEngineWitness(Uint8Array.of()), /witness is not an RLP list/);
    expectBadInput(() => decodeEngineWitness(Uint8Array.of(0x81, 0x00)), /not decodable RLP/); // non-canonical
    expectBadInput(() => decodeEngineWitness(Uint8Array.of(0xc3, 0xc2, 0xc0)), /not decodable RLP/); // truncated
    expectBadInput(() => decodeEngineWitness(Uint8Array.of(0xc0, 0xc0)), /not decodable RLP/); // trailing bytes
    expectBadInput(() => decodeEngineWitness(RLP.encode(Uint8Array.of(1, 2))), /witness is not an RLP list/);
    expectBadInput(() => decodeEngineWitness(RLP.encode([Uint8Array.of(1), [], []])), /headers is not/);
    expectBadInput(() => decodeEngineWitness(RLP.encode([[Uint8Array.of(7)], [], []])), /headers\[0\]/);
    expectBadInput(
      () => decodeEngineWitness(RLP.encode([[header], [[]], []])),
      /codes\[0\] is not an RLP byte/,
    );
    expectBadInput(
      () => decodeEngineWitness(RLP.encode([[header], [], [Uint8Array.of(1), []]])),
      /state\[1\]/,
    );
    const many = Array.from({ length: 257 }, () => header);
    expectBadInput(() => decodeEngineWitness(RLP.encode([many, [], []])), /257 headers/);
    const huge = [new Uint8Array(2000)];
    expectBadInput(() => decodeEngineWitness(RLP.encode([[huge], [], []])), /headers\[0\] is \d+ bytes/);
    // A deeply nested list: 200k levels of `0xf9 len len` wrappers around an empty list.
    const depth = 200_000;
    const deep = new Uint8Array(depth * 4 + 1);
    for (let i = 0; i < depth; i++) {
      const inner = (depth - i - 1) * 4 + 1;
      deep.set([0xfa, (inner >> 16) & 0xff, (inner >> 8) & 0xff, inner & 0xff], i * 4);
    }
    deep[depth * 4] = 0xc0;
    expectBadInput(() => decodeEngineWitness(deep), /nest deeper than 4/);
    expectBadInput(() => decodeEngineWitness(RLP.encode([[[[[[]]]]], [], []])), /nest deeper/);
    expectBadInput(() => decodeEngineWitness(Uint8Array.of(0xc2, 0xc3, 0x01)), /overruns/);
    expectBadInput(() => decodeEngineWitness(Uint8Array.of(0xbb, 0xff, 0xff, 0xff, 0xff)), /overruns/);
    expectBadInput(() => witnessFromEngineField("0xzz"), /witness is not 0x-prefixed/);
    expectBadInput(() => witnessFromEngineField(42), /not hex DATA/);
    expectBadInput(() => witnessFromEngineField(null), /null/);
  });
});

/** A fallback source that records its requests and answers with a fixed witness. */
class RecordingSource implements WitnessSource {
  readonly requests: WitnessRequest[] = [];
  private readonly witness: ExecutionWitnessValue;
  constructor(witness: ExecutionWitnessValue) {
    this.witness = witness;
  }
  async fetchWitness(req: WitnessRequest): Promise<FetchedWitness> {
    this.requests.push(req);
    return { witness: this.witness, method: "debug_executionWitness", ms: 1 };
  }
}

const W_ENGINE: ExecutionWitnessValue = {
  headers: [],
  codes: [Uint8Array.of(0x60)],
  state: [Uint8Array.of(1)],
};
const W_RPC: ExecutionWitnessValue = { headers: [], codes: [], state: [Uint8Array.of(2)] };

function hash(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

function nprWithHash(n: number): ForkedNewPayloadRequest {
  return {
    fork: "gloas",
    value: { executionPayload: { blockHash: hash(n) } },
  } as unknown as ForkedNewPayloadRequest;
}

const req = (n: number): WitnessRequest => ({ blockHash: hash(n), blockNumber: n });

describe("EngineWitnessCache", () => {
  it("serves a delivered witness without asking the fallback, and asks it for unknown blocks", async () => {
    const rpc = new RecordingSource(W_RPC);
    const cache = new EngineWitnessCache(rpc, { clock: systemClock });
    cache.expectWitness(hash(1));
    cache.onPayloadWitness(nprWithHash(1), W_ENGINE);
    const got = await cache.fetchWitness(req(1));
    expect(got.method).toBe(ENGINE_WITNESS_METHOD);
    expect(got.witness).toBe(W_ENGINE);
    expect((await cache.fetchWitness(req(2))).witness).toBe(W_RPC);
    expect(rpc.requests.map((r) => r.blockNumber)).toEqual([2]);
  });

  it("waits for an in-flight witness, and falls back once the gateway says none comes", async () => {
    const rpc = new RecordingSource(W_RPC);
    const cache = new EngineWitnessCache(rpc, { clock: systemClock }, { pendingWaitMs: 10_000 });
    cache.expectWitness(hash(1));
    cache.expectWitness(hash(2));
    const first = cache.fetchWitness(req(1));
    const second = cache.fetchWitness(req(2));
    cache.onPayloadWitness(nprWithHash(1), W_ENGINE);
    cache.noWitness(hash(2));
    expect((await first).witness).toBe(W_ENGINE);
    expect((await second).witness).toBe(W_RPC);
    expect(rpc.requests.map((r) => r.blockNumber)).toEqual([2]);
  });

  it("stops waiting after pendingWaitMs and honours an abort", async () => {
    const rpc = new RecordingSource(W_RPC);
    const cache = new EngineWitnessCache(rpc, { clock: systemClock }, { pendingWaitMs: 20 });
    cache.expectWitness(hash(1));
    expect((await cache.fetchWitness(req(1))).witness).toBe(W_RPC);
    cache.expectWitness(hash(3));
    const ctrl = new AbortController();
    const waiting = cache.fetchWitness(req(3), ctrl.signal);
    ctrl.abort(new Error("block orphaned"));
    await expect(waiting).rejects.toThrow(/orphaned/);
  });

  it("keeps at most maxEntries witnesses, evicting the oldest", async () => {
    const rpc = new RecordingSource(W_RPC);
    const cache = new EngineWitnessCache(rpc, { clock: systemClock }, { maxEntries: 2 });
    for (const n of [1, 2, 3]) cache.onPayloadWitness(nprWithHash(n), W_ENGINE);
    expect(cache.size).toBe(2);
    expect([cache.has(hash(1)), cache.has(hash(2)), cache.has(hash(3))]).toEqual([false, true, true]);
    expect((await cache.fetchWitness(req(1))).witness).toBe(W_RPC);
    expect(() => new EngineWitnessCache(rpc, { clock: systemClock }, { maxEntries: 0 })).toThrow(
      /maxEntries/,
    );
  });
});
