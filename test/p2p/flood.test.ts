// Flood resistance on loopback (issue 18, defect 6 and the flood fault test): a raw gossipsub peer that
// floods envelopes for blocks that never come, or malformed messages, next to an honest eproof node
// whose proof for a late block must still get through. Per-peer quotas in the pending queue, a score
// penalty for IGNOREs that never resolve, a disconnect under the graylist threshold, and a proof
// dropped from the queue that is validated again when a later copy arrives or fetched from the beacon
// node once its block is known.
import { multiaddr } from "@multiformats/multiaddr";
import { afterEach, describe, expect, it } from "vitest";
import { PEER_SCORE_THRESHOLDS } from "../../src/p2p/gossip/gossipsubConfig.ts";
import { compressSnappyBlock } from "../../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import type { EproofLibp2p } from "../../src/p2p/node.ts";
import type { SignedExecutionProof } from "../../src/spec/containers.ts";
import {
  envelopeContainers as c,
  FORK_DIGEST,
  makeValidators,
  proof,
  root,
  signProof,
  startHostile,
  startNode,
  type TestNode,
  waitFor,
} from "./harness.ts";

const validators = makeValidators(4);
const topic = executionProofTopic(FORK_DIGEST);
const block = (i: number) => root(100 + i);
const envelope = (i: number, data: Uint8Array, signer = 1): SignedExecutionProof =>
  signProof(validators, signer, proof(root(i), 2, data, block(i)), signer, c);
const wire = (s: SignedExecutionProof) => compressSnappyBlock(c.SignedExecutionProof.serialize(s));

/** An envelope for block `b` that nobody will ever see, signed with a reused (wrong) signature. */
const junkSig = envelope(1, Uint8Array.of(1)).signature;
function junk(b: number): Uint8Array {
  const blockRoot = new Uint8Array(32);
  new DataView(blockRoot.buffer).setUint32(0, b + 1);
  blockRoot[31] = 0xaa;
  return wire({
    message: proof(new Uint8Array(32), 2, Uint8Array.of(1, 2, 3), blockRoot),
    validatorIndex: 1,
    signature: junkSig,
  });
}

let opened: { stop(): unknown }[] = [];
afterEach(async () => {
  for (const o of opened.reverse()) await o.stop();
  opened = [];
});

async function node(opts: Parameters<typeof startNode>[1], extra?: Parameters<typeof startNode>[3]) {
  const n = await startNode(validators, opts, c, extra);
  opened.push(n.p2p);
  return n;
}
async function hostile(target: TestNode, started?: EproofLibp2p): Promise<EproofLibp2p> {
  const h = started ?? (await startHostile(topic, c.maxSignedProofBytes));
  if (!started) opened.push(h);
  const addr = target.p2p.multiaddrs()[0];
  if (addr) await h.dial(multiaddr(addr));
  await waitFor(() => target.p2p.gossipPeers().includes(h.peerId.toString()));
  // Both ways: a publish before the peer knows our subscription would go nowhere.
  await waitFor(() =>
    h.services.pubsub.getSubscribers(topic).some((p) => p.toString() === target.p2p.peerId),
  );
  return h;
}
async function link(a: TestNode, b: TestNode): Promise<void> {
  const addr = b.p2p.multiaddrs()[0];
  if (addr) await a.p2p.dial(addr);
  await waitFor(() => a.p2p.gossipPeers().includes(b.p2p.peerId));
}
const ignored = (n: TestNode, reason: string) => n.metrics.ignored.get(reason as never) ?? 0;
const scoreOf = (n: TestNode, peer: string) => n.p2p.peers().find((p) => p.peerId === peer)?.score;

describe("IGNOREd gossip is not free (defect 6)", () => {
  it("one peer cannot fill the pending queue: an honest peer's proof for a late block still gets through", async () => {
    const a = await node({ pendingQueueSize: 64, pendingPerPeer: 8, pendingQueueTtlMs: 30_000 });
    const b = await node({});
    await link(b, a);
    const h = await hostile(a);
    for (let i = 0; i < 200; i++) await h.services.pubsub.publish(topic, junk(i));
    await waitFor(() => ignored(a, "peer_quota") >= 192);
    expect(ignored(a, "queue_full")).toBe(0);
    // The IGNOREs that can never resolve cost the flooding peer score; the honest one keeps its own.
    await waitFor(() => (scoreOf(a, h.peerId.toString()) ?? 0) < -1000);
    expect(scoreOf(a, b.p2p.peerId) ?? -1).toBeGreaterThanOrEqual(0);

    // B proved block 5, which A has not seen yet: queued, accepted once the payload is known.
    b.mem.addPayload(root(5), 15, block(5));
    const received = a.metrics.received;
    expect(await b.p2p.publishProof(envelope(5, Uint8Array.of(5, 5)))).toBe(true);
    await waitFor(() => a.metrics.received > received);
    expect(a.accepted).toHaveLength(0);
    a.mem.addPayload(root(5), 15, block(5));
    a.p2p.onPayloadKnown(root(5), block(5));
    await waitFor(() => a.accepted.length === 1);
  }, 30_000);

  it("a peer flooding envelopes for blocks that never come is graylisted and disconnected", async () => {
    const a = await node({ pendingPerPeer: 8, pendingQueueTtlMs: 30_000 });
    const h = await hostile(a);
    const id = h.peerId.toString();
    for (let i = 0; i < 1200; i++) await h.services.pubsub.publish(topic, junk(i));
    await waitFor(() => !a.p2p.peers().some((p) => p.peerId === id), 15_000);
    expect(ignored(a, "peer_quota")).toBeGreaterThan(800);
  }, 30_000);

  it("a proof dropped from the queue is validated again when a later copy arrives after its block", async () => {
    const a = await node({ pendingQueueTtlMs: 300 });
    const h1 = await hostile(a);
    const late = wire(envelope(6, Uint8Array.of(6, 6)));
    await h1.services.pubsub.publish(topic, late);
    await waitFor(() => ignored(a, "queue_expired") >= 1);
    a.mem.addPayload(root(6), 16, block(6));
    a.p2p.onPayloadKnown(root(6), block(6));
    // The same bytes from another peer: not a gossipsub duplicate any more.
    const h2 = await hostile(a);
    await h2.services.pubsub.publish(topic, late);
    await waitFor(() => a.accepted.length === 1);
  }, 30_000);

  it("a proof dropped from the queue is fetched from the beacon node once its block is known", async () => {
    const served = envelope(7, Uint8Array.of(7, 7));
    const asked: string[] = [];
    const a = await node(
      { pendingQueueTtlMs: 300 },
      {
        fetchProofs: async (blockRoot) => {
          asked.push(Buffer.from(blockRoot).toString("hex"));
          return [served];
        },
      },
    );
    const h = await hostile(a);
    await h.services.pubsub.publish(topic, wire(served));
    await waitFor(() => ignored(a, "queue_expired") >= 1);
    expect(asked).toEqual([]);
    a.mem.addPayload(root(7), 17, block(7));
    a.p2p.onPayloadKnown(root(7), block(7));
    await waitFor(() => a.accepted.length === 1);
    expect(asked).toEqual([Buffer.from(block(7)).toString("hex")]);
  }, 30_000);
});

describe("a flood of invalid gossip from one peer", () => {
  it("graylists and disconnects the peer; valid proofs from others keep flowing", async () => {
    const a = await node({});
    const b = await node({});
    await link(b, a);
    a.mem.addPayload(root(3), 13, block(3));
    b.mem.addPayload(root(3), 13, block(3));
    const h = await hostile(a);
    const id = h.peerId.toString();
    const garbage = (i: number) => compressSnappyBlock(Uint8Array.of(1, 2, 3, i & 0xff, i >> 8));
    for (let i = 0; i < 2000 && a.p2p.peers().some((p) => p.peerId === id); i++)
      await h.services.pubsub.publish(topic, garbage(i)).catch(() => undefined);
    await waitFor(() => !a.p2p.peers().some((p) => p.peerId === id), 15_000);
    expect(a.metrics.rejected.get("malformed_ssz") ?? 0).toBeGreaterThan(0);
    expect(PEER_SCORE_THRESHOLDS.graylistThreshold).toBeLessThan(0);
    expect(await b.p2p.publishProof(envelope(3, Uint8Array.of(3, 3)))).toBe(true);
    await waitFor(() => a.accepted.length === 1);
  }, 30_000);
});

describe("a sustained flood from a peer that reconnects (issue 18)", () => {
  /** Floods `h` at `a` in bursts of 100 until a hangs up; how many were published. */
  async function floodUntilCut(a: TestNode, h: EproofLibp2p, from: number): Promise<number> {
    const id = h.peerId.toString();
    const cut = () => !a.p2p.peers().some((p) => p.peerId === id);
    let n = 0;
    while (!cut() && n < 2000) {
      for (const end = n + 100; n < end; n++) {
        // Alternating: malformed (REJECT) and an envelope for a block that never comes (IGNORE, queued).
        const data = n % 2 === 0 ? compressSnappyBlock(Uint8Array.of(1, 2, from + n)) : junk(from + n);
        await h.services.pubsub.publish(topic, data).catch(() => undefined);
      }
      await waitFor(() => cut() || a.metrics.received >= n, 5_000).catch(() => undefined);
    }
    await waitFor(cut, 15_000);
    await waitFor(() => !h.getConnections().some((x) => x.remotePeer.toString() === a.p2p.peerId));
    return n;
  }
  const connectedTo = (h: EproofLibp2p, a: TestNode) =>
    h.getConnections().some((x) => x.remotePeer.toString() === a.p2p.peerId);

  it("a cut-off peer's reconnects are refused; a fresh id is cut again, its queued entries dropped; valid proofs still accepted", async () => {
    const a = await node({ pendingQueueTtlMs: 30_000 });
    const b = await node({});
    await link(b, a);
    const addrA = multiaddr(a.p2p.multiaddrs()[0] ?? "");
    const h = await hostile(a);
    await floodUntilCut(a, h, 0);
    const cut = a.p2p.floodDefence?.();
    expect(cut?.cutOff).toBe(1);
    const validated = a.metrics.received;

    // The same peer id reconnects (new connections): refused after the handshake, nothing read.
    const refused = () => a.p2p.floodDefence?.().refusedConnections ?? 0;
    for (let i = 0; i < 3; i++) {
      // Past libp2p's inbound limit of 5 connections per second from one host.
      await new Promise((r) => setTimeout(r, 250));
      await h.dial(addrA).catch(() => undefined);
      await waitFor(() => refused() === i + 1);
      await waitFor(() => !connectedTo(h, a) && !a.p2p.peers().some((p) => p.peerId === h.peerId.toString()));
    }
    expect(a.metrics.received).toBe(validated);
    // Nor does A dial it.
    await expect(a.p2p.dial(h.getMultiaddrs()[0]?.toString() ?? "")).rejects.toThrow();
    expect(a.p2p.floodDefence?.().refusedConnections).toBe(4);

    // A cut and two refused reconnects from one IP: new inbound connections from it are throttled
    // (refused at TCP accept, before any handshake): one a second, doubling with each offence since
    // (the third reconnect). A fresh peer id right away is refused; it gets in when the interval has
    // passed, floods, and is cut like the first; what it queued goes with it.
    const fresh = await startHostile(topic, c.maxSignedProofBytes);
    opened.push(fresh);
    await expect(fresh.dial(addrA)).rejects.toThrow();
    expect(a.p2p.floodDefence?.().throttledConnections).toBe(1);
    for (let ok = false; !ok; ) {
      await new Promise((r) => setTimeout(r, 500));
      ok = await fresh.dial(addrA).then(
        () => true,
        () => false,
      );
    }
    expect(a.p2p.floodDefence?.().throttledConnections).toBeGreaterThan(1);
    const h2 = await hostile(a, fresh);
    await floodUntilCut(a, h2, 10_000);
    expect(a.p2p.floodDefence?.().cutOff).toBe(2);
    expect(ignored(a, "peer_cut_off")).toBeGreaterThan(0);
    expect(ignored(a, "peer_cut_off") + ignored(a, "queue_expired")).toBeLessThanOrEqual(2 * 64);

    // The honest peer is still connected and its proofs are accepted, before and after its block.
    expect(a.p2p.gossipPeers()).toContain(b.p2p.peerId);
    for (const n of [a, b]) n.mem.addPayload(root(8), 18, block(8));
    expect(await b.p2p.publishProof(envelope(8, Uint8Array.of(8, 8)))).toBe(true);
    await waitFor(() => a.accepted.length === 1);
    b.mem.addPayload(root(9), 19, block(9));
    expect(await b.p2p.publishProof(envelope(9, Uint8Array.of(9, 9)))).toBe(true);
    await waitFor(() => a.metrics.received > validated + 1);
    a.mem.addPayload(root(9), 19, block(9));
    a.p2p.onPayloadKnown(root(9), block(9));
    await waitFor(() => a.accepted.length === 2);
  }, 30_000);
});
