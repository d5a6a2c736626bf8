import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { afterEach, describe, expect, it } from "vitest";
import { EreBackend, EreTwirpError } from "../../../src/proving/backends/ere.ts";
import {
  expectedPublicValues,
  frameStdin,
  publicValuesMismatch,
} from "../../../src/proving/backends/ereGuestIo.ts";
import {
  decodeEreInput,
  decodeProveResponse,
  encodeEreInput,
  encodeProveResponse,
} from "../../../src/proving/backends/ereProtocol.ts";
import { ProveFailure } from "../../../src/proving/interface.ts";
import { getProfile } from "../../../src/spec/profile.ts";
import { EproofError } from "../../../src/util/errors.ts";
import { EreTestServer } from "../../support/ereServer.ts";

const CHAIN_ID = 1n;
const ROOT = new Uint8Array(32).fill(0x5a);
const OTHER_ROOT = new Uint8Array(32).fill(0x11);
const INPUT = Uint8Array.from([0x15, 0x01, 1, 2, 3, 4, 5]);
const RETH_ZISK = 6;

/** Public values as ZisK/OpenVM write them: the result zero-padded to 256 bytes. */
function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(256);
  out.set(bytes);
  return out;
}

const servers: EreTestServer[] = [];
const backends: EreBackend[] = [];

async function setup(
  opts: Partial<ConstructorParameters<typeof EreTestServer>[0]> = {},
  backendOpts: Partial<ConstructorParameters<typeof EreBackend>[0]> = {},
) {
  const profile = backendOpts.profile ?? getProfile();
  const server = new EreTestServer({
    publicValuesFor: () => padded(expectedPublicValues(profile.publicValues, ROOT, CHAIN_ID)),
    ...opts,
  });
  const url = await server.listen();
  const backend = new EreBackend({ url, proofType: RETH_ZISK, chainId: CHAIN_ID, ...backendOpts });
  servers.push(server);
  backends.push(backend);
  return { server, backend, url };
}

afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
  for (const s of servers.splice(0)) await s.close();
});

function req(root = ROOT) {
  return { proofType: RETH_ZISK, statelessInput: INPUT, newPayloadRequestRoot: root };
}

async function proveFailure(p: Promise<unknown>): Promise<ProveFailure> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ProveFailure) return e;
    throw e;
  }
  throw new Error("expected the prove to fail");
}

describe("ere protocol codecs", () => {
  it("round-trips a ProveRequest and skips unknown fields", () => {
    const encoded = encodeEreInput({ inputStdin: INPUT, inputProofs: new Uint8Array() });
    const withUnknown = new BinaryWriter().raw(encoded).tag(9, WireType.Varint).uint32(7).finish();
    const decoded = decodeEreInput(withUnknown);
    expect(decoded.inputStdin).toEqual(INPUT);
    expect(decoded.inputProofs).toEqual(new Uint8Array());
  });

  it("encodes field 1 of ProveRequest as length-delimited bytes", () => {
    // tag (1 << 3 | 2) = 0x0a, length 7, then the bytes
    expect([...encodeEreInput({ inputStdin: INPUT })]).toEqual([0x0a, 7, ...INPUT]);
  });

  it("writes multi-byte lengths that the protobuf reader accepts", () => {
    const big = Uint8Array.from({ length: 70_000 }, (_, i) => i & 0xff);
    const encoded = encodeEreInput({ inputStdin: big, inputProofs: Uint8Array.of(9) });
    expect([...encoded.subarray(0, 4)]).toEqual([0x0a, 0xf0, 0xa2, 0x04]);
    expect(decodeEreInput(encoded)).toEqual({ inputStdin: big, inputProofs: Uint8Array.of(9) });
  });

  it("decodes ok and err results of ProveResponse", () => {
    const ok = decodeProveResponse(
      encodeProveResponse({ ok: { publicValues: ROOT, proof: INPUT, report: new Uint8Array() } }),
    );
    expect("ok" in ok && ok.ok.proof).toEqual(INPUT);
    const err = decodeProveResponse(encodeProveResponse({ err: "guest panicked" }));
    expect(err).toEqual({ err: "guest panicked" });
  });

  it("refuses truncated protobuf with a PROVER error", () => {
    expect(() => decodeProveResponse(Uint8Array.of(0x0a, 50, 1))).toThrow(EproofError);
    expect(() => decodeProveResponse(new Uint8Array())).toThrow(/neither ok nor err/);
  });
});

describe("guest I/O per profile", () => {
  it("frames stdin raw or with a u32-LE length prefix", () => {
    expect(frameStdin(INPUT, "raw")).toEqual(INPUT);
    expect([...frameStdin(INPUT, "u32le_length_prefix")]).toEqual([7, 0, 0, 0, ...INPUT]);
  });

  it("builds the 41-byte SSZ result and the sha256 form", () => {
    const ssz = expectedPublicValues("ssz_result", ROOT, 17000n);
    expect(ssz.length).toBe(41);
    expect(ssz.subarray(0, 32)).toEqual(ROOT);
    expect(ssz[32]).toBe(1);
    expect(ssz[33]).toBe(17000 & 0xff);
    expect(expectedPublicValues("sha256_root_flag", ROOT, 1n).length).toBe(32);
  });

  it("accepts zero padding only", () => {
    const exp = expectedPublicValues("ssz_result", ROOT, 1n);
    expect(publicValuesMismatch(padded(exp), exp)).toBeUndefined();
    const dirty = padded(exp);
    dirty[200] = 1;
    expect(publicValuesMismatch(dirty, exp)).toMatch(/non-zero/);
    expect(publicValuesMismatch(exp.subarray(0, 10), exp)).toMatch(/at least/);
  });
});

describe("EreBackend against the Twirp test server", () => {
  it("proves with protobuf bodies and checks the public values", async () => {
    const { server, backend } = await setup();
    const result = await backend.prove(req());
    expect(result.proofData.length).toBe(64);
    expect(result.publicValues.length).toBe(256);
    expect(server.requests[0]?.path).toBe("/twirp/api.ZkvmService/Prove");
    expect(server.requests[0]?.contentType).toBe("application/protobuf");
    expect(server.requests[0]?.input?.inputStdin).toEqual(INPUT);
    expect(backend.capabilities()).toEqual({ prove: [6], verify: [6], concurrency: 1 });
  });

  it("sends a u32-LE prefixed stdin and checks sha256 public values under the Fulu-era profile", async () => {
    const profile = getProfile("consensus-specs-fulu-2025");
    const { server, backend } = await setup({}, { profile });
    await backend.prove(req());
    expect(server.requests[0]?.input?.inputStdin).toEqual(frameStdin(INPUT, "u32le_length_prefix"));
  });

  it("refuses a proof that commits to another root", async () => {
    const { backend } = await setup();
    const f = await proveFailure(backend.prove(req(OTHER_ROOT)));
    expect(f.reason).toBe("proving_error");
    expect(f.message).toMatch(/do not match/);
  });

  it("maps an HTTP-200 err result to proving_error", async () => {
    const { backend } = await setup({ mode: { kind: "err", message: "guest panicked: bad witness" } });
    const f = await proveFailure(backend.prove(req()));
    expect(f.reason).toBe("proving_error");
    expect(f.message).toMatch(/guest panicked: bad witness/);
  });

  it("maps Twirp JSON errors to typed errors", async () => {
    const { backend, server } = await setup({
      mode: { kind: "twirp", status: 500, code: "internal", msg: "OOM" },
    });
    const f = await proveFailure(backend.prove(req()));
    expect(f.reason).toBe("proving_error");
    expect(f.cause).toBeInstanceOf(EreTwirpError);
    expect(f.cause).toMatchObject({ status: 500, twirpCode: "internal", twirpMsg: "OOM" });

    server.options.mode = { kind: "twirp", status: 400, code: "malformed", msg: "bad body" };
    const g = await proveFailure(backend.prove(req()));
    expect(g.reason).toBe("internal_error");
    await expect(backend.verify({ ...req(), proofData: INPUT })).rejects.toMatchObject({
      twirpCode: "malformed",
      status: 400,
    });
  });

  it("reports health from GET /health", async () => {
    const { backend, server } = await setup();
    expect(await backend.health()).toEqual({ ok: true });
    server.options.healthy = false;
    expect(await backend.health()).toMatchObject({ ok: false, detail: expect.stringMatching(/503/) });
    const gone = new EreBackend({ url: "http://127.0.0.1:1", proofType: 6, chainId: 1n });
    backends.push(gone);
    expect((await gone.health()).ok).toBe(false);
  });

  it("times out a slow prove as proving_timeout while the server finishes it anyway", async () => {
    const { backend, server } = await setup({ proveDelayMs: 400 }, { proveTimeoutMs: 100 });
    const f = await proveFailure(backend.prove(req()));
    expect(f.reason).toBe("proving_timeout");
    expect(server.started).toBe(1);
    await server.waitForCompleted(1);
    expect(server.completed).toBe(1);
  });

  it("runs one prove at a time, first in first out", async () => {
    const { backend, server } = await setup({ proveDelayMs: 30 });
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        await backend.prove(req());
        order.push(i);
      }),
    );
    expect(server.maxConcurrent).toBe(1);
    expect(server.completed).toBe(3);
    expect(order).toEqual([0, 1, 2]);
  });

  it("verifies its own proofs and rejects others", async () => {
    const { backend, server } = await setup();
    const { proofData } = await backend.prove(req());
    expect((await backend.verify({ ...req(), proofData })).valid).toBe(true);
    const wrongRoot = await backend.verify({ ...req(OTHER_ROOT), proofData });
    expect(wrongRoot.valid).toBe(false);
    const garbage = await backend.verify({ ...req(), proofData: Uint8Array.of(1, 2) });
    expect(garbage).toMatchObject({ valid: false, reason: expect.stringMatching(/does not verify/) });
    const before = server.requests.length;
    const empty = await backend.verify({ ...req(), proofData: new Uint8Array() });
    expect(empty).toMatchObject({ valid: false, reason: expect.stringMatching(/outside 1\.\./) });
    expect(server.requests.length).toBe(before);
  });

  it("refuses a proof type it does not serve and a bad URL", async () => {
    const { backend } = await setup();
    await expect(backend.prove({ ...req(), proofType: 1 })).rejects.toThrow(/proves proof type 6, not 1/);
    expect(() => new EreBackend({ url: "not a url", proofType: 6, chainId: 1n })).toThrow(EproofError);
  });

  it("reads the program vk", async () => {
    const { backend } = await setup();
    expect((await backend.programVk()).length).toBe(32);
  });
});
