// Status API: payload lookup by NPR root, block root or block hash; proofs with signers and
// verification results; the k-of-n verdict; the latest proof-verified head.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fromHex, toHex } from "../../src/util/hex.ts";
import { type ApiHarness, fixtureNpr, NPR_ROOT, startApi } from "./support/harness.ts";

let h: ApiHarness;
beforeEach(async () => {
  // k = 2 of the allow-list {reth-sp1, reth-zisk}.
  h = await startApi({ k: 2, allowedProofTypes: [5, 6] });
});
afterEach(async () => {
  await h.close();
});

const BLOCK_ROOT = `0x${"22".repeat(32)}`;

interface PayloadStatusBody {
  data: {
    new_payload_request_root: string;
    slot: string;
    block_root: string;
    block_hash: string;
    proofs: { proof_type: string; verified: boolean; validator_index: string | null; source: string }[];
    rule: { k: number; allowed_proof_types: string[]; counting_proof_types: string[]; holds: boolean };
  };
}

async function notify(slot: number): Promise<string> {
  const res = await fetch(`${h.base}/v1/new_payload_notifications?slot=${slot}&block_root=${BLOCK_ROOT}`, {
    method: "POST",
    body: fixtureNpr().bytes,
  });
  expect(res.status).toBe(200);
  return toHex(fixtureNpr().npr.value.executionPayload.blockHash);
}

async function status(id: string): Promise<PayloadStatusBody> {
  const res = await fetch(`${h.base}/eth/v1/eproof/payloads/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as PayloadStatusBody;
}

describe("GET /eth/v1/eproof/payloads/{id}", () => {
  it("finds the payload by NPR root, block root and block hash alike", async () => {
    const blockHash = await notify(7);
    const byRoot = await status(NPR_ROOT);
    expect(byRoot.data).toMatchObject({
      new_payload_request_root: NPR_ROOT,
      slot: "7",
      block_root: BLOCK_ROOT,
      block_hash: blockHash,
    });
    expect(await status(BLOCK_ROOT)).toEqual(byRoot);
    expect(await status(blockHash)).toEqual(byRoot);
  });

  it("lists proofs with signers and results, and holds only once k allowed types are verified", async () => {
    await notify(7);
    const root = fromHex(NPR_ROOT);
    await h.real.gossip(root, 5, 101, true, 7);
    await h.real.gossip(root, 3, 102, true, 7); // verified but not on the allow-list
    await h.real.gossip(root, 6, 103, false, 7); // on the list but not verified
    let s = await status(NPR_ROOT);
    expect(s.data.proofs).toEqual([
      expect.objectContaining({
        proof_type: "ethrex-zisk",
        verified: true,
        validator_index: "102",
        source: "gossip",
      }),
      expect.objectContaining({ proof_type: "reth-sp1", verified: true, validator_index: "101" }),
      expect.objectContaining({ proof_type: "reth-zisk", verified: false, validator_index: "103" }),
    ]);
    expect(s.data.rule).toEqual({
      k: 2,
      allowed_proof_types: ["reth-sp1", "reth-zisk"],
      counting_proof_types: ["reth-sp1"],
      holds: false,
    });
    await h.real.gossip(root, 6, 104, true, 7);
    s = await status(NPR_ROOT);
    expect(s.data.rule.counting_proof_types).toEqual(["reth-sp1", "reth-zisk"]);
    expect(s.data.rule.holds).toBe(true);
  });

  it("answers 404 for an unknown id and 400 for a malformed one", async () => {
    const unknown = await fetch(`${h.base}/eth/v1/eproof/payloads/0x${"99".repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 404 });
    const bad = await fetch(`${h.base}/eth/v1/eproof/payloads/latest`);
    expect(bad.status).toBe(400);
  });
});

describe("GET /eth/v1/eproof/head", () => {
  it("is 404 until a payload meets the rule, then names that block", async () => {
    const before = await fetch(`${h.base}/eth/v1/eproof/head`);
    expect(before.status).toBe(404);
    const blockHash = await notify(9);
    const root = fromHex(NPR_ROOT);
    await h.real.gossip(root, 5, 4, true, 9);
    // One of two: still no verified head.
    expect((await fetch(`${h.base}/eth/v1/eproof/head`)).status).toBe(404);
    await h.real.gossip(root, 6, 5, true, 9);
    await expect.poll(async () => (await fetch(`${h.base}/eth/v1/eproof/head`)).status).toBe(200);
    const body = (await (await fetch(`${h.base}/eth/v1/eproof/head`)).json()) as {
      data: Record<string, unknown>;
    };
    expect(body.data).toMatchObject({
      slot: "9",
      block_root: BLOCK_ROOT,
      block_hash: blockHash,
      new_payload_request_root: NPR_ROOT,
      proof_types: ["reth-sp1", "reth-zisk"],
    });
  });
});
