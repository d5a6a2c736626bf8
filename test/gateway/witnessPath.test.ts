// engine_newPayloadV5 through the gateway as engine_newPayloadWithWitnessV5, against real JSON-RPC
// execution clients over HTTP with JWT (UpstreamEl): the consensus client receives exactly the
// PayloadStatus, the witness (geth's real Hoodi 1151683 witness RLP) reaches the sink and the
// EngineWitnessCache, an EL without the method (-32601) gets the plain call and is not asked again,
// and malformed witnesses or other errors leave the consensus client's answer as the EL gave it.
import { readFileSync } from "node:fs";
import { ssz } from "@lodestar/types";
import { afterEach, describe, expect, it } from "vitest";
import {
  ENGINE_WITNESS_METHOD,
  EngineWitnessCache,
  type PayloadWitnessSink,
} from "../../src/execution/engineWitness.ts";
import type { FetchedWitness, WitnessRequest, WitnessSource } from "../../src/execution/interface.ts";
import { engineParamsFromNpr } from "../../src/gateway/enginePayload.ts";
import { parseJwtSecret, signJwt } from "../../src/gateway/jwt.ts";
import { WithWitnessProbe } from "../../src/gateway/methods/withWitness.ts";
import type { GatewayOpts } from "../../src/gateway/options.ts";
import { createGateway } from "../../src/gateway/server.ts";
import type { ForkedNewPayloadRequest } from "../../src/spec/newPayloadRequest.ts";
import type { ExecutionWitnessValue } from "../../src/spec/stateless.ts";
import { executionNprRoot } from "../../src/spec/stateless.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { fixtureNpr } from "../api/support/harness.ts";
import { openRealService, type RealService } from "../api/support/realService.ts";
import { hoodi1151683 } from "../execution/hoodiFixtures.ts";
import { UpstreamEl } from "./support/upstreamEl.ts";

const CL_SECRET = parseJwtSecret("c2".repeat(32));
const EL_SECRET = parseJwtSecret("e2".repeat(32));
const WITNESS_HEX = toHex(
  new Uint8Array(
    readFileSync(new URL("../../../shared/fixtures/hoodi/1151683-witness.rlp", import.meta.url)),
  ),
);
const V5 = "engine_newPayloadV5";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fallback witness source that records what it was asked (it stands in for debug_executionWitness). */
class RecordingSource implements WitnessSource {
  readonly requests: WitnessRequest[] = [];
  async fetchWitness(req: WitnessRequest): Promise<FetchedWitness> {
    this.requests.push(req);
    return { witness: { headers: [], codes: [], state: [] }, method: "debug_executionWitness", ms: 0 };
  }
}

/** Records what the gateway reports and passes it on to the real cache. */
class RecordingSink implements PayloadWitnessSink {
  readonly expected: string[] = [];
  readonly delivered: { blockHash: string; witness: ExecutionWitnessValue }[] = [];
  readonly none: { blockHash: string; reason: string }[] = [];
  readonly cache: EngineWitnessCache;
  constructor(cache: EngineWitnessCache) {
    this.cache = cache;
  }
  expectWitness(blockHash: Uint8Array): void {
    this.expected.push(toHex(blockHash));
    this.cache.expectWitness(blockHash);
  }
  onPayloadWitness(npr: ForkedNewPayloadRequest, witness: ExecutionWitnessValue): void {
    this.delivered.push({ blockHash: toHex(npr.value.executionPayload.blockHash), witness });
    this.cache.onPayloadWitness(npr, witness);
  }
  noWitness(blockHash: Uint8Array, reason: string): void {
    this.none.push({ blockHash: toHex(blockHash), reason });
    this.cache.noWitness(blockHash);
  }
}

interface Running {
  el: UpstreamEl;
  real: RealService;
  sink: RecordingSink;
  fallback: RecordingSource;
  call(method: string, params: unknown[]): Promise<Record<string, unknown>>;
}

async function start(opts: Partial<GatewayOpts> = {}): Promise<Running> {
  const real = await openRealService();
  cleanups.push(() => real.cleanup());
  const el = new UpstreamEl(EL_SECRET);
  await el.start();
  cleanups.push(() => el.stop());
  const fallback = new RecordingSource();
  const sink = new RecordingSink(
    new EngineWitnessCache(fallback, { clock: systemClock }, { pendingWaitMs: 2_000 }),
  );
  const gateway = createGateway(
    {
      port: 0,
      jwtSecret: CL_SECRET,
      mode: "proofs-or-el",
      waitMs: 20,
      upstream: { url: el.url, jwtSecret: EL_SECRET, timeoutMs: 5_000 },
      ...opts,
    },
    { logger: silentLogger(), proofService: real.service, store: real.store, payloadWitness: sink },
  );
  const { port } = await gateway.start();
  cleanups.push(() => gateway.stop());
  let id = 1;
  return {
    el,
    real,
    sink,
    fallback,
    async call(method, params) {
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${signJwt(CL_SECRET, Math.floor(Date.now() / 1000))}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: id++, method, params }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    },
  };
}

/** A Gloas payload with block number and hash `n` (engine_newPayloadV5). */
function gloasNpr(n: number): ForkedNewPayloadRequest {
  const value = ssz.gloas.NewPayloadRequest.defaultValue();
  value.executionPayload.blockNumber = n;
  value.executionPayload.slotNumber = n;
  value.executionPayload.blockHash = new Uint8Array(32).fill(n);
  value.executionPayload.blockAccessList = Uint8Array.of(0xc0);
  return { fork: "gloas", value };
}

const hashOf = (n: number): string => toHex(new Uint8Array(32).fill(n));
const status = (s: string, n: number) => ({ status: s, latestValidHash: hashOf(n), validationError: null });

describe("engine_newPayloadV5 → engine_newPayloadWithWitnessV5", () => {
  it("answers the consensus client with the PayloadStatus only and hands the witness to the cache", async () => {
    const r = await start();
    r.el.replies.set(ENGINE_WITNESS_METHOD, { result: { ...status("VALID", 7), witness: WITNESS_HEX } });
    const { method, params } = engineParamsFromNpr(gloasNpr(7));
    expect(method).toBe(V5);

    const answer = await r.call(method, params);
    expect(answer.result).toStrictEqual(status("VALID", 7));
    expect(r.el.calls).toEqual([{ method: ENGINE_WITNESS_METHOD, params }]);
    expect(r.el.authFailures).toBe(0);

    await expect.poll(() => r.sink.delivered.length).toBe(1);
    const fixture = hoodi1151683().witnessJson;
    const got = r.sink.delivered[0];
    expect(got?.blockHash).toBe(hashOf(7));
    expect(got?.witness.headers.map(toHex)).toEqual(fixture.headers);
    expect(got?.witness.codes.map(toHex)).toEqual(fixture.codes);
    expect(got?.witness.state.map(toHex)).toEqual(fixture.state);
    expect(r.sink.expected).toEqual([hashOf(7)]);
    expect(r.sink.none).toEqual([]);

    const fetched = await r.sink.cache.fetchWitness({
      blockHash: new Uint8Array(32).fill(7),
      blockNumber: 7,
    });
    expect(fetched.method).toBe(ENGINE_WITNESS_METHOD);
    expect(fetched.witness).toBe(got?.witness);
    expect(r.fallback.requests).toEqual([]);
  });

  it("sends the plain call after -32601 and does not try the witness method for the next block", async () => {
    const r = await start();
    // No reply for the witness method: UpstreamEl answers -32601 (method not found).
    r.el.replies.set(V5, { result: status("VALID", 1) });
    const first = engineParamsFromNpr(gloasNpr(1));
    expect((await r.call(V5, first.params)).result).toStrictEqual(status("VALID", 1));
    expect(r.el.calls.map((c) => c.method)).toEqual([ENGINE_WITNESS_METHOD, V5]);
    expect(r.el.callsOf(V5)).toEqual([{ method: V5, params: first.params }]);
    expect(r.sink.none.map((n) => n.blockHash)).toEqual([hashOf(1)]);

    r.el.replies.set(V5, { result: status("ACCEPTED", 2) });
    const second = engineParamsFromNpr(gloasNpr(2));
    expect((await r.call(V5, second.params)).result).toStrictEqual(status("ACCEPTED", 2));
    expect(r.el.calls.map((c) => c.method)).toEqual([ENGINE_WITNESS_METHOD, V5, V5]);
    expect(r.sink.expected).toEqual([hashOf(1)]);
    expect(r.sink.delivered).toEqual([]);
    // The proving side asks the fallback source for both blocks.
    await r.sink.cache.fetchWitness({ blockHash: new Uint8Array(32).fill(2), blockNumber: 2 });
    expect(r.fallback.requests.map((q) => q.blockNumber)).toEqual([2]);
  });

  it("keeps the consensus client's answer when the witness is malformed, and the cache falls back", async () => {
    const r = await start();
    for (const [n, witness] of [
      [3, "0xdeadbeef"],
      [4, "0xzz"],
      [5, 17],
    ] as const) {
      r.el.replies.set(ENGINE_WITNESS_METHOD, { result: { ...status("VALID", n), witness } });
      const { params } = engineParamsFromNpr(gloasNpr(n));
      expect((await r.call(V5, params)).result).toStrictEqual(status("VALID", n));
    }
    await expect.poll(() => r.sink.none.length).toBe(3);
    expect(r.sink.none.map((x) => x.blockHash)).toEqual([hashOf(3), hashOf(4), hashOf(5)]);
    for (const x of r.sink.none) expect(x.reason).toMatch(/^engine witness: /);
    expect(r.sink.delivered).toEqual([]);
    await r.sink.cache.fetchWitness({ blockHash: new Uint8Array(32).fill(3), blockNumber: 3 });
    expect(r.fallback.requests.map((q) => q.blockNumber)).toEqual([3]);
    // Each payload went up once, always with the witness method (it is served).
    expect(r.el.calls.map((c) => c.method)).toEqual([
      ENGINE_WITNESS_METHOD,
      ENGINE_WITNESS_METHOD,
      ENGINE_WITNESS_METHOD,
    ]);
  });

  it("drops the witness of a non-VALID status and passes other JSON-RPC errors through without a plain call", async () => {
    const r = await start();
    r.el.replies.set(ENGINE_WITNESS_METHOD, {
      result: {
        status: "INVALID",
        latestValidHash: hashOf(0),
        validationError: "bad state root",
        witness: WITNESS_HEX,
      },
    });
    const { params } = engineParamsFromNpr(gloasNpr(8));
    expect((await r.call(V5, params)).result).toStrictEqual({
      status: "INVALID",
      latestValidHash: hashOf(0),
      validationError: "bad state root",
    });
    expect(r.sink.none).toEqual([{ blockHash: hashOf(8), reason: "status INVALID" }]);

    r.el.replies.set(ENGINE_WITNESS_METHOD, { error: { code: -38005, message: "Unsupported fork" } });
    const next = engineParamsFromNpr(gloasNpr(9));
    expect((await r.call(V5, next.params)).error).toEqual({ code: -38005, message: "Unsupported fork" });
    expect(r.el.calls.map((c) => c.method)).toEqual([ENGINE_WITNESS_METHOD, ENGINE_WITNESS_METHOD]);
    expect(r.sink.delivered).toEqual([]);
  });

  it("answers VALID from proofs while the one witness call (started at once) still feeds the cache", async () => {
    for (const mode of ["proofs-or-el", "proofs-only"] as const) {
      const r = await start({ mode });
      const npr = gloasNpr(10);
      r.el.replies.set(ENGINE_WITNESS_METHOD, { result: { ...status("VALID", 10), witness: WITNESS_HEX } });
      // Proofs of a Gloas payload are about the guests' (execution-layer) root.
      await r.real.gossip(executionNprRoot(npr), 5, 1, true);
      const { params } = engineParamsFromNpr(npr);
      expect((await r.call(V5, params)).result).toStrictEqual(status("VALID", 10));
      // The mirrored call is the witness call, sent once.
      await expect.poll(() => r.sink.delivered.length).toBe(1);
      expect(r.el.calls.map((c) => c.method)).toEqual([ENGINE_WITNESS_METHOD]);
    }
  });

  it("sends other versions, and V5 with witnessFromEngine off, as they are", async () => {
    const r = await start({ witnessFromEngine: false });
    r.el.replies.set(V5, { result: status("VALID", 6) });
    const { params } = engineParamsFromNpr(gloasNpr(6));
    expect((await r.call(V5, params)).result).toStrictEqual(status("VALID", 6));
    expect(r.el.calls.map((c) => c.method)).toEqual([V5]);

    const on = await start();
    const v4 = engineParamsFromNpr(fixtureNpr().npr);
    on.el.replies.set(v4.method, {
      result: { status: "SYNCING", latestValidHash: null, validationError: null },
    });
    await on.call(v4.method, v4.params);
    expect(on.el.calls.map((c) => c.method)).toEqual([v4.method]);
    expect(on.sink.expected).toEqual([]);
  });
});

describe("WithWitnessProbe", () => {
  it("is usable until -32601, then again only after reprobeMs or once the method answered", () => {
    let now = 1_000;
    const probe = new WithWitnessProbe(60_000, () => now);
    expect(probe.usable()).toBe(true);
    probe.markUnsupported();
    expect(probe.usable()).toBe(false);
    now += 59_999;
    expect(probe.usable()).toBe(false);
    now += 1;
    expect(probe.usable()).toBe(true);
    probe.markSupported();
    expect(probe.unsupported).toBe(false);
  });
});
