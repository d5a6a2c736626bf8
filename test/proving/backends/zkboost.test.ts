import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ZkboostBackend, ZkboostHttpError } from "../../../src/proving/backends/zkboost.ts";
import { ProveFailure } from "../../../src/proving/interface.ts";
import { toHex } from "../../../src/util/hex.ts";

// The real NPR from the zkboost devnet fixture; the double does not decode it, it echoes ROOT.
const NPR = new Uint8Array(
  readFileSync(
    new URL("../../../../shared/fixtures/zkboost-devnet/new_payload_request.ssz", import.meta.url),
  ),
);
const ROOT = new Uint8Array(32).fill(0x42);
const RETH_ZISK = 6;
const PROOF = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);

type Outcome =
  | { event: "proof_complete" }
  | { event: "proof_failure"; reason: string; error: string }
  | { event: "none" };

/** A zkboost v0.7 double: SSZ NPR in, SSE events out, proofs by root and type name. */
class ZkboostDouble {
  outcome: Outcome = { event: "proof_complete" };
  requests: Array<{ method: string; url: string; body: Uint8Array }> = [];
  private readonly streams = new Set<ServerResponse>();
  private readonly proofs = new Map<string, Uint8Array>();
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async close(): Promise<void> {
    for (const s of this.streams) s.end();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push({
      method: req.method ?? "",
      url: url.pathname + url.search,
      body: new Uint8Array(Buffer.concat(chunks)),
    });
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (url.pathname === "/health") return void res.writeHead(200).end();
    if (url.pathname === "/v1/proof_types") {
      return json(200, {
        proof_types: [{ proof_type: "reth-zisk", kind: "ere", can_prove: true, can_verify: true }],
      });
    }
    if (url.pathname === "/v1/execution_proof_requests" && req.method === "GET") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": keep-alive\n\n");
      this.streams.add(res);
      res.on("close", () => this.streams.delete(res));
      return;
    }
    if (url.pathname === "/v1/execution_proof_requests" && req.method === "POST") {
      const type = url.searchParams.get("proof_types") ?? "";
      if (type !== "reth-zisk")
        return json(400, { code: 400, message: `no zkVM configured for proof type '${type}'` });
      json(200, { new_payload_request_root: toHex(ROOT) });
      setTimeout(() => this.finish(type), 20);
      return;
    }
    const m = /^\/v1\/execution_proofs\/(0x[0-9a-f]{64})\/([a-z-]+)$/.exec(url.pathname);
    if (m) {
      const proof = this.proofs.get(`${m[1]}/${m[2]}`);
      if (!proof) return json(404, { code: 404, message: "proof not found" });
      return void res.writeHead(200, { "content-type": "application/octet-stream" }).end(proof);
    }
    if (url.pathname === "/v1/execution_proof_verifications") {
      const body = Buffer.concat(chunks);
      return json(200, { status: body.equals(Buffer.from(PROOF)) ? "VALID" : "INVALID" });
    }
    json(404, { code: 404, message: "not found" });
  }

  private finish(type: string): void {
    if (this.outcome.event === "none") return;
    const root = toHex(ROOT);
    const data =
      this.outcome.event === "proof_complete"
        ? { new_payload_request_root: root, proof_type: type }
        : {
            new_payload_request_root: root,
            proof_type: type,
            reason: this.outcome.reason,
            error: this.outcome.error,
          };
    if (this.outcome.event === "proof_complete") this.proofs.set(`${root}/${type}`, PROOF);
    // An event for another type first: the client must ignore it.
    for (const s of this.streams) {
      s.write(
        `event: proof_complete\ndata: ${JSON.stringify({ new_payload_request_root: root, proof_type: "reth-sp1" })}\n\n`,
      );
      s.write(`event: ${this.outcome.event}\ndata: ${JSON.stringify(data)}\n\n`);
    }
  }
}

const doubles: ZkboostDouble[] = [];
const backends: ZkboostBackend[] = [];

async function setup(opts: { proveTimeoutMs?: number } = {}) {
  const node = new ZkboostDouble();
  const url = await node.listen();
  const backend = new ZkboostBackend({ url, proofTypes: [RETH_ZISK, 5], ...opts });
  doubles.push(node);
  backends.push(backend);
  return { node, backend };
}

afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
  for (const d of doubles.splice(0)) await d.close();
});

const req = { proofType: RETH_ZISK, statelessInput: new Uint8Array(), newPayloadRequestRoot: ROOT, npr: NPR };

async function failure(p: Promise<unknown>): Promise<ProveFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProveFailure) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

describe("ZkboostBackend against a zkboost v0.7 double", () => {
  it("submits the SSZ NPR by type name, waits for proof_complete and downloads the proof", async () => {
    const { node, backend } = await setup();
    const result = await backend.prove(req);
    expect(result.proofData).toEqual(PROOF);
    const post = node.requests.find((r) => r.method === "POST");
    expect(post?.url).toBe("/v1/execution_proof_requests?proof_types=reth-zisk");
    expect(post?.body).toEqual(NPR);
    expect(node.requests[0]?.url).toBe(
      `/v1/execution_proof_requests?new_payload_request_root=${toHex(ROOT)}`,
    );
  });

  it("passes the node's failure reason through", async () => {
    const { node, backend } = await setup();
    node.outcome = { event: "proof_failure", reason: "witness_timeout", error: "no witness after 12 s" };
    const f = await failure(backend.prove(req));
    expect(f.reason).toBe("witness_timeout");
    expect(f.message).toMatch(/no witness after 12 s/);
  });

  it("times out as proving_timeout when no event comes", async () => {
    const { node, backend } = await setup({ proveTimeoutMs: 150 });
    node.outcome = { event: "none" };
    expect((await failure(backend.prove(req))).reason).toBe("proving_timeout");
  });

  it("refuses a prove without the NPR and a type the node rejects", async () => {
    const { backend } = await setup();
    expect((await failure(backend.prove({ ...req, npr: undefined }))).reason).toBe("internal_error");
    const f = await failure(backend.prove({ ...req, proofType: 5 }));
    expect(f.reason).toBe("internal_error");
    expect(f.cause).toBeInstanceOf(ZkboostHttpError);
    expect(f.message).toMatch(/no zkVM configured for proof type 'reth-sp1'/);
    await expect(backend.prove({ ...req, proofType: 1 })).rejects.toThrow(/not configured for proof type 1/);
  });

  it("verifies proofs, reads proof types and health", async () => {
    const { backend } = await setup();
    expect(
      (await backend.verify({ proofType: RETH_ZISK, proofData: PROOF, newPayloadRequestRoot: ROOT })).valid,
    ).toBe(true);
    const bad = await backend.verify({
      proofType: RETH_ZISK,
      proofData: Uint8Array.of(1),
      newPayloadRequestRoot: ROOT,
    });
    expect(bad.valid).toBe(false);
    expect(await backend.remoteProofTypes()).toEqual([
      { proofType: "reth-zisk", kind: "ere", canProve: true, canVerify: true },
    ]);
    expect(await backend.health()).toEqual({ ok: true });
    expect(backend.capabilities().prove).toEqual([6, 5]);
  });
});
