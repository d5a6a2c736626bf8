// Random requests over real HTTP (issue 18): the proof-engine / status / beacon-API server (with a real
// p2p node behind the execution_proofs routes) and the Engine API gateway (valid JWT, random JSON-RPC).
// Never a 5xx, never an internal JSON-RPC error, and the server still answers /health afterwards.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeEnvelopeListSsz } from "../../src/api/eth/envelopeCodec.ts";
import { type ApiServer, createApiServer } from "../../src/api/server.ts";
import { parseJwtSecret, signJwt } from "../../src/gateway/jwt.ts";
import { createGateway, type Gateway } from "../../src/gateway/server.ts";
import type { P2pModules, P2pService } from "../../src/p2p/interface.ts";
import { createP2p } from "../../src/p2p/service.ts";
import { proofContainers } from "../../src/spec/containers.ts";
import { ProofTypeTable } from "../../src/spec/proofTypes.ts";
import { systemClock } from "../../src/util/clock.ts";
import { toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import { fixtureNpr, NPR_ROOT } from "../api/support/harness.ts";
import { openRealService, type RealService, validProofData } from "../api/support/realService.ts";
import { CountingMetrics, DOMAIN, FORK_DIGEST, makeValidators, proof, signProof } from "../p2p/harness.ts";
import { checkAsync, hostileBytes, runs, timeoutFor } from "./support/fuzz.ts";

const HTTP_RUNS = runs(150, 200);
const c = proofContainers();
const validators = makeValidators(4);
const BLOCK = new Uint8Array(32).fill(0x42);
const SECRET = parseJwtSecret("c1".repeat(32));

let real: RealService;
let p2p: P2pService;
let api: ApiServer;
let gateway: Gateway;
let apiBase: string;
let gatewayUrl: string;

beforeAll(async () => {
  real = await openRealService();
  await real.service.notifyPayload(fixtureNpr().npr, { slot: 42, blockRoot: BLOCK, blockHash: BLOCK });
  const modules: P2pModules = {
    logger: silentLogger(),
    metrics: new CountingMetrics(),
    clock: systemClock,
    containers: c,
    validators: {
      getValidator: async (i) => {
        const v = validators.get(i);
        return v ? { pubkey: v.pubkey, active: v.active } : undefined;
      },
    },
    forkDigest: { current: () => FORK_DIGEST, all: () => [FORK_DIGEST], onChange: () => () => undefined },
    domain: { currentDomain: () => DOMAIN },
    proofs: real.service,
    store: real.store,
    chain: { finalizedSlot: () => 0, currentSlot: () => 42, head: () => ({ blockRoot: BLOCK, slot: 42 }) },
    proofTypes: [],
  };
  p2p = await createP2p({ listen: ["/ip4/127.0.0.1/tcp/0"], blsBatchWaitMs: 1 }, modules);
  await p2p.start();
  api = createApiServer(
    { port: 0 },
    {
      logger: silentLogger(),
      proofService: real.service,
      store: real.store,
      proofTypes: new ProofTypeTable(),
      containers: c,
      executionProofs: { submitter: () => p2p, head: () => BLOCK },
    },
  );
  apiBase = `http://127.0.0.1:${(await api.start()).port}`;
  gateway = createGateway(
    { port: 0, jwtSecret: SECRET, waitMs: 20 },
    {
      logger: silentLogger(),
      proofService: real.service,
      store: real.store,
      metrics: {
        recordRpcCall: () => {},
        recordNewPayload: () => {},
        recordAuthFailure: () => {},
        recordUpstreamCall: () => {},
      },
      onForkchoiceUpdated: () => {},
    },
  );
  gatewayUrl = `http://127.0.0.1:${(await gateway.start()).port}/`;
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await api?.stop();
  await p2p?.stop();
  await real?.cleanup();
});

const segment = fc.oneof(
  fc.constantFrom(NPR_ROOT, toHex(BLOCK), "head", "finalized", "42", "1", "0", "-1", "18446744073709551617"),
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
  fc.uint8Array({ minLength: 0, maxLength: 40 }).map(toHex),
);
const path = fc.oneof(
  fc.constantFrom(
    "/v1/execution_proof_requests",
    "/v1/execution_proof_verifications",
    "/v1/new_payload_notifications",
    "/v1/forkchoice_updated_notifications",
    "/v1/proof_types",
    "/eth/v1/eproof/head",
    "/eth/v1/beacon/execution_proofs",
    "/health",
  ),
  fc.tuple(segment, segment).map(([a, b]) => `/v1/execution_proofs/${a}/${b}`),
  segment.map((s) => `/eth/v1/eproof/payloads/${s}`),
  segment.map((s) => `/eth/v1/beacon/execution_proofs/${s}`),
  fc
    .tuple(segment, fc.string({ maxLength: 40 }).map(encodeURIComponent))
    .map(([a, q]) => `/v1/execution_proof_requests?new_payload_request_root=${a}&${q}`),
);

function bodySeeds(): Uint8Array[] {
  const signed = signProof(
    validators,
    1,
    proof(new Uint8Array(32), 1, validProofData(new Uint8Array(32)), BLOCK),
    1,
    c,
  );
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return [
    fixtureNpr().bytes,
    encodeEnvelopeListSsz([signed], c),
    json({
      new_payload_request_root: NPR_ROOT,
      proof_type: 1,
      proof: toHex(validProofData(new Uint8Array(32))),
    }),
    json({
      head_block_hash: toHex(BLOCK),
      safe_block_hash: toHex(BLOCK),
      finalized_block_hash: toHex(BLOCK),
    }),
    json({ proof_types: [1, 2] }),
  ];
}

const contentType = fc.constantFrom(
  "application/octet-stream",
  "application/json",
  "text/plain",
  "application/json; charset=utf-8",
  "multipart/form-data; boundary=x",
  undefined,
);

async function drain(res: Response): Promise<string> {
  return await res.text();
}

describe("HTTP APIs under random requests", () => {
  it("API server: never a 5xx, still healthy", { timeout: timeoutFor(HTTP_RUNS * 3, 200) }, async () => {
    const seeds = bodySeeds();
    const statuses = new Map<number, number>();
    await checkAsync(
      "http.api",
      fc.record({
        method: fc.constantFrom("GET", "POST", "POST", "POST", "PUT", "DELETE"),
        path,
        body: fc.oneof(
          hostileBytes(seeds, 300),
          fc.json().map((s) => new TextEncoder().encode(s)),
        ),
        contentType,
        accept: fc.constantFrom(
          "application/json",
          "application/octet-stream",
          "*/*",
          "text/event-stream;q=0",
        ),
      }),
      async (r) => {
        const headers: Record<string, string> = { accept: r.accept };
        if (r.contentType) headers["content-type"] = r.contentType;
        // A request unanswered in 10 s is a hang (SSE streams are closed once their headers arrive).
        const res = await fetch(`${apiBase}${r.path}`, {
          method: r.method,
          headers,
          signal: AbortSignal.timeout(10_000),
          ...(r.method === "GET" ? {} : { body: Buffer.from(r.body) }),
        }).catch((e: unknown) => expect.fail(`${r.method} ${r.path}: no answer (${String(e)})`));
        if (res.headers.get("content-type")?.includes("text/event-stream")) await res.body?.cancel();
        else await drain(res);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) expect.fail(`${r.method} ${r.path} answered ${res.status}`);
      },
      HTTP_RUNS * 3,
    );
    expect((await fetch(`${apiBase}/health`)).status).toBeLessThan(500);
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  });

  const rpcValue = fc.oneof(
    fc.record(
      {
        jsonrpc: fc.constant("2.0"),
        id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null)),
        method: fc.oneof(
          fc.constantFrom(
            "engine_newPayloadV3",
            "engine_newPayloadV4",
            "engine_newPayloadV5",
            "engine_newPayloadWithWitnessV5",
            "engine_forkchoiceUpdatedV3",
            "engine_exchangeCapabilities",
            "engine_getClientVersionV1",
            "engine_getPayloadV4",
            "eth_chainId",
          ),
          fc.string({ maxLength: 30 }),
        ),
        params: fc.oneof(
          fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 4 }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: ["jsonrpc", "method"] },
    ),
    fc.jsonValue({ maxDepth: 3 }),
  );

  it("Engine API gateway: never a 5xx, never an internal JSON-RPC error", {
    timeout: timeoutFor(HTTP_RUNS * 3, 200),
  }, async () => {
    await checkAsync(
      "http.gateway",
      fc.oneof(
        rpcValue.map((v) => JSON.stringify(v)),
        fc.array(rpcValue, { maxLength: 5 }).map((v) => JSON.stringify(v)),
        fc.string({ maxLength: 200 }),
      ),
      async (body) => {
        const res = await fetch(gatewayUrl, {
          method: "POST",
          headers: {
            authorization: `Bearer ${signJwt(SECRET, Math.floor(Date.now() / 1000))}`,
            "content-type": "application/json",
          },
          body,
          signal: AbortSignal.timeout(10_000),
        }).catch((e: unknown) => expect.fail(`gateway: no answer (${String(e)}) to ${body.slice(0, 200)}`));
        const text = await drain(res);
        if (res.status >= 500) expect.fail(`gateway answered ${res.status} to ${body.slice(0, 200)}`);
        if (res.status === 200 && text.length > 0) {
          const parsed = JSON.parse(text) as unknown;
          for (const r of Array.isArray(parsed) ? parsed : [parsed]) {
            const code = (r as { error?: { code?: number } }).error?.code;
            if (code === -32603)
              expect.fail(`internal error for ${body.slice(0, 200)}: ${text.slice(0, 300)}`);
          }
        }
      },
      HTTP_RUNS * 3,
    );
    expect((await fetch(`${gatewayUrl}health`)).status).toBe(200);
  });
});
