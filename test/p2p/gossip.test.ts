// A 5-node eproof network on 127.0.0.1 plus a hostile raw gossipsub peer: propagation, the dedup rules,
// every REJECT rule with the sender's score dropping, the pending-payload queue, and backfill.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compressSnappyBlock } from "../../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import type { EproofLibp2p } from "../../src/p2p/node.ts";
import {
  containers,
  FORK_DIGEST,
  INVALID_PROOF_MARK,
  makeValidators,
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

function hostileScoreAt(n: TestNode): number {
  const me = hostile.peerId.toString();
  return n.p2p.peers().find((p) => p.peerId === me)?.score ?? 0;
}

async function hostileSend(data: Uint8Array): Promise<void> {
  await hostile.services.pubsub.publish(topic, data);
}

beforeAll(async () => {
  for (let i = 0; i < 5; i++) nodes.push(await startNode(validators));
  // A ring plus one chord: every node reaches every other in ≤ 2 hops.
  for (let i = 0; i < 5; i++) {
    const next = nodes[(i + 1) % 5];
    const addr = next?.p2p.multiaddrs()[0];
    if (addr) await nodes[i]?.p2p.dial(addr);
  }
  const chord = nodes[2]?.p2p.multiaddrs()[0];
  if (chord) await nodes[0]?.p2p.dial(chord);
  for (const n of nodes) {
    n.mem.addPayload(root(1), 10, root(101));
    n.mem.addPayload(root(2), 11, root(102));
  }
  hostile = await startHostile(topic, containers.maxSignedProofBytes);
  const target = nodes[0]?.p2p.multiaddrs()[0];
  if (target) await hostile.dial((await import("@multiformats/multiaddr")).multiaddr(target));
  await waitFor(() => nodes.every((n) => n.p2p.gossipPeers().length >= 2));
  await waitFor(() => (nodes[0]?.p2p.gossipPeers().length ?? 0) >= 4);
}, 30_000);

afterAll(async () => {
  await hostile?.stop();
  for (const n of nodes) await n.p2p.stop();
});

describe("execution_proof gossip on 5 nodes", () => {
  const first = signProof(validators, 1, proof(root(1), 1, Uint8Array.of(1, 2, 3)));

  it("a signed proof reaches every node and is stored", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    expect(await n0.p2p.publishProof(first)).toBe(true);
    await waitFor(() => nodes.slice(1).every((n) => n.accepted.length === 1));
    for (const n of nodes.slice(1)) {
      expect(n.accepted[0]?.validatorIndex).toBe(1);
      expect(n.mem.proofs.size).toBe(1);
      expect([...n.mem.proofs.values()][0]?.slot).toBe(10);
    }
  });

  it("publishes a proof once", async () => {
    expect(await nodes[0]?.p2p.publishProof(first)).toBe(false);
    expect(await nodes[3]?.p2p.publishProof(first)).toBe(false);
  });

  it("IGNOREs an already-seen proof signed again by another validator", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const before = n0.metrics.ignored.get("already_seen") ?? 0;
    const acceptedBefore = n0.metrics.accepted;
    await hostileSend(
      compressSnappyBlock(containers.SignedExecutionProof.serialize(signProof(validators, 2, first.message))),
    );
    await waitFor(() => (n0.metrics.ignored.get("already_seen") ?? 0) > before);
    expect(n0.metrics.accepted).toBe(acceptedBefore);
  });

  it("IGNOREs a second valid proof for the same (root, type)", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const other = signProof(validators, 3, proof(root(1), 1, Uint8Array.of(9, 9)));
    await hostileSend(compressSnappyBlock(containers.SignedExecutionProof.serialize(other)));
    await waitFor(() => (n0.metrics.ignored.get("valid_already_received") ?? 0) >= 1);
  });

  it("REJECTs an invalid proof, then IGNOREs that validator's second proof for the pair", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const bad = signProof(validators, 4, proof(root(2), 2, Uint8Array.of(INVALID_PROOF_MARK, 1)));
    await hostileSend(compressSnappyBlock(containers.SignedExecutionProof.serialize(bad)));
    await waitFor(() => (n0.metrics.rejected.get("invalid_proof") ?? 0) >= 1);
    const good = signProof(validators, 4, proof(root(2), 2, Uint8Array.of(5, 5)));
    await hostileSend(compressSnappyBlock(containers.SignedExecutionProof.serialize(good)));
    await waitFor(() => (n0.metrics.ignored.get("not_first_from_validator") ?? 0) >= 1);
    expect(n0.mem.proofs.has(`0x${"02".repeat(32)}:2`)).toBe(false);
  });

  it("REJECTs bad signature, inactive validator, empty and oversize proofs, bad snappy and bad SSZ; score drops", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const send = (s: ReturnType<typeof signProof>) =>
      hostileSend(compressSnappyBlock(containers.SignedExecutionProof.serialize(s)));
    await send(signProof(validators, 5, proof(root(2), 3, Uint8Array.of(1)), 6));
    await send(signProof(validators, 7, proof(root(2), 3, Uint8Array.of(2))));
    await send(signProof(validators, 5, proof(root(2), 4, new Uint8Array(0))));
    await send(
      signProof(
        validators,
        6,
        proof(root(2), 4, new Uint8Array(containers.profile.maxProofSize + 1).fill(3)),
      ),
    );
    await hostileSend(Uint8Array.of(0x05, 0xff, 0xff, 0xff));
    await hostileSend(compressSnappyBlock(Uint8Array.of(1, 2, 3, 4, 5)));
    await waitFor(() => {
      const r = n0.metrics.rejected;
      return (
        (r.get("bad_signature") ?? 0) >= 1 &&
        (r.get("inactive_validator") ?? 0) >= 1 &&
        (r.get("empty_proof") ?? 0) >= 1 &&
        (r.get("oversize_snappy") ?? 0) >= 1 &&
        (r.get("malformed_snappy") ?? 0) >= 1 &&
        (r.get("malformed_ssz") ?? 0) >= 1
      );
    });
    // gossipsub caches scores for one heartbeat (0.7 s).
    await waitFor(() => hostileScoreAt(n0) < 0, 5_000);
    expect(hostileScoreAt(n0)).toBeLessThan(0);
    // Nothing hostile was forwarded: other nodes never saw an accepted proof besides the first.
    for (const n of nodes.slice(1)) expect(n.accepted.length).toBe(1);
  });

  it("refuses a decompression bomb without allocating its claimed size", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const before = n0.metrics.rejected.get("oversize_snappy") ?? 0;
    // Header claims 2 GiB - 1, body is a handful of bytes.
    const bomb = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x61);
    const mem0 = process.memoryUsage().arrayBuffers;
    await hostileSend(bomb);
    await waitFor(() => (n0.metrics.rejected.get("oversize_snappy") ?? 0) > before);
    expect(process.memoryUsage().arrayBuffers - mem0).toBeLessThan(256 * 1024 * 1024);
  });

  it("queues a proof whose payload is unknown and accepts it once the payload is known", async () => {
    const n0 = nodes[0];
    if (!n0) throw new Error("no node");
    const early = signProof(validators, 2, proof(root(3), 1, Uint8Array.of(7, 7, 7)));
    await hostileSend(compressSnappyBlock(containers.SignedExecutionProof.serialize(early)));
    await new Promise((r) => setTimeout(r, 300));
    expect(n0.accepted.some((s) => s.message.proofData[0] === 7)).toBe(false);
    for (const n of nodes) {
      n.mem.addPayload(root(3), 12, root(103));
      n.p2p.onPayloadKnown(root(3));
    }
    // n0 accepts and forwards it; the rest get it through gossip (their own queue or directly).
    await waitFor(() => nodes.every((n) => n.accepted.some((s) => s.message.proofData[0] === 7)));
  });

  it("a late-joining node backfills by root and by range", async () => {
    const late = await startNode(validators);
    try {
      late.mem.addPayload(root(1), 10, root(101));
      late.mem.addPayload(root(3), 12, root(103));
      const n1 = nodes[1];
      const addr = n1?.p2p.multiaddrs()[0];
      if (!n1 || !addr) throw new Error("no node");
      await late.p2p.dial(addr);
      const byRoot = await late.p2p.backfill({ kind: "root", blockRoots: [root(103)] }, n1.p2p.peerId);
      expect(byRoot).toEqual({ received: 1, accepted: 1, rejected: 0 });
      const byRange = await late.p2p.backfill({ kind: "range", startSlot: 0, count: 64 }, n1.p2p.peerId);
      // Slot 10 is new, slot 12 was just fetched by root (IGNORE already seen).
      expect(byRange.received).toBe(2);
      expect(byRange.accepted).toBe(1);
      expect(late.accepted.map((s) => s.message.publicInput.newPayloadRequestRoot[0]).sort()).toEqual([1, 3]);
    } finally {
      await late.p2p.stop();
    }
  });
});
