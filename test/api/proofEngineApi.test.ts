// Contract tests of the zkboost-compatible proof-engine API, written from zkboost's openapi.json
// (v0.7 query-parameter form): status codes, bodies, the error shape, SSE replay and failure events.
// Runs on the real proof service and store; only the prover is a test backend.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProofEvent } from "../../src/proving/interface.ts";
import { encodeNpr, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { bytesEqual, fromHex, toHex } from "../../src/util/hex.ts";
import { type ApiHarness, fixtureNpr, NPR_ROOT, openSse, startApi } from "./support/harness.ts";
import { otherNpr, validProofData } from "./support/realService.ts";

let h: ApiHarness;
beforeEach(async () => {
  h = await startApi({ sseKeepAliveMs: 15_000, maxBodyBytes: 4096 });
});
afterEach(async () => {
  await h.close();
});

const ROOT = fromHex(NPR_ROOT);
const OTHER = otherNpr(fixtureNpr().npr);
const OTHER_ROOT = toHex(nprRoot(OTHER));

function postRequest(query: string, body: Uint8Array<ArrayBuffer> = fixtureNpr().bytes): Promise<Response> {
  return fetch(`${h.base}/v1/execution_proof_requests${query}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream" },
    body,
  });
}

async function expectError(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/json");
  const body = (await res.json()) as { code: number; message: string };
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  return body.message;
}

/** Resolves at the first service event matching `pred`, including ones already in the recent ring. */
function serviceEvent(pred: (e: ProofEvent) => boolean): Promise<ProofEvent> {
  const seen = h.real.service.recentEvents().find(pred);
  if (seen) return Promise.resolve(seen);
  return new Promise((resolve) => {
    const off = h.real.service.subscribe((e) => {
      if (pred(e)) {
        off();
        resolve(e);
      }
    });
  });
}

const completed = (root: string, type: number) => (e: ProofEvent) =>
  e.type === "proof_complete" && e.proofType === type && toHex(e.newPayloadRequestRoot) === root;

describe("POST /v1/execution_proof_requests", () => {
  it("accepts an SSZ NewPayloadRequest, answers its root and proves the requested types", async () => {
    const res = await postRequest("?proof_types=reth-sp1,reth-zisk");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ new_payload_request_root: NPR_ROOT });
    await serviceEvent(completed(NPR_ROOT, 5));
    await serviceEvent(completed(NPR_ROOT, 6));
    expect(h.real.service.isKnownPayload(ROOT)).toBe(true);
  });

  it("accepts a duplicate in-flight request with the same root", async () => {
    const [a, b] = await Promise.all([
      postRequest("?proof_types=reth-sp1"),
      postRequest("?proof_types=reth-sp1"),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(await b.json()).toEqual({ new_payload_request_root: NPR_ROOT });
  });

  it.each([
    ["missing proof_types", ""],
    ["empty proof_types", "?proof_types="],
    ["duplicate proof types", "?proof_types=reth-sp1,reth-sp1"],
    ["unknown proof type", "?proof_types=reth-risc0"],
    ["a type this node cannot prove", "?proof_types=ethrex-zisk"],
  ])("answers 400 for %s", async (_name, query) => {
    await expectError(await postRequest(query), 400);
    expect(h.real.service.isKnownPayload(ROOT)).toBe(false);
  });

  it("answers 400 for bytes that are no NewPayloadRequest and for an empty body", async () => {
    const msg = await expectError(await postRequest("?proof_types=reth-sp1", Uint8Array.of(1, 2, 3)), 400);
    expect(msg).toContain("invalid SSZ body");
    await expectError(await postRequest("?proof_types=reth-sp1", new Uint8Array(0)), 400);
  });

  it("answers 413 for a body over the limit", async () => {
    await expectError(await postRequest("?proof_types=reth-sp1", new Uint8Array(5000)), 413);
  });
});

describe("GET /v1/execution_proof_requests (SSE)", () => {
  it("replays cached completions for a root to a late subscriber, and nothing of other roots", async () => {
    h.real.witnessless.add(OTHER_ROOT);
    await postRequest("?proof_types=reth-sp1");
    await postRequest("?proof_types=reth-zisk", new Uint8Array(encodeNpr(OTHER)));
    await serviceEvent(completed(NPR_ROOT, 5));
    await serviceEvent((e) => e.type === "proof_failure" && toHex(e.newPayloadRequestRoot) === OTHER_ROOT);

    const sse = await openSse(`${h.base}/v1/execution_proof_requests?new_payload_request_root=${NPR_ROOT}`);
    expect(sse.status).toBe(200);
    const [replayed] = await sse.next(1);
    expect(replayed).toEqual({
      event: "proof_complete",
      data: { new_payload_request_root: NPR_ROOT, proof_type: "reth-sp1" },
    });
    // A live completion of this root follows; the other root's failure never shows up.
    await postRequest("?proof_types=reth-zisk");
    const [live] = await sse.next(1);
    expect(live).toEqual({
      event: "proof_complete",
      data: { new_payload_request_root: NPR_ROOT, proof_type: "reth-zisk" },
    });
    sse.close();
  });

  it("streams live failures with reason and error", async () => {
    h.real.witnessless.add(OTHER_ROOT);
    const sse = await openSse(`${h.base}/v1/execution_proof_requests?new_payload_request_root=${OTHER_ROOT}`);
    await expect.poll(() => h.metrics.sse.at(-1)).toBe(1);
    const res = await postRequest("?proof_types=reth-sp1", new Uint8Array(encodeNpr(OTHER)));
    expect(res.status).toBe(200);
    const [failure] = await sse.next(1);
    expect(failure?.event).toBe("proof_failure");
    expect(failure?.data).toMatchObject({
      new_payload_request_root: OTHER_ROOT,
      proof_type: "reth-sp1",
      reason: "witness_unavailable",
    });
    expect((failure?.data as { error?: string } | undefined)?.error).toMatch(/block not found/);
    sse.close();
    await expect.poll(() => h.metrics.sse.at(-1)).toBe(0);
  });

  it("streams events of every root without a filter", async () => {
    h.real.witnessless.add(OTHER_ROOT);
    const sse = await openSse(`${h.base}/v1/execution_proof_requests`);
    await expect.poll(() => h.metrics.sse.at(-1)).toBe(1);
    await postRequest("?proof_types=reth-sp1", new Uint8Array(encodeNpr(OTHER)));
    await serviceEvent((e) => e.type === "proof_failure");
    await postRequest("?proof_types=reth-zisk");
    const events = await sse.next(2);
    expect(events.map((e) => e.event)).toEqual(["proof_failure", "proof_complete"]);
    expect(events[0]?.data).toMatchObject({ new_payload_request_root: OTHER_ROOT });
    expect(events[1]?.data).toMatchObject({ new_payload_request_root: NPR_ROOT });
    sse.close();
  });

  it("answers 400 for a malformed root filter", async () => {
    await expectError(
      await fetch(`${h.base}/v1/execution_proof_requests?new_payload_request_root=0x1234`),
      400,
    );
  });
});

describe("SSE limits", () => {
  it("answers 503 beyond the subscriber limit and frees the slot on disconnect", async () => {
    const small = await startApi({ maxSseClients: 1 });
    try {
      const first = await openSse(`${small.base}/v1/execution_proof_requests`);
      expect(first.status).toBe(200);
      const second = await fetch(`${small.base}/v1/execution_proof_requests`);
      expect(second.status).toBe(503);
      expect(await second.json()).toMatchObject({ code: 503 });
      first.close();
      await expect.poll(() => small.metrics.sse.at(-1)).toBe(0);
      const third = await openSse(`${small.base}/v1/execution_proof_requests`);
      expect(third.status).toBe(200);
      third.close();
    } finally {
      await small.close();
    }
  });
});

describe("SSE keep-alive", () => {
  it("sends comment lines while idle", async () => {
    const fast = await startApi({ sseKeepAliveMs: 30 });
    try {
      const sse = await openSse(`${fast.base}/v1/execution_proof_requests`);
      const [msg] = await sse.next(1);
      expect(msg?.comment).toBe("keep-alive");
      expect(msg?.event).toBeUndefined();
      sse.close();
    } finally {
      await fast.close();
    }
  });
});

describe("GET /v1/execution_proofs/{root}/{proof_type}", () => {
  it("returns the raw proof bytes once complete, 404 before", async () => {
    const url = `${h.base}/v1/execution_proofs/${NPR_ROOT}/reth-sp1`;
    const msg = await expectError(await fetch(url), 404);
    expect(msg).toContain("reth-sp1");
    await postRequest("?proof_types=reth-sp1");
    await serviceEvent(completed(NPR_ROOT, 5));
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const bytes = new Uint8Array(await res.arrayBuffer());
    // The test prover's proof: 32 bytes of digest, then the root it commits to.
    expect(bytes.length).toBe(64);
    expect(bytesEqual(bytes.subarray(32), ROOT)).toBe(true);
  });

  it("answers 400 for a malformed root and 404 for an unknown proof type", async () => {
    await expectError(await fetch(`${h.base}/v1/execution_proofs/0xzz/reth-sp1`), 400);
    await expectError(await fetch(`${h.base}/v1/execution_proofs/${NPR_ROOT}/no-such-type`), 404);
  });
});

describe("POST /v1/execution_proof_verifications", () => {
  const verify = (query: string, body: Uint8Array<ArrayBuffer>): Promise<Response> =>
    fetch(`${h.base}/v1/execution_proof_verifications${query}`, { method: "POST", body });

  it("answers VALID or INVALID from the verifier, also for a verify-only type", async () => {
    for (const type of ["reth-zisk", "ethrex-zisk"]) {
      const q = `?new_payload_request_root=${NPR_ROOT}&proof_type=${type}`;
      const valid = await verify(q, new Uint8Array(validProofData(ROOT)));
      expect(valid.status).toBe(200);
      expect(await valid.json()).toEqual({ status: "VALID" });
      const invalid = await verify(q, new Uint8Array(validProofData(fromHex(OTHER_ROOT))));
      expect(invalid.status).toBe(200);
      expect(await invalid.json()).toEqual({ status: "INVALID", reason: expect.any(String) });
    }
  });

  it("answers 404 for an unconfigured proof type and 400 for a bad root or empty body", async () => {
    const unverifiable = await verify(
      `?new_payload_request_root=${NPR_ROOT}&proof_type=reth-openvm`,
      Uint8Array.of(1),
    );
    // A known type without a verifier is said as such, not as an unknown proof_type.
    expect(await expectError(unverifiable, 404)).toContain("reth-openvm has no verifier on this node");
    await expectError(
      await verify("?new_payload_request_root=0x12&proof_type=reth-sp1", Uint8Array.of(1)),
      400,
    );
    await expectError(await verify(`?proof_type=reth-sp1`, Uint8Array.of(1)), 400);
    await expectError(
      await verify(`?new_payload_request_root=${NPR_ROOT}&proof_type=reth-sp1`, new Uint8Array(0)),
      400,
    );
  });
});

describe("GET /v1/proof_types and /health", () => {
  it("lists the initialized types sorted, with kind and capabilities", async () => {
    const res = await fetch(`${h.base}/v1/proof_types`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      proof_types: [
        { proof_type: "ethrex-zisk", kind: "verifier", can_prove: false, can_verify: true },
        { proof_type: "reth-sp1", kind: "ere", can_prove: true, can_verify: true },
        { proof_type: "reth-zisk", kind: "ere", can_prove: true, can_verify: true },
      ],
    });
  });

  it("is healthy and records request metrics per route", async () => {
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    await fetch(`${h.base}/v1/proof_types`);
    expect(h.metrics.requests).toContainEqual(["/health", 200]);
    expect(h.metrics.requests).toContainEqual(["/v1/proof_types", 200]);
  });
});

describe("push equivalents", () => {
  it("POST /v1/new_payload_notifications registers the payload without proving it", async () => {
    const blockRoot = `0x${"11".repeat(32)}`;
    const res = await fetch(`${h.base}/v1/new_payload_notifications?slot=42&block_root=${blockRoot}`, {
      method: "POST",
      body: fixtureNpr().bytes,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ new_payload_request_root: NPR_ROOT });
    expect(h.real.service.isKnownPayload(ROOT)).toBe(true);
    const stored = await h.real.store.getPayload(ROOT);
    expect(stored?.slot).toBe(42);
    expect(toHex(stored?.blockRoot ?? new Uint8Array())).toBe(blockRoot);
    expect(await h.real.store.proofsByRoot(ROOT)).toEqual([]);
    expect(h.real.service.recentEvents(ROOT)).toEqual([]);
  });

  it("POST /v1/new_payload_notifications refuses bad SSZ and a bad slot", async () => {
    await expectError(
      await fetch(`${h.base}/v1/new_payload_notifications`, { method: "POST", body: Uint8Array.of(9) }),
      400,
    );
    await expectError(
      await fetch(`${h.base}/v1/new_payload_notifications?slot=-1`, {
        method: "POST",
        body: fixtureNpr().bytes,
      }),
      400,
    );
  });

  it("POST /v1/forkchoice_updated_notifications hands head/safe/finalized to the callback", async () => {
    const body = {
      head_block_hash: `0x${"01".repeat(32)}`,
      safe_block_hash: `0x${"02".repeat(32)}`,
      finalized_block_hash: `0x${"03".repeat(32)}`,
    };
    const res = await fetch(`${h.base}/v1/forkchoice_updated_notifications`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    expect(h.fcus).toHaveLength(1);
    expect(toHex(h.fcus[0]?.finalizedBlockHash ?? new Uint8Array())).toBe(body.finalized_block_hash);
    await expectError(
      await fetch(`${h.base}/v1/forkchoice_updated_notifications`, { method: "POST", body: "{" }),
      400,
    );
    await expectError(
      await fetch(`${h.base}/v1/forkchoice_updated_notifications`, {
        method: "POST",
        body: JSON.stringify({ ...body, safe_block_hash: "0x00" }),
      }),
      400,
    );
    expect(h.fcus).toHaveLength(1);
  });
});
