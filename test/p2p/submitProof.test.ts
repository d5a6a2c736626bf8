// P2pService.submitProof (the beacon API's way in): the gossip rules incl. BLS and proof verification
// on two real loopback nodes; an envelope for an unknown block is answered at once, never queued; an
// accepted envelope is stored with source "api" and gossiped to the peer.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/util/hex.ts";
import {
  envelopeContainers as c,
  INVALID_PROOF_MARK,
  makeValidators,
  proof,
  root,
  signProof,
  startNode,
  type TestNode,
  waitFor,
} from "./harness.ts";

const validators = makeValidators(6); // validator 5 is inactive
const block = (i: number) => root(100 + i);
const envelope = (i: number, type: number, data: Uint8Array, signer: number, signWith = signer) =>
  signProof(validators, signer, proof(new Uint8Array(32), type, data, block(i)), signWith, c);

let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  // A long queue TTL: were an unknown block queued, the call would hang far past the test timeout.
  a = await startNode(validators, { pendingQueueTtlMs: 600_000 }, c);
  b = await startNode(validators, {}, c);
  for (const n of [a, b]) {
    n.mem.addPayload(root(1), 10, block(1));
    n.mem.addPayload(root(2), 11, block(2));
  }
  const addr = b.p2p.multiaddrs()[0];
  if (addr) await a.p2p.dial(addr);
  await waitFor(() => a.p2p.gossipPeers().length >= 1 && b.p2p.gossipPeers().length >= 1);
}, 30_000);

afterAll(async () => {
  await a?.p2p.stop();
  await b?.p2p.stop();
});

describe("P2pService.submitProof", () => {
  it("accepts a valid envelope: PublicInput rebuilt, stored as source api, gossiped to the peer", async () => {
    const signed = envelope(1, 2, Uint8Array.of(1, 2, 3), 1);
    expect(await a.p2p.submitProof(signed)).toEqual({ result: "accept" });
    const stored = a.mem.proofs.get(`${toHex(root(1))}:2`);
    expect(stored?.source).toBe("api");
    expect(stored?.verified).toBe(true);
    expect(stored?.slot).toBe(10);
    expect(stored?.signed?.validatorIndex).toBe(1);
    expect(toHex(a.accepted[0]?.message.publicInput.newPayloadRequestRoot ?? new Uint8Array())).toBe(
      toHex(root(1)),
    );
    await waitFor(() => b.accepted.length === 1);
    expect(toHex(b.accepted[0]?.message.beaconBlockRoot ?? new Uint8Array())).toBe(toHex(block(1)));
    expect(b.mem.proofs.get(`${toHex(root(1))}:2`)?.source).toBe("gossip");
  });

  it("a resubmission, or another validator's proof of a type already proven, is IGNOREd as known", async () => {
    const again = await a.p2p.submitProof(envelope(1, 2, Uint8Array.of(1, 2, 3), 1));
    expect(again).toEqual({ result: "ignore", reason: "valid_already_received" });
    const other = await a.p2p.submitProof(envelope(1, 2, Uint8Array.of(9, 9), 3));
    expect(other).toEqual({ result: "ignore", reason: "valid_already_received" });
    expect(a.mem.proofs.get(`${toHex(root(1))}:2`)?.signed?.validatorIndex).toBe(1);
  });

  it("an unknown block is answered at once with IGNORE payload_unknown, nothing stored", async () => {
    const verdict = await a.p2p.submitProof(envelope(9, 2, Uint8Array.of(1), 1));
    expect(verdict).toEqual({ result: "ignore", reason: "payload_unknown" });
    expect(a.mem.proofs.has(`${toHex(root(9))}:2`)).toBe(false);
  });

  it("REJECTs a bad signature, an inactive or unknown validator, an invalid proof, empty data, a foreign type", async () => {
    expect(await a.p2p.submitProof(envelope(2, 3, Uint8Array.of(1), 1, 2))).toEqual({
      result: "reject",
      reason: "bad_signature",
    });
    expect(await a.p2p.submitProof(envelope(2, 3, Uint8Array.of(1), 5))).toEqual({
      result: "reject",
      reason: "inactive_validator",
    });
    const unknown = { ...envelope(2, 3, Uint8Array.of(1), 1), validatorIndex: 77 };
    expect(await a.p2p.submitProof(unknown)).toEqual({ result: "reject", reason: "unknown_validator" });
    expect(await a.p2p.submitProof(envelope(2, 3, Uint8Array.of(INVALID_PROOF_MARK), 2))).toEqual({
      result: "reject",
      reason: "invalid_proof",
    });
    expect(await a.p2p.submitProof(envelope(2, 3, new Uint8Array(0), 3))).toEqual({
      result: "reject",
      reason: "empty_proof",
    });
    expect(await a.p2p.submitProof(envelope(2, 8, Uint8Array.of(1), 3))).toEqual({
      result: "reject",
      reason: "unsupported_proof_type",
    });
    expect(a.mem.proofs.has(`${toHex(root(2))}:3`)).toBe(false);
  });

  it("the validator whose proof failed verification may not try again for that (block, type)", async () => {
    // Validator 2's signed but invalid proof above claimed its one slot for (block 2, type 3).
    expect(await a.p2p.submitProof(envelope(2, 3, Uint8Array.of(1), 2))).toEqual({
      result: "ignore",
      reason: "not_first_from_validator",
    });
    expect(await a.p2p.submitProof(envelope(2, 3, Uint8Array.of(1), 4))).toEqual({ result: "accept" });
  });
});
