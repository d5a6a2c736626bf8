// Req/resp server behaviour seen from a raw libp2p client: status answer, response codes for malformed
// and out-of-limit requests, and the per-peer rate limit.
import { generateKeyPair } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReqRespMethod } from "../../src/p2p/interface.ts";
import { createLibp2pNode, type EproofLibp2p } from "../../src/p2p/node.ts";
import { ByteReader } from "../../src/p2p/reqresp/byteReader.ts";
import { encodePayload, type ResponseChunk, readResponseChunk } from "../../src/p2p/reqresp/encoding.ts";
import { protocolId } from "../../src/p2p/reqresp/protocols.ts";
import { ExecutionProofStatus, ExecutionProofsByRangeRequest } from "../../src/spec/containers.ts";
import { makeValidators, root, startNode, type TestNode } from "./harness.ts";

let server: TestNode;
let client: EproofLibp2p;

async function ask(method: ReqRespMethod, raw: Uint8Array): Promise<ResponseChunk[]> {
  const stream = await client.dialProtocol(peerIdFromString(server.p2p.peerId), protocolId(method));
  if (!stream.send(raw)) await stream.onDrain();
  await stream.close();
  const reader = new ByteReader(stream);
  const out: ResponseChunk[] = [];
  for (;;) {
    const chunk = await readResponseChunk(reader, 1 << 20);
    if (!chunk) return out;
    out.push(chunk);
  }
}

beforeAll(async () => {
  server = await startNode(makeValidators(2), { reqRespRateLimitPerMin: 4 });
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
});

afterAll(async () => {
  await client?.stop();
  await server?.p2p.stop();
});

describe("req/resp server", () => {
  it("answers execution_proof_status with its head", async () => {
    const mine = ExecutionProofStatus.serialize({ blockRoot: root(9), slot: 5, proofTypes: [1] });
    const chunks = await ask("execution_proof_status", encodePayload(mine));
    expect(chunks.length).toBe(1);
    const first = chunks[0];
    if (!first || !("data" in first)) throw new Error("expected a success chunk");
    expect(ExecutionProofStatus.deserialize(first.data).slot).toBe(1000);
  });

  it("answers InvalidRequest (1) to malformed framing and to count = 0", async () => {
    const garbage = await ask("execution_proofs_by_range", Uint8Array.of(20, 1, 2, 3, 4, 5));
    expect(garbage[0]?.code).toBe(1);
    const zero = ExecutionProofsByRangeRequest.serialize({ startSlot: 0n, count: 0n, proofTypes: [] });
    const res = await ask("execution_proofs_by_range", encodePayload(zero));
    expect(res[0]?.code).toBe(1);
  });

  it("rate-limits a peer with ResourceUnavailable (3)", { timeout: 20_000 }, async () => {
    const req = encodePayload(
      ExecutionProofsByRangeRequest.serialize({ startSlot: 0n, count: 4n, proofTypes: [] }),
    );
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await ask("execution_proofs_by_range", req);
      codes.push(res[0]?.code ?? 0);
    }
    expect(codes).toContain(3);
    expect(codes.at(-1)).toBe(3);
  });
});
