// The Engine API gateway over real HTTP: JWT auth, VALID only after k verified proofs, SYNCING,
// forwarding to a real JSON-RPC upstream, forkchoiceUpdated, and JSON-RPC edge cases.
import { ssz } from "@lodestar/types";
import { afterEach, describe, expect, it } from "vitest";
import type { ForkchoiceNotification } from "../../src/api/options.ts";
import { engineParamsFromNpr } from "../../src/gateway/enginePayload.ts";
import { parseJwtSecret, signJwt } from "../../src/gateway/jwt.ts";
import type { GatewayOpts, NewPayloadVerdict } from "../../src/gateway/options.ts";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { executionNprRoot } from "../../src/spec/stateless.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { fixtureNpr, NPR_ROOT } from "../api/support/harness.ts";
import { openRealService, type RealService } from "../api/support/realService.ts";
import { UpstreamEl } from "./support/upstreamEl.ts";

const CL_SECRET = parseJwtSecret("c1".repeat(32));
const EL_SECRET = parseJwtSecret("e1".repeat(32));
const BLOCK_HASH = toHex(fixtureNpr().npr.value.executionPayload.blockHash);
const ROOT = fromHex(NPR_ROOT);

interface Running {
  url: string;
  gateway: Gateway;
  real: RealService;
  upstream?: UpstreamEl;
  fcus: ForkchoiceNotification[];
  verdicts: NewPayloadVerdict[];
  authFailures: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(opts: Partial<GatewayOpts>, withUpstream = false): Promise<Running> {
  const real = await openRealService();
  cleanups.push(() => real.cleanup());
  let upstream: UpstreamEl | undefined;
  if (withUpstream) {
    upstream = new UpstreamEl(EL_SECRET);
    await upstream.start();
    const el = upstream;
    cleanups.push(() => el.stop());
  }
  const fcus: ForkchoiceNotification[] = [];
  const verdicts: NewPayloadVerdict[] = [];
  const authFailures: string[] = [];
  const gateway = createGateway(
    {
      port: 0,
      jwtSecret: CL_SECRET,
      waitMs: 50,
      ...(upstream ? { upstream: { url: upstream.url, jwtSecret: EL_SECRET, timeoutMs: 2000 } } : {}),
      ...opts,
    },
    {
      logger: silentLogger(),
      proofService: real.service,
      store: real.store,
      metrics: {
        recordRpcCall: () => {},
        recordNewPayload: (v) => verdicts.push(v),
        recordAuthFailure: (r) => authFailures.push(r),
        recordUpstreamCall: () => {},
      },
      onForkchoiceUpdated: (f) => {
        fcus.push(f);
      },
    },
  );
  const { port } = await gateway.start();
  cleanups.push(() => gateway.stop());
  return { url: `http://127.0.0.1:${port}/`, gateway, real, upstream, fcus, verdicts, authFailures };
}

function auth(secret = CL_SECRET, iat = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { authorization: `Bearer ${signJwt(secret, iat)}`, "content-type": "application/json" };
}

async function rpcRaw(r: Running, body: string, headers = auth()): Promise<Response> {
  return fetch(r.url, { method: "POST", headers, body });
}

async function rpc(
  r: Running,
  method: string,
  params: unknown[],
  id: number | string = 1,
): Promise<Record<string, unknown>> {
  const res = await rpcRaw(r, JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

function newPayloadCall(): { method: string; params: unknown[] } {
  return engineParamsFromNpr(fixtureNpr().npr);
}

async function newPayload(r: Running): Promise<Record<string, unknown>> {
  const { method, params } = newPayloadCall();
  return rpc(r, method, params);
}

const FCU_STATE = {
  headBlockHash: BLOCK_HASH,
  safeBlockHash: `0x${"00".repeat(32)}`,
  finalizedBlockHash: `0x${"00".repeat(32)}`,
};

describe("JWT authentication", () => {
  it("answers 401 without a token, with an expired one and with a wrong secret; 200 with a valid one", async () => {
    const r = await start({ mode: "proofs-only" });
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "engine_exchangeCapabilities",
      params: [[]],
    });
    expect((await rpcRaw(r, body, { "content-type": "application/json" })).status).toBe(401);
    expect((await rpcRaw(r, body, auth(CL_SECRET, Math.floor(Date.now() / 1000) - 120))).status).toBe(401);
    const wrong = await rpcRaw(r, body, auth(EL_SECRET));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 401 });
    expect(r.authFailures).toEqual(["missing", "iat_window", "signature"]);
    expect((await rpcRaw(r, body)).status).toBe(200);
  });

  it("refuses to start without a JWT secret", () => {
    expect(() => createGateway({ port: 0 }, { logger: silentLogger(), proofService: {} as never })).toThrow(
      /JWT secret/,
    );
  });
});

describe("engine_newPayload, proofs-only", () => {
  it("is SYNCING without proofs, stays SYNCING below k, and VALID once k verified proofs exist", async () => {
    const r = await start({ mode: "proofs-only", k: 2 });
    expect(await newPayload(r)).toEqual({
      jsonrpc: "2.0",
      id: 1,
      result: { status: "SYNCING", latestValidHash: null, validationError: null },
    });
    // The payload was handed to the proof service so gossip for it is accepted.
    await expect.poll(() => r.real.service.isKnownPayload(ROOT)).toBe(true);

    await r.real.gossip(ROOT, 5, 10, true);
    await r.real.gossip(ROOT, 6, 11, false); // present but not verified: does not count
    expect((await newPayload(r)).result).toMatchObject({ status: "SYNCING" });

    await r.real.gossip(ROOT, 6, 12, true);
    expect((await newPayload(r)).result).toEqual({
      status: "VALID",
      latestValidHash: BLOCK_HASH,
      validationError: null,
    });
    expect(r.verdicts).toEqual(["SYNCING", "SYNCING", "VALID"]);
  });

  it("counts only allow-listed proof types", async () => {
    const r = await start({ mode: "proofs-only", k: 1, allowedProofTypes: [6] });
    await r.real.gossip(ROOT, 5, 10, true);
    expect((await newPayload(r)).result).toMatchObject({ status: "SYNCING" });
    await r.real.gossip(ROOT, 6, 10, true);
    expect((await newPayload(r)).result).toMatchObject({ status: "VALID" });
  });

  it("waits within its budget for a proof that arrives late", async () => {
    const r = await start({ mode: "proofs-only", k: 1, waitMs: 10_000 });
    const pending = newPayload(r);
    setTimeout(() => void r.real.gossip(ROOT, 5, 3, true), 100);
    expect((await pending).result).toMatchObject({ status: "VALID", latestValidHash: BLOCK_HASH });
  });

  it("judges a V2 (Capella) payload by its Capella NPR, and never answers VALID for a V1-shaped one", async () => {
    const r = await start({ mode: "proofs-only" });
    const capella = ssz.capella.NewPayloadRequest.defaultValue();
    capella.executionPayload.blockHash = new Uint8Array(32).fill(0xca);
    const capellaRoot = nprRoot({ fork: "capella", value: capella });
    const { params } = engineParamsFromNpr({ fork: "capella", value: capella });
    expect((await rpc(r, "engine_newPayloadV2", params)).result).toMatchObject({ status: "SYNCING" });
    await r.real.gossip(capellaRoot, 5, 3, true);
    expect((await rpc(r, "engine_newPayloadV2", params)).result).toEqual({
      status: "VALID",
      latestValidHash: `0x${"ca".repeat(32)}`,
      validationError: null,
    });
    const v1 = { ...(params[0] as Record<string, unknown>) };
    delete v1.withdrawals;
    expect((await rpc(r, "engine_newPayloadV2", [v1])).result).toMatchObject({ status: "SYNCING" });
  });

  it("judges a V5 (Gloas) payload by the root its proofs are about: the guests' execution-layer root", async () => {
    const r = await start({ mode: "proofs-only" });
    const gloas = ssz.gloas.NewPayloadRequest.defaultValue();
    gloas.executionPayload.blockHash = new Uint8Array(32).fill(0x9a);
    const npr = { fork: "gloas" as const, value: gloas };
    const elRoot = executionNprRoot(npr);
    expect(toHex(elRoot)).not.toBe(toHex(nprRoot(npr)));
    const { method, params } = engineParamsFromNpr(npr);
    expect((await rpc(r, method, params)).result).toMatchObject({ status: "SYNCING" });
    await expect.poll(() => r.real.service.isKnownPayload(elRoot)).toBe(true);
    // A proof about the consensus-form root does not count; one about the guests' root does.
    await r.real.gossip(elRoot, 5, 3, true);
    expect((await rpc(r, method, params)).result).toEqual({
      status: "VALID",
      latestValidHash: `0x${"9a".repeat(32)}`,
      validationError: null,
    });
  });

  it("answers -32602 for malformed payload params", async () => {
    const r = await start({ mode: "proofs-only" });
    const { method, params } = newPayloadCall();
    const bad = [{ ...(params[0] as Record<string, unknown>), timestamp: "12" }, ...params.slice(1)];
    expect((await rpc(r, method, bad)).error).toMatchObject({ code: -32602 });
    expect((await rpc(r, method, params.slice(0, 2))).error).toMatchObject({ code: -32602 });
  });
});

describe("engine_newPayload, proofs-or-el", () => {
  it("forwards to the upstream when proofs are missing and returns its answer", async () => {
    const r = await start({ mode: "proofs-or-el" }, true);
    const el = r.upstream as UpstreamEl;
    el.replies.set("engine_newPayloadV4", {
      result: {
        status: "INVALID",
        latestValidHash: `0x${"ee".repeat(32)}`,
        validationError: "bad state root",
      },
    });
    const { method, params } = newPayloadCall();
    const answer = await rpc(r, method, params, "abc");
    expect(answer).toEqual({
      jsonrpc: "2.0",
      id: "abc",
      result: {
        status: "INVALID",
        latestValidHash: `0x${"ee".repeat(32)}`,
        validationError: "bad state root",
      },
    });
    expect(el.callsOf(method)).toEqual([{ method, params }]);
    expect(el.authFailures).toBe(0);
    expect(r.verdicts).toEqual(["upstream"]);
  });

  it("answers VALID from proofs without waiting for the upstream, which still receives the payload", async () => {
    const r = await start({ mode: "proofs-or-el" }, true);
    const el = r.upstream as UpstreamEl;
    el.replies.set("engine_newPayloadV4", {
      result: { status: "SYNCING", latestValidHash: null, validationError: null },
    });
    await r.real.gossip(ROOT, 5, 1, true);
    expect((await newPayload(r)).result).toMatchObject({ status: "VALID", latestValidHash: BLOCK_HASH });
    await expect.poll(() => el.callsOf("engine_newPayloadV4").length).toBe(1);
  });

  it("answers SYNCING, never INVALID, when the upstream is unreachable", async () => {
    const r = await start({ mode: "proofs-or-el", upstream: { url: "http://127.0.0.1:1/", timeoutMs: 500 } });
    expect((await newPayload(r)).result).toEqual({
      status: "SYNCING",
      latestValidHash: null,
      validationError: null,
    });
  });

  it("passes the upstream's JSON-RPC error through", async () => {
    const r = await start({ mode: "proofs-or-el" }, true);
    (r.upstream as UpstreamEl).replies.set("engine_newPayloadV4", {
      error: { code: -38005, message: "Unsupported fork" },
    });
    expect((await newPayload(r)).error).toEqual({ code: -38005, message: "Unsupported fork" });
  });
});

describe("engine_forkchoiceUpdated", () => {
  it("is SYNCING for an unknown head and VALID once the head's payload has k proofs", async () => {
    const r = await start({ mode: "proofs-only" });
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [FCU_STATE, null])).result).toEqual({
      payloadStatus: { status: "SYNCING", latestValidHash: null, validationError: null },
      payloadId: null,
    });
    await newPayload(r);
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [FCU_STATE, null])).result).toMatchObject({
      payloadStatus: { status: "SYNCING" },
    });
    await r.real.gossip(ROOT, 6, 1, true);
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [FCU_STATE, null])).result).toEqual({
      payloadStatus: { status: "VALID", latestValidHash: BLOCK_HASH, validationError: null },
      payloadId: null,
    });
    expect(r.fcus).toHaveLength(3);
    expect(toHex(r.fcus[0]?.headBlockHash ?? new Uint8Array())).toBe(BLOCK_HASH);
  });

  it("finds a head it never saw in newPayload through the store (e.g. after a restart)", async () => {
    const r = await start({ mode: "proofs-only" });
    await r.real.service.notifyPayload(fixtureNpr().npr, { slot: 3 });
    await r.real.gossip(ROOT, 5, 1, true);
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [FCU_STATE, null])).result).toMatchObject({
      payloadStatus: { status: "VALID", latestValidHash: BLOCK_HASH },
    });
  });

  it("sends payload building to the upstream, and says clearly when there is none", async () => {
    const attrs = {
      timestamp: "0x1",
      prevRandao: FCU_STATE.safeBlockHash,
      suggestedFeeRecipient: `0x${"00".repeat(20)}`,
    };
    const none = await start({ mode: "proofs-only" });
    const err = (await rpc(none, "engine_forkchoiceUpdatedV3", [FCU_STATE, attrs])).error as {
      code: number;
      message: string;
    };
    expect(err.code).toBe(-32000);
    expect(err.message).toContain("upstream");

    const r = await start({ mode: "proofs-only" }, true);
    const answer = {
      payloadStatus: { status: "VALID", latestValidHash: BLOCK_HASH, validationError: null },
      payloadId: "0x0102030405060708",
    };
    (r.upstream as UpstreamEl).replies.set("engine_forkchoiceUpdatedV3", { result: answer });
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [FCU_STATE, attrs])).result).toEqual(answer);
  });

  it("answers -32602 for a malformed forkchoice state", async () => {
    const r = await start({ mode: "proofs-only" });
    expect(
      (await rpc(r, "engine_forkchoiceUpdatedV3", [{ headBlockHash: "0x12" }, null])).error,
    ).toMatchObject({ code: -32602 });
    expect((await rpc(r, "engine_forkchoiceUpdatedV3", [])).error).toMatchObject({ code: -32602 });
  });
});

describe("forwarded methods", () => {
  it("forwards getPayload / exchangeCapabilities upstream, or answers a clear error without one", async () => {
    const none = await start({ mode: "proofs-only" });
    const err = (await rpc(none, "engine_getPayloadV4", ["0x0102030405060708"])).error as {
      code: number;
      message: string;
    };
    expect(err.code).toBe(-32000);
    expect(err.message).toMatch(/engine_getPayloadV4 needs an upstream/);
    expect((await rpc(none, "engine_doesNotExist", [])).error).toMatchObject({ code: -32601 });

    const r = await start({ mode: "proofs-only" }, true);
    (r.upstream as UpstreamEl).replies.set("engine_exchangeCapabilities", {
      result: ["engine_newPayloadV4"],
    });
    expect((await rpc(r, "engine_exchangeCapabilities", [["engine_newPayloadV4"]], 7)).result).toEqual([
      "engine_newPayloadV4",
    ]);
  });
});

describe("JSON-RPC edge cases", () => {
  it("answers parse errors, invalid requests and bad params per JSON-RPC 2.0", async () => {
    const r = await start({ mode: "proofs-only" });
    const parse = await rpcRaw(r, "{not json");
    expect(parse.status).toBe(200);
    expect(await parse.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    expect(await (await rpcRaw(r, JSON.stringify({ id: 4, method: "x" }))).json()).toMatchObject({
      id: 4,
      error: { code: -32600 },
    });
    expect(
      await (await rpcRaw(r, JSON.stringify({ jsonrpc: "2.0", id: 5, method: "x", params: {} }))).json(),
    ).toMatchObject({
      id: 5,
      error: { code: -32602 },
    });
    expect(await (await rpcRaw(r, "[]")).json()).toMatchObject({ error: { code: -32600 } });
    expect(await (await rpcRaw(r, "42")).json()).toMatchObject({ error: { code: -32600 } });
  });

  it("answers batches element by element, keeping ids", async () => {
    const r = await start({ mode: "proofs-only" });
    await r.real.gossip(ROOT, 5, 1, true);
    const { method, params } = newPayloadCall();
    const batch = [
      { jsonrpc: "2.0", id: 1, method, params },
      { jsonrpc: "2.0", id: 2, method: "engine_forkchoiceUpdatedV3", params: [{}, null] },
      { bad: true },
      { jsonrpc: "2.0", method: "engine_exchangeCapabilities", params: [[]] }, // notification: no answer
    ];
    const res = await rpcRaw(r, JSON.stringify(batch));
    const answers = (await res.json()) as Record<string, unknown>[];
    expect(answers).toHaveLength(3);
    expect(answers[0]).toMatchObject({ id: 1, result: { status: "VALID" } });
    expect(answers[1]).toMatchObject({ id: 2, error: { code: -32602 } });
    expect(answers[2]).toMatchObject({ id: null, error: { code: -32600 } });
  });

  it("refuses oversized bodies with 413 and oversized batches with -38004", async () => {
    const r = await start({ mode: "proofs-only", maxBodyBytes: 2048, maxBatchSize: 2 });
    const big = await rpcRaw(
      r,
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "x", params: ["a".repeat(4000)] }),
    );
    expect(big.status).toBe(413);
    const call = { jsonrpc: "2.0", id: 1, method: "engine_exchangeCapabilities", params: [[]] };
    expect(await (await rpcRaw(r, JSON.stringify([call, call, call]))).json()).toMatchObject({
      error: { code: -38004 },
    });
    // The gateway keeps serving afterwards.
    expect((await rpcRaw(r, JSON.stringify(call))).status).toBe(200);
  });

  it("answers 204 to a lone notification", async () => {
    const r = await start({ mode: "proofs-only" });
    const res = await rpcRaw(
      r,
      JSON.stringify({ jsonrpc: "2.0", method: "engine_exchangeCapabilities", params: [[]] }),
    );
    expect(res.status).toBe(204);
  });
});
