// The beacon-API execution proof endpoints (eth-act Lighthouse's EIP-8025 shape) over real HTTP: POST
// with SSZ and JSON bodies through a real p2p node's gossip validation (real BLS keys, the real proof
// service and LevelDB store, the test DigestBackend as verifier), the 4-envelope limit, bad bodies,
// per-index failures, and GET by block root, slot and head in JSON and SSZ.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  encodeEnvelopeListSsz,
  envelopeToJson,
  maxEnvelopeListSszBytes,
} from "../../src/api/eth/envelopeCodec.ts";
import { type ApiServer, createApiServer } from "../../src/api/server.ts";
import type { P2pModules, P2pService, ProofAcceptedEvent } from "../../src/p2p/interface.ts";
import { createP2p } from "../../src/p2p/service.ts";
import {
  type ProofContainers,
  proofContainers,
  type SignedExecutionProof,
} from "../../src/spec/containers.ts";
import { nprRoot } from "../../src/spec/newPayloadRequest.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { ProofTypeTable } from "../../src/spec/proofTypes.ts";
import { systemClock } from "../../src/util/clock.ts";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { silentLogger } from "../../src/util/logger.ts";
import {
  CountingMetrics,
  DOMAIN,
  ENVELOPE_PROFILE,
  FORK_DIGEST,
  makeValidators,
  proof,
  signProof,
} from "../p2p/harness.ts";
import { fixtureNpr, NPR_ROOT } from "./support/harness.ts";
import { openRealService, otherNpr, type RealService, validProofData } from "./support/realService.ts";

const c: ProofContainers = proofContainers();
const validators = makeValidators(8); // validator 7 is inactive
const BLOCK = new Uint8Array(32).fill(0x42);
/** A second block, with another payload: nothing is proven for it before the failure tests. */
const BLOCK2 = new Uint8Array(32).fill(0x43);
const SLOT = 42;
const ROOT = fromHex(NPR_ROOT);
const PATH = "/eth/v1/beacon/execution_proofs";

let real: RealService;
let p2p: P2pService;
let api: ApiServer;
let base: string;
const accepted: ProofAcceptedEvent[] = [];

/** An envelope for BLOCK (or `blockRoot`), signed by `signer` (with `signWith`'s key). */
function envelope(
  type: number,
  signer: number,
  opts: { data?: Uint8Array; signWith?: number; blockRoot?: Uint8Array } = {},
): SignedExecutionProof {
  const message = proof(new Uint8Array(32), type, opts.data ?? validProofData(ROOT), opts.blockRoot ?? BLOCK);
  return signProof(validators, signer, message, opts.signWith ?? signer, c);
}

const nprRootOf2 = () => nprRoot(otherNpr(fixtureNpr().npr));
const ssz = (list: SignedExecutionProof[]) => Buffer.from(encodeEnvelopeListSsz(list, c));

function post(
  body: Uint8Array<ArrayBuffer> | string,
  contentType = "application/octet-stream",
): Promise<Response> {
  return fetch(`${base}${PATH}`, { method: "POST", headers: { "content-type": contentType }, body });
}

async function failures(res: Response): Promise<{ index: number; message: string }[]> {
  expect(res.status).toBe(400);
  const body = (await res.json()) as {
    code: number;
    message: string;
    failures?: { index: number; message: string }[];
  };
  expect(body.code).toBe(400);
  expect(body.message.length).toBeGreaterThan(0);
  return body.failures ?? [];
}

async function errorMessage(res: Response, status: number): Promise<string> {
  expect(res.status).toBe(status);
  const body = (await res.json()) as { code: number; message: string };
  expect(body.code).toBe(status);
  return body.message;
}

beforeAll(async () => {
  real = await openRealService();
  await real.service.notifyPayload(fixtureNpr().npr, { slot: SLOT, blockRoot: BLOCK, blockHash: BLOCK });
  await real.service.notifyPayload(otherNpr(fixtureNpr().npr), {
    slot: SLOT + 5,
    blockRoot: BLOCK2,
    blockHash: BLOCK2,
  });
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
    chain: {
      finalizedSlot: () => 0,
      currentSlot: () => SLOT,
      head: () => ({ blockRoot: BLOCK, slot: SLOT }),
    },
    proofTypes: [],
  };
  p2p = await createP2p({ listen: ["/ip4/127.0.0.1/tcp/0"], blsBatchWaitMs: 1 }, modules);
  p2p.onProofAccepted((e) => accepted.push(e));
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
  base = `http://127.0.0.1:${(await api.start()).port}`;
}, 30_000);

afterAll(async () => {
  await api?.stop();
  await p2p?.stop();
  await real?.cleanup();
});

describe("GET /eth/v1/beacon/execution_proofs/{block_id} before any proof", () => {
  it("a known block without proofs is an empty list (JSON and SSZ); an unknown block is a 404", async () => {
    const res = await fetch(`${base}${PATH}/${toHex(BLOCK)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: [] });
    const sszRes = await fetch(`${base}${PATH}/${toHex(BLOCK)}`, {
      headers: { accept: "application/octet-stream" },
    });
    expect(sszRes.status).toBe(200);
    expect(sszRes.headers.get("content-type")).toBe("application/octet-stream");
    expect((await sszRes.arrayBuffer()).byteLength).toBe(0);
    await errorMessage(await fetch(`${base}${PATH}/0x${"ab".repeat(32)}`), 404);
    await errorMessage(await fetch(`${base}${PATH}/finalized`), 400);
  });
});

describe("POST /eth/v1/beacon/execution_proofs", () => {
  const first = envelope(5, 1);
  const second = envelope(6, 2);

  it("accepts an SSZ list: 200, stored as a verified api proof, announced as accepted", async () => {
    const res = await post(ssz([first]));
    expect(res.status).toBe(200);
    const stored = await real.store.getProof(ROOT, 5);
    expect(stored?.source).toBe("api");
    expect(stored?.verified).toBe(true);
    expect(stored?.slot).toBe(SLOT);
    expect(stored?.signed?.validatorIndex).toBe(1);
    expect(accepted.map((e) => [e.source, e.signed.message.proofType])).toEqual([["api", 5]]);
    expect(toHex(accepted[0]?.signed.message.publicInput.newPayloadRequestRoot ?? new Uint8Array())).toBe(
      NPR_ROOT,
    );
  });

  it("accepts a JSON list (quoted integers, 0x hex), then GET lists both by proof type", async () => {
    const res = await post(JSON.stringify([envelopeToJson(second)]), "application/json");
    expect(res.status).toBe(200);
    const get = await fetch(`${base}${PATH}/${toHex(BLOCK)}`);
    expect(get.status).toBe(200);
    const body = (await get.json()) as { data: ReturnType<typeof envelopeToJson>[] };
    expect(body.data).toEqual([envelopeToJson(first), envelopeToJson(second)]);
    expect(body.data[0]?.validator_index).toBe("1");
    expect(body.data[0]?.message.proof_type).toBe("5");
  });

  it("GET answers SSZ on Accept: application/octet-stream, and resolves a slot and head", async () => {
    const expected = ssz([first, second]);
    for (const id of [toHex(BLOCK), String(SLOT), "head"]) {
      const res = await fetch(`${base}${PATH}/${id}`, { headers: { accept: "application/octet-stream" } });
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);
    }
    await errorMessage(await fetch(`${base}${PATH}/${SLOT + 1}`), 404);
  });

  it("a resubmission, and another validator's proof of a type already proven, are 200 (already known)", async () => {
    expect((await post(ssz([first]))).status).toBe(200);
    expect((await post(JSON.stringify([envelopeToJson(envelope(5, 3))]), "application/json")).status).toBe(
      200,
    );
    expect((await real.store.getProof(ROOT, 5))?.signed?.validatorIndex).toBe(1);
    expect(accepted.length).toBe(2);
  });

  it("an invalid signature fails at its index; the valid envelope beside it is still accepted", async () => {
    const forged = envelope(3, 4, { signWith: 5 });
    const valid = envelope(3, 3);
    const f = await failures(await post(ssz([forged, valid])));
    expect(f).toHaveLength(1);
    expect(f[0]?.index).toBe(0);
    expect(f[0]?.message).toContain("bad_signature");
    expect((await real.store.getProof(ROOT, 3))?.signed?.validatorIndex).toBe(3);
  });

  it("an unknown block, an invalid proof, an inactive validator and a foreign type fail per index", async () => {
    const f = await failures(
      await post(
        ssz([
          envelope(6, 1, { blockRoot: new Uint8Array(32).fill(0xcd) }),
          envelope(5, 1, { blockRoot: BLOCK2, data: Uint8Array.of(1, 2, 3) }),
          envelope(6, 7, { blockRoot: BLOCK2 }),
          envelope(9, 1, { blockRoot: BLOCK2 }),
        ]),
      ),
    );
    expect(f.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(f[0]?.message).toContain("IGNORE payload_unknown");
    expect(f[0]?.message).toContain("not known");
    expect(f[1]?.message).toContain("REJECT invalid_proof");
    expect(f[2]?.message).toContain("REJECT inactive_validator");
    expect(f[3]?.message).toContain("REJECT unsupported_proof_type");
    // A type nobody here verifies is the node's limit, reported as such.
    const [noVerifier] = await failures(await post(ssz([envelope(2, 2, { blockRoot: BLOCK2 })])));
    expect(noVerifier?.message).toContain("IGNORE cannot_verify");
    expect(await real.store.proofsByRoot(nprRootOf2())).toEqual([]);
    // The validator whose invalid proof was refused cannot retry that (block, type) under gossip rules.
    const [retry] = await failures(await post(ssz([envelope(5, 1, { blockRoot: BLOCK2 })])));
    expect(retry?.message).toContain("not_first_from_validator");
  });

  it("more than 4 envelopes is a 400 before any is looked at, in SSZ and JSON", async () => {
    const five = [1, 2, 3, 4, 5].map((i) => envelope(5, i));
    expect(await errorMessage(await post(ssz(five)), 400)).toContain("at most 4");
    const json = JSON.stringify(five.map(envelopeToJson));
    expect(await errorMessage(await post(json, "application/json"), 400)).toContain("at most 4");
    // A forged offset table claiming 5 entries is refused the same way.
    const claim = Buffer.alloc(24);
    claim.writeUInt32LE(20, 0);
    expect(await errorMessage(await post(claim), 400)).toContain("at most 4");
  });

  it("bad bodies: empty, truncated SSZ, junk JSON, a non-array, a bad field; 415 for another type", async () => {
    expect(await errorMessage(await post(Buffer.alloc(0)), 400)).toContain("no execution proofs");
    // Cut inside the fixed part (offset, validator index, signature): a shorter proof_data tail would
    // still be a well-formed envelope.
    const whole = ssz([envelope(6, 3)]);
    expect(await errorMessage(await post(whole.subarray(0, 60)), 400)).toContain("invalid SSZ at index 0");
    const twoCut = ssz([envelope(6, 3), envelope(6, 4)]);
    expect(await errorMessage(await post(twoCut.subarray(0, 6)), 400)).toContain("truncated offset table");
    expect(await errorMessage(await post(Buffer.from([1, 2, 3])), 400)).toContain("invalid SSZ");
    expect(await errorMessage(await post("{not json", "application/json"), 400)).toContain("not valid JSON");
    expect(await errorMessage(await post("{}", "application/json"), 400)).toContain("JSON array");
    expect(await errorMessage(await post("[]", "application/json"), 400)).toContain("no execution proofs");
    const bad = envelopeToJson(envelope(6, 3));
    bad.signature = "0x1234";
    expect(await errorMessage(await post(JSON.stringify([bad]), "application/json"), 400)).toContain(
      "signature must be 96 bytes",
    );
    expect(await errorMessage(await post("hello", "text/plain"), 415)).toContain("unsupported content type");
    expect((await real.store.getProof(ROOT, 6))?.signed?.validatorIndex).toBe(2);
  });

  it("a body over the largest legal list is refused by its declared length (413)", async () => {
    const res = await fetch(`${base}${PATH}`, {
      method: "POST",
      headers: { "content-type": "application/octet-stream" },
      body: new Uint8Array(maxEnvelopeListSszBytes(c) + 1),
    });
    expect(res.status).toBe(413);
  });
});

describe("the execution_proofs endpoints elsewhere", () => {
  async function start(containers: ProofContainers, withSubmitter: boolean): Promise<[ApiServer, string]> {
    const server = createApiServer(
      { port: 0 },
      {
        logger: silentLogger(),
        proofService: real.service,
        store: real.store,
        proofTypes: new ProofTypeTable(),
        containers,
        executionProofs: withSubmitter ? { submitter: () => p2p } : undefined,
      },
    );
    return [server, `http://127.0.0.1:${(await server.start()).port}`];
  }

  it("without p2p: POST is a 501, GET still serves the store; head is a 404 without a head source", async () => {
    const [server, url] = await start(c, false);
    try {
      const res = await fetch(`${url}${PATH}`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: ssz([envelope(6, 4)]),
      });
      expect(await errorMessage(res, 501)).toContain("p2p");
      expect((await fetch(`${url}${PATH}/${toHex(BLOCK)}`)).status).toBe(200);
      expect((await fetch(`${url}${PATH}/head`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it("under a profile without envelopes both routes answer 501", async () => {
    const [server, url] = await start(proofContainers(getProfile("consensus-specs-2026-08")), true);
    try {
      const res = await fetch(`${url}${PATH}`, { method: "POST", body: "[]" });
      expect(await errorMessage(res, 501)).toContain("no envelopes");
      expect((await fetch(`${url}${PATH}/${toHex(BLOCK)}`)).status).toBe(501);
    } finally {
      await server.stop();
    }
  });

  it("a smaller MAX_PROOF_SIZE bounds the JSON proof_data before it is decoded", async () => {
    const small = proofContainers(ENVELOPE_PROFILE);
    const [server, url] = await start(small, true);
    try {
      const big = envelopeToJson(envelope(6, 4));
      big.message.proof_data = `0x${"00".repeat(ENVELOPE_PROFILE.maxProofSize + 1)}`;
      const res = await fetch(`${url}${PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([big]),
      });
      expect(await errorMessage(res, 400)).toContain("more than");
    } finally {
      await server.stop();
    }
  });
});
