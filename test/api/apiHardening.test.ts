// The proof-engine API under hostile input (issue 18, defect 5): pushed payloads are admitted only in
// a slot window around the wall-clock slot and up to the pending limits, each is stored at the slot
// checked and pruned at finality, and the write endpoints take an optional bearer token or JWT.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ApiChainView } from "../../src/api/admission.ts";
import { loadApiAuth } from "../../src/api/auth.ts";
import { signJwt } from "../../src/gateway/jwt.ts";
import { encodeNpr, type ForkedNewPayloadRequest, nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { errorMessage } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";
import { tempDir } from "../support/tempDir.ts";
import { type ApiHarness, fixtureNpr, startApi } from "./support/harness.ts";

const SECONDS_PER_SLOT = 12;
const base = fixtureNpr().npr;
const FIXTURE_TS = Number(base.value.executionPayload.timestamp);
// The fixture payload is slot 1000 of this chain.
const GENESIS = FIXTURE_TS - 1000 * SECONDS_PER_SLOT;

/** A chain whose wall clock and pruned-below slot the test sets. */
class TestChain implements ApiChainView {
  current: number | undefined = 1000;
  pruned = 0;
  currentSlot() {
    return this.current;
  }
  slotOfTimestamp(ts: number) {
    return this.current === undefined
      ? undefined
      : Math.max(0, Math.floor((ts - GENESIS) / SECONDS_PER_SLOT));
  }
  prunedBelow() {
    return this.pruned;
  }
}

function variant(extra: number, timestamp?: number): ForkedNewPayloadRequest {
  const value = structuredClone(base.value);
  value.executionPayload.extraData = Uint8Array.of(extra);
  if (timestamp !== undefined) value.executionPayload.timestamp = timestamp;
  return { fork: base.fork, value };
}

const bytesOf = (npr: ForkedNewPayloadRequest) => new Uint8Array(encodeNpr(npr));

let h: ApiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function post(path: string, body: Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  if (!h) throw new Error("no API");
  return fetch(`${h.base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/octet-stream", ...headers },
    body: new Uint8Array(body),
  });
}
const notify = (npr: ForkedNewPayloadRequest, query = "", headers?: Record<string, string>) =>
  post(`/v1/new_payload_notifications${query}`, bytesOf(npr), headers);
const request = (npr: ForkedNewPayloadRequest) =>
  post("/v1/execution_proof_requests?proof_types=reth-sp1", bytesOf(npr));

async function message(res: Response): Promise<string> {
  return ((await res.json()) as { message: string }).message;
}

describe("slot window", () => {
  it("refuses a far-future timestamp with a 400 naming the slot, and stores nothing", async () => {
    const chain = new TestChain();
    h = await startApi({}, { chain });
    const far = variant(1, 1e12);
    for (const res of [await notify(far), await request(far)]) {
      expect(res.status).toBe(400);
      expect(await message(res)).toMatch(
        /payload timestamp 1000000000000 is slot \d+, more than 2 slots after the current slot 1000/,
      );
    }
    expect(await h.real.store.getPayload(nprRoot(far))).toBeUndefined();
    // Two slots ahead is clock skew, not an attack.
    const early = variant(2, FIXTURE_TS + 2 * SECONDS_PER_SLOT);
    expect((await notify(early)).status).toBe(200);
  });

  it("refuses payloads too far behind the wall clock or below the last finality prune", async () => {
    const chain = new TestChain();
    chain.current = 1000 + 65;
    h = await startApi({}, { chain });
    const res = await notify(variant(3));
    expect(res.status).toBe(400);
    expect(await message(res)).toMatch(/slot 1000, before slot 1001/);
    chain.current = 1000;
    chain.pruned = 1001;
    expect((await notify(variant(3))).status).toBe(400);
    chain.pruned = 1000;
    expect((await notify(variant(3))).status).toBe(200);
  });

  it("a ?slot= that contradicts the timestamp is refused; a matching one is stored at that slot", async () => {
    const chain = new TestChain();
    h = await startApi({}, { chain });
    const npr = variant(4);
    expect((await notify(npr, "?slot=5")).status).toBe(400);
    expect((await notify(npr, "?slot=1000")).status).toBe(200);
    expect((await h.real.store.getPayload(nprRoot(npr)))?.slot).toBe(1000);
  });

  it("answers 503 while the chain's genesis is not known", async () => {
    const chain = new TestChain();
    chain.current = undefined;
    h = await startApi({}, { chain });
    expect((await notify(variant(5))).status).toBe(503);
  });
});

describe("pending limits and finality", () => {
  it("at most maxPendingPayloads wait for finality; pruning frees them and deletes every record", async () => {
    const chain = new TestChain();
    h = await startApi({ maxPendingPayloads: 2 }, { chain });
    const a = variant(10);
    const b = variant(11, FIXTURE_TS + SECONDS_PER_SLOT);
    const c = variant(12);
    expect((await notify(a)).status).toBe(200);
    expect((await request(b)).status).toBe(200);
    // A repeat of an admitted payload is not a new one.
    expect((await notify(a)).status).toBe(200);
    const refused = await notify(c);
    expect(refused.status).toBe(429);
    expect(await message(refused)).toMatch(
      /2 payloads registered through the API wait for finality \(limit 2\)/,
    );
    expect(await h.real.store.getPayload(nprRoot(c))).toBeUndefined();
    // Payloads pushed through the API are stored at their timestamp's slot, so finality takes them.
    expect((await h.real.store.getPayload(nprRoot(a)))?.slot).toBe(1000);
    expect((await h.real.store.getPayload(nprRoot(b)))?.slot).toBe(1001);
    await waitFor(async () => (await h?.real.store.getProof(nprRoot(b), 5)) !== undefined);
    await h.real.service.pruneBefore(1002);
    chain.pruned = 1002;
    for (const npr of [a, b]) expect(await h.real.store.getPayload(nprRoot(npr))).toBeUndefined();
    expect(await h.real.store.getProof(nprRoot(b), 5)).toBeUndefined();
    chain.current = 1002;
    const d = variant(13, FIXTURE_TS + 2 * SECONDS_PER_SLOT);
    expect((await notify(d)).status).toBe(200);
  });

  it("bounds the bytes of pending payloads", async () => {
    const chain = new TestChain();
    const size = bytesOf(variant(20)).length;
    h = await startApi({ maxPendingBytes: size + 10 }, { chain });
    expect((await notify(variant(20))).status).toBe(200);
    expect((await notify(variant(21))).status).toBe(429);
  });

  it("a notify_forkchoice_updated body larger than three hashes needs is refused with 413", async () => {
    h = await startApi();
    const res = await post("/v1/forkchoice_updated_notifications", new Uint8Array(8192).fill(0x20));
    expect(res.status).toBe(413);
  });
});

describe("authentication of the write endpoints", () => {
  const dir = tempDir("eproof-api-auth-");
  const token = "tok-0123456789abcdef-xyz";
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, `${token}\n`);
  const secret = new Uint8Array(32).fill(0x5a);
  const jwtFile = join(dir, "jwt.hex");
  writeFileSync(jwtFile, toHex(secret));

  it("a token file: POSTs need Bearer <token>; GETs, /health and the BLS-signed beacon POST stay open", async () => {
    h = await startApi({ authTokenFile: tokenFile });
    const npr = variant(30);
    const none = await notify(npr);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(await message(none)).toMatch(/api\.authTokenFile/);
    expect((await notify(npr, "", { authorization: "Bearer wrong-token-wrong-token" })).status).toBe(401);
    expect(await h.real.store.getPayload(nprRoot(npr))).toBeUndefined();
    expect((await notify(npr, "", { authorization: `Bearer ${token}` })).status).toBe(200);
    for (const path of ["/v1/execution_proof_verifications", "/v1/forkchoice_updated_notifications"]) {
      expect((await post(path, new Uint8Array(1))).status).toBe(401);
    }
    expect((await fetch(`${h.base}/health`)).status).toBe(200);
    expect((await fetch(`${h.base}/v1/proof_types`)).status).toBe(200);
    expect((await fetch(`${h.base}/eth/v1/eproof/head`)).status).not.toBe(401);
    const beacon = await post("/eth/v1/beacon/execution_proofs", new Uint8Array(4));
    expect(beacon.status).not.toBe(401);
  });

  it("a JWT secret file: POSTs need an HS256 JWT with a fresh iat", async () => {
    h = await startApi({ jwtSecretFile: jwtFile });
    const now = Math.floor(Date.now() / 1000);
    const npr = variant(31);
    expect((await notify(npr, "", { authorization: `Bearer ${signJwt(secret, now - 3600)}` })).status).toBe(
      401,
    );
    expect(
      (await notify(npr, "", { authorization: `Bearer ${signJwt(new Uint8Array(32), now)}` })).status,
    ).toBe(401);
    expect((await notify(npr, "", { authorization: `Bearer ${signJwt(secret, now)}` })).status).toBe(200);
  });

  it("a weak or unreadable token file is refused without quoting the file", async () => {
    const weak = join(dir, "weak");
    writeFileSync(weak, "short-secret");
    const err = await loadApiAuth({ authTokenFile: weak }, Date.now).then(
      () => "",
      (e: unknown) => errorMessage(e),
    );
    expect(err).toMatch(/at least 16 characters/);
    expect(err).not.toContain("short-secret");
    await expect(loadApiAuth({ authTokenFile: join(dir, "missing") }, Date.now)).rejects.toThrow(
      /cannot read API token file/,
    );
    expect(await loadApiAuth({}, Date.now)).toBeUndefined();
  });
});

async function waitFor(pred: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
