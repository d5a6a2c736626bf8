import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/beacon/upstreamError.ts";
import { JsonRpcClient, RpcError } from "../../src/execution/jsonRpcClient.ts";
import { systemClock } from "../../src/util/clock.ts";
import { RpcTestServer } from "./rpcTestServer.ts";

describe("JsonRpcClient", () => {
  const server = new RpcTestServer();
  beforeAll(async () => {
    await server.start();
    server.handlers.set("eth_chainId", () => "0x3018e4");
    server.handlers.set("echo", (p) => p[0]);
  });
  afterAll(() => server.stop());
  const client = (timeoutMs = 2000, jwtSecret?: Uint8Array) =>
    new JsonRpcClient({ url: server.url, timeoutMs, jwtSecret, maxBatchSize: 3 }, { clock: systemClock });

  it("makes single calls and matches batch answers by id, in chunks", async () => {
    expect(await client().call("eth_chainId", [])).toBe("0x3018e4");
    const before = server.calls.length;
    const out = await client().batch([1, 2, 3, 4, 5].map((n) => ({ method: "echo", params: [n] })));
    expect(out.map((o) => (o.ok ? o.result : "err"))).toEqual([1, 2, 3, 4, 5]);
    expect(server.calls.length - before).toBe(5);
  });

  it("surfaces RPC errors per call, and recognises a missing method", async () => {
    const out = await client().batch([
      { method: "echo", params: ["a"] },
      { method: "debug_executionWitness", params: ["0x1"] },
    ]);
    expect(out[0]).toEqual({ ok: true, result: "a" });
    const second = out[1];
    expect(second?.ok).toBe(false);
    if (second && !second.ok) expect(second.error.methodMissing).toBe(true);
    await expect(client().call("nope", [])).rejects.toBeInstanceOf(RpcError);
  });

  it("times out a call that never answers, as an UpstreamError of kind timeout", async () => {
    server.hang.add("slow");
    const err = await client(100)
      .call("slow", [])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ kind: "timeout", code: "TIMEOUT" });
    expect(String((err as Error).message)).toContain("slow");
  });

  it("reports HTTP failures and unreachable endpoints", async () => {
    server.httpStatus = 503;
    await expect(client().call("eth_chainId", [])).rejects.toMatchObject({
      kind: "http_status",
      status: 503,
    });
    server.httpStatus = 200;
    await expect(
      new JsonRpcClient({ url: "http://127.0.0.1:1" }, { clock: systemClock }).call("eth_chainId", []),
    ).rejects.toMatchObject({ kind: "connect" });
  });

  it("signs an HS256 JWT with iat when a secret is configured", async () => {
    const secret = new Uint8Array(32).fill(9);
    await client(2000, secret).call("eth_chainId", []);
    const auth = server.authHeaders.at(-1) ?? "";
    const [h, p, s] = auth.replace("Bearer ", "").split(".");
    const expected = Buffer.from(hmac(sha256, secret, new TextEncoder().encode(`${h}.${p}`))).toString(
      "base64url",
    );
    expect(s).toBe(expected);
    const iat = JSON.parse(Buffer.from(p ?? "", "base64url").toString()).iat;
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(60);
  });
});
