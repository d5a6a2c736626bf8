// The v1.7 envelope form on a 5-node loopback network plus a hostile raw gossipsub peer: each rule's
// IGNORE/REJECT in the merged order, the queue for envelopes whose block is unknown, PublicInput
// rebuilt from our own payload, peer scores, the CPU type kept off the wire, and an old-profile node
// and a new-profile node refusing each other's messages without a crash.

import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressSnappyBlock } from "../../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import type { EproofLibp2p } from "../../src/p2p/node.ts";
import { CPU_PROOF_TYPE_ID } from "../../src/spec/proofTypes.ts";
import { toHex } from "../../src/util/hex.ts";
import {
  envelopeContainers as c,
  FORK_DIGEST,
  INVALID_PROOF_MARK,
  makeValidators,
  containers as oldContainers,
  proof,
  root,
  signProof,
  startHostile,
  startNode,
  type TestNode,
  waitFor,
} from "./harness.ts";

const validators = makeValidators(8); // validator 7 is inactive
const topic = executionProofTopic(FORK_DIGEST);
const nodes: TestNode[] = [];
let hostile: EproofLibp2p;

/** Payload root(i) belongs to block root(100 + i). */
const block = (i: number) => root(100 + i);
const envelope = (i: number, type: number, data: Uint8Array, signer: number, signWith = signer) =>
  signProof(validators, signer, proof(root(i), type, data, block(i)), signWith, c);
const wire = (s: ReturnType<typeof envelope>) => compressSnappyBlock(c.SignedExecutionProof.serialize(s));

const send = (data: Uint8Array) => hostile.services.pubsub.publish(topic, data);
const n0 = (): TestNode => {
  const n = nodes[0];
  if (!n) throw new Error("no node");
  return n;
};
const rejected = (reason: string) => n0().metrics.rejected.get(reason as never) ?? 0;
const ignored = (reason: string) => n0().metrics.ignored.get(reason as never) ?? 0;

beforeAll(async () => {
  for (let i = 0; i < 5; i++) nodes.push(await startNode(validators, { pendingQueueTtlMs: 3_000 }, c));
  for (let i = 0; i < 5; i++) {
    const addr = nodes[(i + 1) % 5]?.p2p.multiaddrs()[0];
    if (addr) await nodes[i]?.p2p.dial(addr);
  }
  const chord = nodes[2]?.p2p.multiaddrs()[0];
  if (chord) await nodes[0]?.p2p.dial(chord);
  for (const n of nodes) {
    n.mem.addPayload(root(1), 10, block(1));
    n.mem.addPayload(root(2), 11, block(2));
  }
  hostile = await startHostile(topic, c.maxSignedProofBytes);
  const target = nodes[0]?.p2p.multiaddrs()[0];
  if (target) await hostile.dial(multiaddr(target));
  await waitFor(() => nodes.every((n) => n.p2p.gossipPeers().length >= 2));
  await waitFor(() => (nodes[0]?.p2p.gossipPeers().length ?? 0) >= 4);
}, 30_000);

afterAll(async () => {
  await hostile?.stop();
  for (const n of nodes) await n.p2p.stop();
});

describe("execution_proof envelopes (v1.7.0-beta.4) on 5 nodes", () => {
  const first = envelope(1, 2, Uint8Array.of(1, 2, 3), 1);

  it("an envelope reaches every node; each rebuilds PublicInput from its own payload and stores it", async () => {
    expect(await n0().p2p.publishProof(first)).toBe(true);
    await waitFor(() => nodes.slice(1).every((n) => n.accepted.length === 1));
    for (const n of nodes.slice(1)) {
      const got = n.accepted[0];
      expect(toHex(got?.message.beaconBlockRoot ?? new Uint8Array())).toBe(toHex(block(1)));
      expect(toHex(got?.message.publicInput.newPayloadRequestRoot ?? new Uint8Array())).toBe(toHex(root(1)));
      const stored = n.mem.proofs.get(`0x${"01".repeat(32)}:2`);
      expect(stored?.slot).toBe(10);
      // What is stored is the envelope as received.
      expect(toHex(stored?.proof ?? new Uint8Array())).toBe(toHex(c.ExecutionProof.serialize(first.message)));
    }
  });

  it("REJECTs empty proof_data and an unsupported proof type before looking the block up", async () => {
    // Block root(9) is unknown everywhere: these must not wait in the queue.
    const queuedBefore = ignored("queue_expired");
    await send(wire(signProof(validators, 1, proof(root(9), 2, new Uint8Array(0), root(109)), 1, c)));
    await send(wire(signProof(validators, 1, proof(root(9), 8, Uint8Array.of(1), root(109)), 1, c)));
    await send(
      wire(signProof(validators, 1, proof(root(9), CPU_PROOF_TYPE_ID, Uint8Array.of(1), root(109)), 1, c)),
    );
    await waitFor(() => rejected("empty_proof") >= 1 && rejected("unsupported_proof_type") >= 2);
    expect(ignored("queue_expired")).toBe(queuedBefore);
  });

  it("IGNOREs a second valid proof of the type for the block, before any other rule", async () => {
    const before = ignored("valid_already_received");
    // Even badly signed: the block already has a valid proof of type 2.
    await send(wire(envelope(1, 2, Uint8Array.of(9, 9), 3, 4)));
    await waitFor(() => ignored("valid_already_received") > before);
    expect(rejected("bad_signature")).toBe(0);
  });

  it("REJECTs a bad signature and an inactive validator; an invalid proof is REJECTed, then that validator's next one for the pair is IGNOREd", async () => {
    await send(wire(envelope(2, 3, Uint8Array.of(1), 5, 6)));
    await send(wire(envelope(2, 3, Uint8Array.of(2), 7)));
    await waitFor(() => rejected("bad_signature") >= 1 && rejected("inactive_validator") >= 1);
    const bad = envelope(2, 4, Uint8Array.of(INVALID_PROOF_MARK, 1), 4);
    await send(wire(bad));
    await waitFor(() => rejected("invalid_proof") >= 1);
    const good = envelope(2, 4, Uint8Array.of(5, 5), 4);
    await send(wire(good));
    await waitFor(() => ignored("not_first_from_validator") >= 1);
    expect(n0().mem.proofs.has(`0x${"02".repeat(32)}:4`)).toBe(false);
  });

  it("malformed bytes are REJECTed and the hostile peer's score drops; nothing hostile is forwarded", async () => {
    await send(compressSnappyBlock(Uint8Array.of(1, 2, 3, 4, 5)));
    await waitFor(() => rejected("malformed_ssz") >= 1);
    await waitFor(() => {
      const me = hostile.peerId.toString();
      return (
        (n0()
          .p2p.peers()
          .find((p) => p.peerId === me)?.score ?? 0) < 0
      );
    }, 5_000);
    for (const n of nodes.slice(1)) expect(n.accepted.length).toBe(1);
  });

  it("queues an envelope whose block is unknown and accepts it once the payload is known", async () => {
    const early = envelope(3, 1, Uint8Array.of(7, 7, 7), 2);
    await send(wire(early));
    await new Promise((r) => setTimeout(r, 300));
    expect(n0().p2p.peers().length).toBeGreaterThan(0);
    expect(n0().accepted.some((s) => s.message.proofData[0] === 7)).toBe(false);
    for (const n of nodes) {
      n.mem.addPayload(root(3), 12, block(3));
      n.p2p.onPayloadKnown(root(3), block(3));
    }
    await waitFor(() => nodes.every((n) => n.accepted.some((s) => s.message.proofData[0] === 7)));
    expect(
      n0().accepted.find((s) => s.message.proofData[0] === 7)?.message.publicInput.newPayloadRequestRoot,
    ).toEqual(root(3));
  });

  it("an envelope for a block that never arrives expires from the queue (IGNORE)", async () => {
    const before = ignored("queue_expired");
    await send(wire(envelope(4, 1, Uint8Array.of(4), 2)));
    await waitFor(() => ignored("queue_expired") > before, 8_000);
  });

  it("never gossips the CPU type or an envelope without a block root", async () => {
    const cpu = envelope(1, CPU_PROOF_TYPE_ID, Uint8Array.of(1), 2);
    expect(await n0().p2p.publishProof(cpu)).toBe(false);
    const noBlock = signProof(validators, 2, proof(root(1), 3, Uint8Array.of(1), new Uint8Array(32)), 2, c);
    expect(await n0().p2p.publishProof(noBlock)).toBe(false);
  });
});

describe("profiles that disagree refuse each other's messages", () => {
  it("an old-profile node and a new-profile node REJECT or IGNORE each other, and neither crashes", async () => {
    const oldNode = await startNode(validators, {}, oldContainers);
    const newNode = await startNode(validators, {}, c);
    const localOnly = await startNode(validators, { localProofTypes: [CPU_PROOF_TYPE_ID] }, c);
    try {
      // Both know the payload root(1) of block root(1): each side's message names a known subject.
      for (const n of [oldNode, newNode, localOnly]) {
        n.mem.addPayload(root(1), 10, root(1));
      }
      await oldNode.p2p.dial(newNode.p2p.multiaddrs()[0] ?? "");
      await localOnly.p2p.dial(newNode.p2p.multiaddrs()[0] ?? "");
      await waitFor(() => newNode.p2p.gossipPeers().length >= 2 && oldNode.p2p.gossipPeers().length >= 1);
      const oldMsg = signProof(validators, 1, proof(root(1), 1, Uint8Array.of(1, 2)), 1, oldContainers);
      expect(await oldNode.p2p.publishProof(oldMsg)).toBe(true);
      const newMsg = signProof(validators, 2, proof(root(1), 2, Uint8Array.of(3, 4), root(1)), 2, c);
      expect(await newNode.p2p.publishProof(newMsg)).toBe(true);
      // The old proof's bytes parse as an envelope, but its signature is over another root.
      await waitFor(() => (newNode.metrics.rejected.get("bad_signature") ?? 0) >= 1);
      await waitFor(() => (oldNode.metrics.rejected.get("bad_signature") ?? 0) >= 1);
      expect(newNode.accepted).toHaveLength(0);
      expect(oldNode.accepted).toHaveLength(0);
      // A network that announces the CPU type gossips it; a v1.7 node without it REJECTs it.
      const cpu = signProof(
        validators,
        3,
        proof(root(1), CPU_PROOF_TYPE_ID, Uint8Array.of(5), root(1)),
        3,
        c,
      );
      expect(await localOnly.p2p.publishProof(cpu)).toBe(true);
      await waitFor(() => (newNode.metrics.rejected.get("unsupported_proof_type") ?? 0) >= 1);
      expect(newNode.p2p.peers().length).toBeGreaterThan(0);
    } finally {
      for (const n of [oldNode, newNode, localOnly]) await n.p2p.stop();
    }
  }, 30_000);
});
