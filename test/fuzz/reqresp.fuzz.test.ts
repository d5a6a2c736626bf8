// Random req/resp requests over a real libp2p stream (issue 18): every method answers hostile request
// bytes with well-formed response chunks — InvalidRequest for malformed ones, never a ServerError (an
// exception the server did not expect), never a stream left hanging.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReqRespMethod } from "../../src/p2p/interface.ts";
import { createLibp2pNode, type EproofLibp2p } from "../../src/p2p/node.ts";
import { ByteReader } from "../../src/p2p/reqresp/byteReader.ts";
import { encodePayload, type ResponseChunk, readResponseChunk } from "../../src/p2p/reqresp/encoding.ts";
import { protocolId } from "../../src/p2p/reqresp/protocols.ts";
import {
  ExecutionProofStatus,
  ExecutionProofsByRangeRequest,
  ExecutionProofsByRootRequest,
} from "../../src/spec/containers.ts";
import { makeValidators, root, startNode, type TestNode } from "../p2p/harness.ts";
import { checkAsync, hostileBytes, runs, timeoutFor } from "./support/fuzz.ts";

const RUNS = runs(100, 200);
let server: TestNode;
let client: EproofLibp2p;

async function ask(method: ReqRespMethod, raw: Uint8Array): Promise<ResponseChunk[]> {
  const signal = AbortSignal.timeout(10_000);
  const stream = await client.dialProtocol(peerIdFromString(server.p2p.peerId), protocolId(method), {
    signal,
  });
  signal.addEventListener("abort", () => stream.abort(new Error("no answer in 10 s")), { once: true });
  if (!stream.send(raw)) await stream.onDrain();
  await stream.close();
  const reader = new ByteReader(stream);
  const out: ResponseChunk[] = [];
  for (;;) {
    const chunk = await readResponseChunk(reader, 1 << 22);
    if (!chunk) return out;
    out.push(chunk);
  }
}

beforeAll(async () => {
  server = await startNode(makeValidators(2), { reqRespRateLimitPerMin: 1_000_000 });
  client = await createLibp2pNode({
    privateKey: await generateKeyPair("secp256k1"),
    listen: ["/ip4/127.0.0.1/tcp/0"],
    announce: [],
    maxConnections: 4,
    gossipsub: {},
  });
  await client.start();
  const addr = server.p2p.multiaddrs()[0];
  if (!addr) throw new Error("no address");
  await client.dial(multiaddr(addr));
}, 60_000);

afterAll(async () => {
  await client?.stop();
  await server?.p2p.stop();
});

const SEEDS: Record<ReqRespMethod, Uint8Array[]> = {
  execution_proof_status: [ExecutionProofStatus.serialize({ blockRoot: root(1), slot: 5, proofTypes: [1] })],
  execution_proofs_by_range: [
    ExecutionProofsByRangeRequest.serialize({ startSlot: 990n, count: 10n, proofTypes: [] }),
    ExecutionProofsByRangeRequest.serialize({ startSlot: 2n ** 60n, count: 1n, proofTypes: [1, 2] }),
  ],
  execution_proofs_by_root: [
    ExecutionProofsByRootRequest.serialize([{ blockRoot: root(2), proofTypes: [1] }]),
    ExecutionProofsByRootRequest.serialize([]),
  ],
};

describe("req/resp server under hostile requests", () => {
  it.each(Object.keys(SEEDS) as ReqRespMethod[])("%s", { timeout: timeoutFor(RUNS, 200) }, async (method) => {
    const seeds = SEEDS[method];
    await checkAsync(
      `reqresp.server ${method}`,
      fc.oneof(hostileBytes(seeds, 200).map(encodePayload), hostileBytes(seeds.map(encodePayload), 200)),
      async (raw) => {
        const chunks = await ask(method, raw);
        for (const c of chunks) {
          expect([0, 1, 3]).toContain(c.code);
        }
      },
      RUNS,
    );
    // Still serving.
    const ok = await ask(
      "execution_proof_status",
      encodePayload(SEEDS.execution_proof_status[0] ?? new Uint8Array()),
    );
    expect(ok[0]?.code).toBe(0);
  });
});
