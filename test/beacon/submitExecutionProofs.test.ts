// HttpBeaconClient.submitExecutionProofs against a small real HTTP server that plays the beacon node:
// the exact SSZ bytes (decoded with an independent List[SignedExecutionProofEnvelope, 4] type), the
// content type, Basic auth from URL credentials, Lighthouse's indexed 400, a 500, and messages that
// never carry the password.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ByteListType, ListCompositeType } from "@chainsafe/ssz";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  EXECUTION_PROOFS_PATH,
  ExecutionProofSubmitError,
  HttpBeaconClient,
} from "../../src/beacon/httpBeaconClient.ts";
import { UpstreamError } from "../../src/beacon/upstreamError.ts";
import { envelopeTypes, proofContainers, type SignedExecutionProof } from "../../src/spec/containers.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { systemClock } from "../../src/util/clock.ts";
import { isEproofError } from "../../src/util/errors.ts";
import { toHex } from "../../src/util/hex.ts";

interface Seen {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: Buffer;
}

type Reply = (res: ServerResponse) => void;

let server: Server;
let port: number;
const seen: Seen[] = [];
let reply: Reply = (res) => res.writeHead(200).end();

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({
        method: req.method ?? "",
        url: req.url ?? "",
        contentType: req.headers["content-type"],
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks),
      });
      reply(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

afterEach(() => {
  seen.length = 0;
  reply = (res) => res.writeHead(200).end();
});

/** The wire type written independently of eproof's encoder. */
const { SignedExecutionProofEnvelope } = envelopeTypes(new ByteListType(4 * 1024 * 1024));
const EnvelopeList = new ListCompositeType(SignedExecutionProofEnvelope, 4);

function envelope(i: number): SignedExecutionProof {
  return {
    message: {
      proofData: new Uint8Array(10 + i).fill(i),
      proofType: i,
      publicInput: { newPayloadRequestRoot: new Uint8Array(32).fill(0xaa) },
      beaconBlockRoot: new Uint8Array(32).fill(0x40 + i),
    },
    validatorIndex: 100 + i,
    signature: new Uint8Array(96).fill(i),
  };
}

const client = (base = `http://127.0.0.1:${port}`) =>
  new HttpBeaconClient({ baseUrl: base, requestTimeoutMs: 5_000 }, { clock: systemClock });

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("HttpBeaconClient.submitExecutionProofs", () => {
  it("POSTs the SSZ list of envelopes with content type application/octet-stream", async () => {
    await client().submitExecutionProofs([envelope(1), envelope(2)]);
    expect(seen).toHaveLength(1);
    const got = seen[0];
    expect(got?.method).toBe("POST");
    expect(got?.url).toBe(EXECUTION_PROOFS_PATH);
    expect(got?.contentType).toBe("application/octet-stream");
    const decoded = EnvelopeList.deserialize(new Uint8Array(got?.body ?? Buffer.alloc(0)));
    expect(decoded).toHaveLength(2);
    expect(
      decoded.map((d) => [d.message.proofType, d.validatorIndex, toHex(d.message.beaconBlockRoot)]),
    ).toEqual([
      [1, 101, toHex(new Uint8Array(32).fill(0x41))],
      [2, 102, toHex(new Uint8Array(32).fill(0x42))],
    ]);
    expect(toHex(decoded[1]?.message.proofData ?? new Uint8Array())).toBe(toHex(new Uint8Array(12).fill(2)));
    expect(toHex(decoded[0]?.signature ?? new Uint8Array())).toBe(toHex(new Uint8Array(96).fill(1)));
    // Byte for byte what the independent type writes.
    const expected = EnvelopeList.serialize(
      [envelope(1), envelope(2)].map((e) => ({
        message: {
          proofData: e.message.proofData,
          proofType: e.message.proofType,
          beaconBlockRoot: e.message.beaconBlockRoot ?? new Uint8Array(32),
        },
        validatorIndex: e.validatorIndex,
        signature: e.signature,
      })),
    );
    expect(Buffer.from(expected).equals(got?.body ?? Buffer.alloc(0))).toBe(true);
  });

  it("sends URL credentials as Basic auth and keeps them out of error messages", async () => {
    reply = (res) => res.writeHead(503).end("node is syncing");
    const err = await caught(
      client(`http://alice:s3cret@127.0.0.1:${port}/`).submitExecutionProofs([envelope(1)]),
    );
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from("alice:s3cret").toString("base64")}`);
    expect(err).toBeInstanceOf(ExecutionProofSubmitError);
    const e = err as ExecutionProofSubmitError;
    expect(e.status).toBe(503);
    expect(e.message).toContain("node is syncing");
    expect(e.message).not.toContain("s3cret");
    expect(e.message).not.toContain("alice");
  });

  it("an indexed 400 becomes an error listing each failed index and its message", async () => {
    reply = (res) => {
      const body = JSON.stringify({
        code: 400,
        message: "error processing execution proofs",
        failures: [
          { index: 1, message: "InvalidSignature" },
          { index: 2, message: "UnknownBlockRoot(0x43…)" },
        ],
      });
      res.writeHead(400, { "content-type": "application/json" }).end(body);
    };
    const err = await caught(client().submitExecutionProofs([envelope(1), envelope(2), envelope(3)]));
    expect(err).toBeInstanceOf(ExecutionProofSubmitError);
    const e = err as ExecutionProofSubmitError;
    expect(e.status).toBe(400);
    expect(e.failures).toEqual([
      { index: 1, message: "InvalidSignature" },
      { index: 2, message: "UnknownBlockRoot(0x43…)" },
    ]);
    expect(e.message).toContain("error processing execution proofs");
    expect(e.message).toContain("[1] InvalidSignature");
    expect(e.message).toContain("[2] UnknownBlockRoot");
  });

  it("a 500, a 501 and a 415 are errors with the node's message", async () => {
    for (const [status, message] of [
      [500, "execution proof verification failed"],
      [501, "proof engine not configured"],
      [415, "unsupported content type"],
    ] as const) {
      reply = (res) =>
        res
          .writeHead(status, { "content-type": "application/json" })
          .end(JSON.stringify({ code: status, message }));
      const e = (await caught(client().submitExecutionProofs([envelope(1)]))) as ExecutionProofSubmitError;
      expect(e.status).toBe(status);
      expect(e.failures).toEqual([]);
      expect(e.message).toContain(message);
    }
  });

  it("sends nothing for an empty list and refuses more than 4 envelopes before any request", async () => {
    await client().submitExecutionProofs([]);
    const err = await caught(client().submitExecutionProofs([1, 2, 3, 4, 5].map(envelope)));
    expect(isEproofError(err) && err.code).toBe("BAD_INPUT");
    const noBlock = envelope(1);
    noBlock.message.beaconBlockRoot = undefined;
    expect(isEproofError(await caught(client().submitExecutionProofs([noBlock])))).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it("an unreachable node is a connect error without credentials; an old profile has nothing to submit", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const err = await caught(
      client(`http://bob:hunter2@127.0.0.1:${deadPort}`).submitExecutionProofs([envelope(1)]),
    );
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).kind).toBe("connect");
    expect((err as Error).message).not.toContain("hunter2");
    const old = new HttpBeaconClient(
      { baseUrl: `http://127.0.0.1:${port}` },
      { clock: systemClock, containers: proofContainers(getProfile("consensus-specs-2026-08")) },
    );
    const oldErr = await caught(old.submitExecutionProofs([envelope(1)]));
    expect(isEproofError(oldErr) && oldErr.code).toBe("BAD_CONFIG");
    expect(seen).toHaveLength(0);
  });
});

describe("HttpBeaconClient.getExecutionProofs", () => {
  const wire = (xs: SignedExecutionProof[]) =>
    EnvelopeList.serialize(
      xs.map((x) => ({
        message: {
          proofData: x.message.proofData,
          proofType: x.message.proofType,
          beaconBlockRoot: x.message.beaconBlockRoot ?? new Uint8Array(32),
        },
        validatorIndex: x.validatorIndex,
        signature: x.signature,
      })),
    );

  it("reads a block's envelopes as SSZ: the same proofs, PublicInput left for the caller to rebuild", async () => {
    const sent = [envelope(1), envelope(2)];
    reply = (res) => res.writeHead(200, { "content-type": "application/octet-stream" }).end(wire(sent));
    const block = new Uint8Array(32).fill(0x41);
    const got = await client().getExecutionProofs(block);
    expect(seen[0]?.url).toBe(`${EXECUTION_PROOFS_PATH}/${toHex(block)}`);
    expect(got.map((g) => [g.validatorIndex, g.message.proofType, toHex(g.message.proofData)])).toEqual(
      sent.map((s) => [s.validatorIndex, s.message.proofType, toHex(s.message.proofData)]),
    );
    expect(got.every((g) => g.message.publicInput.newPayloadRequestRoot.every((b) => b === 0))).toBe(true);
  });

  it("an unknown block is no proofs; junk bytes and a JSON answer are clear upstream errors", async () => {
    reply = (res) => res.writeHead(404).end();
    expect(await client().getExecutionProofs(new Uint8Array(32))).toEqual([]);
    reply = (res) =>
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from([9, 9, 9, 9, 9]));
    expect(await caught(client().getExecutionProofs(new Uint8Array(32)))).toBeInstanceOf(UpstreamError);
    reply = (res) => res.writeHead(200, { "content-type": "application/json" }).end("{}");
    expect(await caught(client().getExecutionProofs(new Uint8Array(32)))).toBeInstanceOf(UpstreamError);
  });
});
