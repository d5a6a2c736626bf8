// Property-based tests over the wire codecs (issue 18): the gossip snappy block (bounded before
// allocation), the req/resp snappy frames and varint-length payloads and response chunks, gossip's
// decodeSignedProof under every profile, and the beacon-API envelope list codec. Each either round
// trips or fails with its own error class, never another exception, never a hang.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEnvelopeListJson,
  decodeEnvelopeListSsz,
  encodeEnvelopeListSsz,
} from "../../src/api/eth/envelopeCodec.ts";
import { HttpError } from "../../src/http/errors.ts";
import { snappyDataTransform } from "../../src/p2p/gossip/gossipsubConfig.ts";
import {
  compressSnappyBlock,
  decompressSnappyBlock,
  SnappyBoundError,
  snappyBlockUncompressedLength,
} from "../../src/p2p/gossip/snappyBlock.ts";
import { decodeSignedProof } from "../../src/p2p/gossip/validation.ts";
import { ByteReader, encodeVarint, StreamEndedError } from "../../src/p2p/reqresp/byteReader.ts";
import {
  encodeErrorChunk,
  encodePayload,
  encodeSuccessChunk,
  readPayload,
  readResponseChunk,
} from "../../src/p2p/reqresp/encoding.ts";
import { ReqRespError } from "../../src/p2p/reqresp/protocols.ts";
import {
  encodeSnappyFrames,
  readSnappyFrames,
  SnappyFrameError,
} from "../../src/p2p/reqresp/snappyFrames.ts";
import { proofContainers, type SignedExecutionProof } from "../../src/spec/containers.ts";
import { getProfile, PROFILES } from "../../src/spec/profile.ts";
import {
  check,
  checkAsync,
  chunked,
  cleanOrThrow,
  cleanOrThrowAsync,
  expectSameBytes,
  hostileBytes,
  runs,
  timeoutFor,
} from "./support/fuzz.ts";

const RUNS = runs(600);
const ASYNC_RUNS = runs(300);
const data = fc.oneof(
  fc.uint8Array({ maxLength: 512 }),
  // Compressible runs, so snappy emits copies (the interesting half of the block format).
  fc
    .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 70_000 }))
    .map(([b, n]) => new Uint8Array(n).fill(b)),
  fc.array(fc.uint8Array({ minLength: 1, maxLength: 8 }), { maxLength: 64 }).map((parts) => {
    const rep = parts.flatMap((p) => [p, p, p]);
    return Uint8Array.from(rep.flatMap((p) => [...p]));
  }),
);
const chunkSizes = fc.array(fc.integer({ min: 1, max: 300 }), { maxLength: 40 });

describe("gossip snappy block", () => {
  it("round trips any data", { timeout: timeoutFor(RUNS) }, () => {
    check(
      "snappy.block roundtrip",
      data,
      (d) => {
        expectSameBytes(decompressSnappyBlock(compressSnappyBlock(d), d.length), d, "snappy block");
      },
      RUNS,
    );
  });

  it("hostile blocks: bounded output or SnappyBoundError / Error, never another exception", {
    timeout: timeoutFor(RUNS),
  }, () => {
    const seeds = fc
      .sample(data, { numRuns: 16, seed: 3 })
      .map((d) => compressSnappyBlock(d.subarray(0, 2000)));
    const marks = new WeakSet<Uint8Array>();
    const transform = snappyDataTransform(1024, marks);
    check(
      "snappy.block hostile",
      fc.tuple(hostileBytes(seeds, 128), fc.integer({ min: 0, max: 4096 })),
      ([block, max]) => {
        const out = cleanOrThrow(() => decompressSnappyBlock(block, max), [Error, SnappyBoundError]);
        if (out !== undefined) {
          expect(out.length).toBe(snappyBlockUncompressedLength(block));
          expect(out.length).toBeLessThanOrEqual(max);
        }
        // The gossipsub transform never throws: a bad block passes through raw and marked.
        const t = transform.inboundTransform("t", block);
        if (marks.has(block)) expect(t).toBe(block);
        else expect(t.length).toBeLessThanOrEqual(1024);
      },
      RUNS,
    );
  });
});

const FRAME_ERRORS = [SnappyFrameError, StreamEndedError];

describe("req/resp snappy frames and payloads", () => {
  it("frames round trip across any chunking of the stream", { timeout: timeoutFor(ASYNC_RUNS) }, async () => {
    await checkAsync(
      "snappy.frames roundtrip",
      fc.tuple(data, chunkSizes),
      async ([d, sizes]) => {
        const got = await readSnappyFrames(new ByteReader(chunked(encodeSnappyFrames(d), sizes)), d.length);
        expectSameBytes(got, d, "frames");
      },
      ASYNC_RUNS,
    );
  });

  it("hostile frames: exactly `expected` bytes or SnappyFrameError / StreamEndedError", {
    timeout: timeoutFor(ASYNC_RUNS),
  }, async () => {
    const seeds = fc
      .sample(data, { numRuns: 12, seed: 5 })
      .map((d) => encodeSnappyFrames(d.subarray(0, 3000)));
    await checkAsync(
      "snappy.frames hostile",
      fc.tuple(hostileBytes(seeds, 200), fc.integer({ min: 0, max: 5000 }), chunkSizes),
      async ([bytes, expected, sizes]) => {
        const out = await cleanOrThrowAsync(
          () => readSnappyFrames(new ByteReader(chunked(bytes, sizes)), expected),
          FRAME_ERRORS,
        );
        if (out !== undefined) expect(out.length).toBe(expected);
      },
      ASYNC_RUNS,
    );
  });

  it("request payloads: varint length + frames round trip; hostile ones fail cleanly", {
    timeout: timeoutFor(ASYNC_RUNS * 2),
  }, async () => {
    await checkAsync(
      "reqresp.payload roundtrip",
      fc.tuple(fc.uint8Array({ maxLength: 700 }), chunkSizes),
      async ([d, sizes]) => {
        const got = await readPayload(new ByteReader(chunked(encodePayload(d), sizes)), 700);
        expectSameBytes(got, d, "payload");
      },
      ASYNC_RUNS,
    );
    const seeds = [
      ...fc.sample(fc.uint8Array({ maxLength: 600 }), { numRuns: 10, seed: 7 }).map(encodePayload),
      encodeVarint(2 ** 40),
      Uint8Array.from(new Array(11).fill(0xff)),
    ];
    await checkAsync(
      "reqresp.payload hostile",
      fc.tuple(hostileBytes(seeds, 64), chunkSizes),
      async ([bytes, sizes]) => {
        const out = await cleanOrThrowAsync(
          () => readPayload(new ByteReader(chunked(bytes, sizes)), 600),
          // Error: the varint reader's "longer than 10 bytes" (mapped to InvalidRequest by the server).
          [...FRAME_ERRORS, ReqRespError, Error],
        );
        if (out !== undefined) expect(out.length).toBeLessThanOrEqual(600);
      },
      ASYNC_RUNS,
    );
  });

  it("response chunks: success and error chunks round trip; hostile streams fail cleanly", {
    timeout: timeoutFor(ASYNC_RUNS * 2),
  }, async () => {
    await checkAsync(
      "reqresp.chunks roundtrip",
      fc.tuple(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }).map((d) => ({ code: 0 as const, d })),
            fc
              .tuple(fc.constantFrom(1 as const, 2 as const, 3 as const), fc.string({ maxLength: 300 }))
              .map(([code, m]) => ({ code, m })),
          ),
          { maxLength: 5 },
        ),
        chunkSizes,
      ),
      async ([chunks, sizes]) => {
        const parts = chunks.map((c) => ("d" in c ? encodeSuccessChunk(c.d) : encodeErrorChunk(c.code, c.m)));
        const stream = Buffer.concat(parts);
        const reader = new ByteReader(chunked(stream, sizes));
        for (const c of chunks) {
          const got = await readResponseChunk(reader, 300);
          if (got === undefined) expect.fail("stream ended early");
          expect(got.code).toBe(c.code);
          if ("d" in c && "data" in got) expectSameBytes(got.data, c.d, "chunk");
          if ("m" in c && "message" in got) expect(c.m).toContain(got.message.replace(/\uFFFD/g, ""));
        }
        expect(await readResponseChunk(reader, 300)).toBeUndefined();
      },
      ASYNC_RUNS,
    );
    const seeds = fc
      .sample(fc.uint8Array({ maxLength: 200 }), { numRuns: 8, seed: 9 })
      .map((d, i) =>
        i % 2 ? encodeSuccessChunk(d) : encodeErrorChunk(3, Buffer.from(d).toString("latin1")),
      );
    await checkAsync(
      "reqresp.chunks hostile",
      fc.tuple(hostileBytes(seeds, 64), chunkSizes),
      async ([bytes, sizes]) => {
        const reader = new ByteReader(chunked(bytes, sizes));
        for (let i = 0; i < 8; i++) {
          const got = await cleanOrThrowAsync(
            () => readResponseChunk(reader, 256),
            [...FRAME_ERRORS, ReqRespError, Error],
          );
          if (got === undefined) return;
          if ("data" in got) expect(got.data.length).toBeLessThanOrEqual(256);
        }
      },
      ASYNC_RUNS,
    );
  });
});

function signedSample(name: string): SignedExecutionProof[] {
  const c = proofContainers(getProfile(name));
  return fc
    .sample(
      fc.record({
        proofData: fc.uint8Array({ minLength: 1, maxLength: 64 }),
        proofType: fc.integer({ min: 0, max: 255 }),
        root: fc.uint8Array({ minLength: 32, maxLength: 32 }),
        validatorIndex: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        signature: fc.uint8Array({ minLength: 96, maxLength: 96 }),
      }),
      { numRuns: 10, seed: 11 },
    )
    .map((r) => {
      const d = c.SignedExecutionProof.defaultValue();
      d.message.proofData = r.proofData;
      d.message.proofType = r.proofType;
      d.message.beaconBlockRoot = r.root;
      d.message.publicInput.newPayloadRequestRoot = r.root;
      d.validatorIndex = r.validatorIndex;
      d.signature = r.signature;
      return d;
    });
}

describe("gossip decodeSignedProof and the beacon-API envelope list", () => {
  it.each(Object.keys(PROFILES))(
    "%s: a REJECT verdict or a value that re-encodes to the message",
    { timeout: timeoutFor(RUNS) },
    (name) => {
      const c = proofContainers(getProfile(name));
      const seeds = signedSample(name).map((s) => c.SignedExecutionProof.serialize(s));
      check(
        `gossip.decode ${name}`,
        hostileBytes(seeds, 300),
        (bytes) => {
          const decoded = decodeSignedProof(bytes, c);
          if ("result" in decoded) {
            expect(decoded).toEqual({ result: "reject", reason: "malformed_ssz" });
            return;
          }
          expectSameBytes(c.SignedExecutionProof.serialize(decoded), bytes, "accepted message");
          expect(Number.isSafeInteger(decoded.validatorIndex)).toBe(true);
        },
        RUNS,
      );
    },
  );

  it.each(Object.keys(PROFILES))(
    "%s: envelope lists (SSZ and JSON) decode or answer 400",
    { timeout: timeoutFor(RUNS * 2) },
    (name) => {
      const c = proofContainers(getProfile(name));
      const samples = signedSample(name);
      const seeds = [1, 2, 4].map((n) => encodeEnvelopeListSsz(samples.slice(0, n), c));
      check(
        `api.envelopes ssz ${name}`,
        hostileBytes(seeds, 300),
        (bytes) => {
          const list = cleanOrThrow(() => decodeEnvelopeListSsz(bytes, c), [HttpError]);
          if (list !== undefined) expectSameBytes(encodeEnvelopeListSsz(list, c), bytes, "accepted list");
        },
        RUNS,
      );
      check(
        `api.envelopes json ${name}`,
        fc.oneof(
          fc.jsonValue(),
          fc.array(
            fc.record({
              message: fc.jsonValue(),
              validator_index: fc.jsonValue(),
              signature: fc.jsonValue(),
            }),
            { maxLength: 5 },
          ),
        ),
        (json) => {
          cleanOrThrow(() => decodeEnvelopeListJson(json, c), [HttpError]);
        },
        RUNS,
      );
    },
  );
});
