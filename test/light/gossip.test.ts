// `eproof light` on real proof gossip: the whole light node (Altair sync from the test beacon server,
// the proof tracker, libp2p on 127.0.0.1) with raw gossipsub peers sending it signed v1.7 envelopes.
// Proofs are verified by the real ere backend against an ere-server double (no GPU here): the double
// only vouches for proofs it made, and the backend checks that the public values commit to the payload
// root the light node derived from the verified block. The head moves only for a valid proof of a
// verified block, never backwards; bad gossip (forged signature, failing proof, unknown or unverified
// block) is REJECTed or IGNOREd as src/p2p/gossip/validation.ts says, costs the sender score, and is
// not relayed.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { multiaddr } from "@multiformats/multiaddr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNprFromBlock } from "../../src/beacon/blockToNpr.ts";
import { configSchema } from "../../src/config/schema.ts";
import type { VerifiedExecutionHead } from "../../src/light/interface.ts";
import { type LightNode, startLightNode } from "../../src/light/node.ts";
import { ForkSchedule } from "../../src/p2p/forkSchedule.ts";
import { compressSnappyBlock } from "../../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../../src/p2p/gossip/topic.ts";
import type { EproofLibp2p } from "../../src/p2p/node.ts";
import { EreBackend } from "../../src/proving/backends/ere.ts";
import { expectedPublicValues } from "../../src/proving/backends/ereGuestIo.ts";
import { signRoot } from "../../src/signing/bls.ts";
import { executionProofSigningRoot } from "../../src/signing/domain.ts";
import { proofContainers, type SignedExecutionProof } from "../../src/spec/containers.ts";
import { payloadRequestRoot } from "../../src/spec/payloadRoot.ts";
import { getProfile } from "../../src/spec/profile.ts";
import { toHex } from "../../src/util/hex.ts";
import { createLogger } from "../../src/util/logger.ts";
import { startHostile, waitFor } from "../p2p/harness.ts";
import { EreTestServer } from "../support/ereServer.ts";
import {
  buildChain,
  finalityUpdateOf,
  interopSecretKey,
  type LcServer,
  optimisticUpdateOf,
  SECONDS_PER_SLOT,
  startLcServer,
  updateOf,
} from "./lcChain.ts";
import { SteppedClock } from "./steppedClock.ts";

const profile = getProfile(); // consensus-specs-v1.7.0-beta.4: envelopes on the wire
const c = proofContainers(profile);
const CHAIN_ID = 1337n; // DEPOSIT_CHAIN_ID the test beacon server's spec names
const TYPE = 2; // ethrex-sp1, the one type the ere-server double "proves"
// Wall-clock slot 72 now: the server's optimistic update is for 71, one for 72 can be signed later.
const genesisTime = Math.floor(Date.now() / 1000) - 72 * SECONDS_PER_SLOT - 1;
const chain = buildChain({ slots: 73, genesisTime });
const blockRoot = (slot: number) => chain.bySlot(slot).root;

/** The payload root the light node must derive for a block (computed here from the block itself). */
function payloadRootOf(slot: number): Uint8Array {
  const built = buildNprFromBlock({ fork: "capella", block: chain.bySlot(slot).signed });
  if (!built) throw new Error(`no payload at slot ${slot}`);
  return payloadRequestRoot(built.npr, profile);
}

let server: LcServer;
let ere: EreTestServer;
let prover: EreBackend;
let node: LightNode;
let dataDir: string;
let topic: string;
let domain: Uint8Array;
const clock = new SteppedClock();
const peers: EproofLibp2p[] = [];
let observer: EproofLibp2p;
const relayed = new Set<string>();
const sseHeads: VerifiedExecutionHead[] = [];
const sseAbort = new AbortController();
const accepted: { slot: number; validatorIndex: number; from: string }[] = [];

/** A real proof from the double: its public values commit to `root` (the guest's "input" is the root). */
async function proveFor(root: Uint8Array): Promise<Uint8Array> {
  const r = await prover.prove({ proofType: TYPE, statelessInput: root, newPayloadRequestRoot: root });
  return r.proofData;
}

function envelope(
  block: Uint8Array,
  proofData: Uint8Array,
  validatorIndex: number,
  signWith = validatorIndex,
): SignedExecutionProof {
  const message = {
    proofData,
    proofType: TYPE,
    publicInput: { newPayloadRequestRoot: new Uint8Array(32) }, // not on the wire in the envelope form
    beaconBlockRoot: block,
  };
  const signature = signRoot(interopSecretKey(signWith), executionProofSigningRoot(message, domain, c));
  return { message, validatorIndex, signature };
}

const wire = (s: SignedExecutionProof) => compressSnappyBlock(c.SignedExecutionProof.serialize(s));

/** A raw gossipsub peer on the light node's topic (publishes bytes as given, validates nothing). */
async function connectPeer(): Promise<EproofLibp2p> {
  const p2p = node.p2p;
  if (!p2p) throw new Error("light node has no p2p");
  const peer = await startHostile(topic, c.maxSignedProofBytes);
  peers.push(peer);
  await peer.dial(multiaddr(p2p.multiaddrs()[0] ?? ""));
  const me = peer.peerId.toString();
  await waitFor(
    () =>
      p2p.gossipPeers().includes(me) &&
      peer.services.pubsub.getSubscribers(topic).some((id) => id.toString() === p2p.peerId),
  );
  return peer;
}

const send = (peer: EproofLibp2p, s: SignedExecutionProof) => peer.services.pubsub.publish(topic, wire(s));

const scoreOf = (peer: EproofLibp2p) =>
  node.p2p?.peers().find((p) => p.peerId === peer.peerId.toString())?.score ?? 0;

async function headApi(): Promise<{ status: number; head: VerifiedExecutionHead | undefined; lag: number }> {
  const res = await fetch(`${node.apiUrl}/eth/v1/eproof/light/head`);
  const body = (await res.json()) as { data: { head?: VerifiedExecutionHead; lagSlots: number } };
  return { status: res.status, head: body.data.head, lag: body.data.lagSlots };
}

/** eproof_gossip_messages_total for one result and reason, from the node's /metrics. */
async function gossipCount(result: string, reason = ""): Promise<number> {
  const text = await (await fetch(`${node.apiUrl}/metrics`)).text();
  const line = text
    .split("\n")
    .find(
      (l) =>
        l.startsWith("eproof_gossip_messages_total{") &&
        l.includes(`result="${result}"`) &&
        l.includes(`reason="${reason}"`),
    );
  return line ? Number(line.split(" ").at(-1)) : 0;
}

async function waitForAsync(cond: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function readSse(): Promise<void> {
  const res = await fetch(`${node.apiUrl}/eth/v1/eproof/light/events`, { signal: sseAbort.signal });
  const reader = res.body?.getReader();
  if (!reader) throw new Error("no SSE body");
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    for (let i = buf.indexOf("\n\n"); i >= 0; i = buf.indexOf("\n\n")) {
      const data = buf
        .slice(0, i)
        .split("\n")
        .find((l) => l.startsWith("data: "));
      buf = buf.slice(i + 2);
      if (data) sseHeads.push(JSON.parse(data.slice(6)) as VerifiedExecutionHead);
    }
  }
}

beforeAll(async () => {
  server = await startLcServer(chain, {
    bootstrapSlot: 32,
    updates: [updateOf(chain, chain.bySlot(66))],
    finality: finalityUpdateOf(chain, chain.bySlot(70)),
    optimistic: optimisticUpdateOf(chain, chain.bySlot(71)),
    swapBlocks: new Map(),
  });
  ere = new EreTestServer({
    // The "guest" commits to the root it was given (the last 32 bytes of its stdin, whatever the framing).
    publicValuesFor: (input) =>
      expectedPublicValues(profile.publicValues, input.inputStdin.subarray(-32), CHAIN_ID),
  });
  const ereUrl = await ere.listen();
  prover = new EreBackend({ url: ereUrl, proofType: TYPE, chainId: CHAIN_ID, profile });
  dataDir = await mkdtemp(join(tmpdir(), "eproof-light-gossip-"));
  const config = configSchema.parse({
    network: "custom",
    dataDir,
    p2p: { enabled: true, listen: ["/ip4/127.0.0.1/tcp/0"], discovery: false, blsWorkers: 0 },
    proving: { backends: [{ kind: "ere", url: ereUrl, proofType: "ethrex-sp1" }] },
    light: {
      beaconUrl: server.url,
      checkpointRoot: toHex(chain.bySlot(32).root),
      port: 0,
      pollIntervalMs: 200,
      // Longer than the clock step below, so no request of the node times out because of it.
      requestTimeoutMs: 60_000,
    },
  });
  node = await startLightNode(config, { logger: createLogger({ level: "silent" }), clock });
  node.p2p?.onProofAccepted((e) => {
    const slot = chain.blocks.find(
      (b) => toHex(b.root) === toHex(e.signed.message.beaconBlockRoot ?? new Uint8Array()),
    )?.slot;
    accepted.push({ slot: slot ?? -1, validatorIndex: e.signed.validatorIndex, from: e.from });
  });
  // The verified blocks this test proves (sync committee: 66, 70, 71).
  await waitFor(() => [66, 70, 71].every((s) => node.tracker.payloadRootOfBlock(blockRoot(s)) !== undefined));
  const forks = new ForkSchedule({
    chainConfig: chain.config,
    genesisValidatorsRoot: chain.genesisValidatorsRoot,
    genesisTime,
    profile,
    clock,
  });
  topic = executionProofTopic(forks.current());
  domain = forks.currentDomain();
  void readSse().catch(() => undefined);
  // Sees what the light node relays (a mesh peer that sends nothing).
  observer = await connectPeer();
  observer.services.pubsub.addEventListener("message", (evt) => {
    if (evt.detail.topic === topic) relayed.add(toHex(evt.detail.data));
  });
}, 30_000);

afterAll(async () => {
  sseAbort.abort();
  for (const p of peers) await p.stop();
  await node?.stop();
  await prover?.close?.();
  await ere?.close();
  await server?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("eproof light on proof gossip", () => {
  let honest: EproofLibp2p;
  const goodProofs = new Map<number, Uint8Array>();
  const badWire: string[] = [];

  it("derives each verified block's payload root from the block itself, and has no head yet", async () => {
    for (const slot of [66, 70, 71]) {
      expect(toHex(node.tracker.payloadRootOfBlock(blockRoot(slot)) ?? new Uint8Array())).toBe(
        toHex(payloadRootOf(slot)),
      );
      goodProofs.set(slot, await proveFor(payloadRootOf(slot)));
    }
    const { status, head } = await headApi();
    expect(status).toBe(503);
    expect(head).toBeUndefined();
  });

  it("a valid envelope for a verified block, from a peer, moves the verified head (API, SSE, relay)", async () => {
    honest = await connectPeer();
    const msg = envelope(blockRoot(70), goodProofs.get(70) as Uint8Array, 3);
    await send(honest, msg);
    await waitForAsync(async () => (await headApi()).head?.slot === 70);
    const { status, head } = await headApi();
    expect(status).toBe(200);
    const payload = chain.bySlot(70).signed.message.body.executionPayload;
    expect(head).toMatchObject({
      slot: 70,
      blockRoot: toHex(blockRoot(70)),
      executionBlockNumber: 70,
      executionBlockHash: toHex(payload.blockHash),
      stateRoot: toHex(payload.stateRoot),
      payloadRoot: toHex(payloadRootOf(70)),
      proofs: [{ proofType: TYPE, name: "ethrex-sp1", validatorIndex: 3 }],
    });
    expect(accepted).toEqual([{ slot: 70, validatorIndex: 3, from: honest.peerId.toString() }]);
    await waitFor(() => sseHeads.length >= 1);
    expect(sseHeads.map((h) => [h.slot, h.blockRoot])).toEqual([[70, toHex(blockRoot(70))]]);
    // Accepted gossip is relayed to the light node's other peers.
    await waitFor(() => relayed.has(toHex(wire(msg))));
  });

  it("a valid proof of an older verified block is accepted but never moves the head back", async () => {
    await send(honest, envelope(blockRoot(66), goodProofs.get(66) as Uint8Array, 2));
    await waitFor(() => accepted.some((a) => a.slot === 66));
    expect((await headApi()).head?.slot).toBe(70);
    expect(node.tracker.head()?.slot).toBe(70);
    expect(sseHeads.map((h) => h.slot)).toEqual([70]);
  });

  it("a forged signature and an unknown validator are REJECTed, cost the sender score, and do not move the head", async () => {
    const liar = await connectPeer();
    const before = await gossipCount("reject", "bad_signature");
    const unknownBefore = await gossipCount("reject", "unknown_validator");
    // Validator 4's valid proof of block 71, signed with validator 5's key; and one from validator 99,
    // whom the beacon node does not know (the chain has 16).
    const forged = envelope(blockRoot(71), goodProofs.get(71) as Uint8Array, 4, 5);
    const nobody = envelope(blockRoot(71), goodProofs.get(71) as Uint8Array, 99, 5);
    badWire.push(toHex(wire(forged)), toHex(wire(nobody)));
    await send(liar, forged);
    await send(liar, nobody);
    await waitForAsync(async () => (await gossipCount("reject", "bad_signature")) > before);
    await waitForAsync(async () => (await gossipCount("reject", "unknown_validator")) > unknownBefore);
    await waitFor(() => scoreOf(liar) < 0, 5_000);
    expect(node.tracker.head()?.slot).toBe(70);
    expect(accepted.some((a) => a.slot === 71)).toBe(false);
  });

  it("proofs that fail verification are REJECTed (invalid_proof), penalized, and leave the head", async () => {
    const badProver = await connectPeer();
    const before = await gossipCount("reject", "invalid_proof");
    // Bytes no prover made, and a real proof of block 70's payload sent as a proof of block 71: the
    // public values commit to 70's root, and the light node checks against 71's (its own, from the block).
    const junk = envelope(blockRoot(71), Uint8Array.of(1, 2, 3, 4), 5);
    const misplaced = envelope(blockRoot(71), goodProofs.get(70) as Uint8Array, 6);
    badWire.push(toHex(wire(junk)), toHex(wire(misplaced)));
    await send(badProver, junk);
    await send(badProver, misplaced);
    await waitForAsync(async () => (await gossipCount("reject", "invalid_proof")) >= before + 2);
    await waitFor(() => scoreOf(badProver) < 0, 5_000);
    expect(node.tracker.head()?.slot).toBe(70);
    expect(accepted.some((a) => a.slot === 71)).toBe(false);
  });

  it("envelopes for an unknown block and for a served but unverified block wait, expire (IGNORE) and cost the sender", async () => {
    const stranger = await connectPeer();
    const expiredBefore = await gossipCount("ignore", "queue_expired");
    const unknown = envelope(new Uint8Array(32).fill(0x5a), goodProofs.get(71) as Uint8Array, 7);
    // Block 50 is on the beacon node, but no verified header leads to it.
    const unverified = envelope(blockRoot(50), goodProofs.get(71) as Uint8Array, 8);
    badWire.push(toHex(wire(unknown)), toHex(wire(unverified)));
    const text0 = await (await fetch(`${node.apiUrl}/metrics`)).text();
    const received = (t: string) => Number(/^eproof_gossip_received_total (\d+)/m.exec(t)?.[1] ?? 0);
    await send(stranger, unknown);
    await send(stranger, unverified);
    await waitForAsync(
      async () => received(await (await fetch(`${node.apiUrl}/metrics`)).text()) >= received(text0) + 2,
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await gossipCount("ignore", "queue_expired")).toBe(expiredBefore);
    expect(node.tracker.payloadRootOfBlock(blockRoot(50))).toBeUndefined();
    // The pending queue's 12 s pass (the node's clock, stepped).
    clock.step(12_001);
    await waitForAsync(async () => (await gossipCount("ignore", "queue_expired")) >= expiredBefore + 2);
    await waitFor(() => scoreOf(stranger) < 0, 5_000);
    expect(node.tracker.payloadRootOfBlock(blockRoot(50))).toBeUndefined();
    expect(node.tracker.head()?.slot).toBe(70);
    expect(accepted.map((a) => a.slot)).toEqual([70, 66]);
  });

  it("the impersonated validator's real proof of block 71 is still accepted and moves the head", async () => {
    await send(honest, envelope(blockRoot(71), goodProofs.get(71) as Uint8Array, 4));
    await waitForAsync(async () => (await headApi()).head?.slot === 71);
    expect((await headApi()).head?.proofs).toMatchObject([{ proofType: TYPE, validatorIndex: 4 }]);
    await waitFor(() => sseHeads.length >= 2);
    expect(sseHeads.map((h) => h.slot)).toEqual([70, 71]);
  });

  it("a proof that arrives before its block is verified waits, and moves the head once the light client verifies the block", async () => {
    const early = envelope(blockRoot(72), await proveFor(payloadRootOf(72)), 9);
    await send(honest, early);
    await new Promise((r) => setTimeout(r, 300));
    expect(node.tracker.head()?.slot).toBe(71);
    expect(node.tracker.payloadRootOfBlock(blockRoot(72))).toBeUndefined();
    // The sync committee signs block 72: the light node fetches it, and the queued proof is validated.
    server.served.optimistic = optimisticUpdateOf(chain, chain.bySlot(72));
    await waitForAsync(async () => (await headApi()).head?.slot === 72);
    const { head, lag } = await headApi();
    expect(head?.payloadRoot).toBe(toHex(payloadRootOf(72)));
    expect(lag).toBe(0);
    await waitFor(() => sseHeads.length >= 3);
    expect(sseHeads.map((h) => h.slot)).toEqual([70, 71, 72]);
    expect(accepted.map((a) => a.slot)).toEqual([70, 66, 71, 72]);
  });

  it("nothing that was refused or left waiting was relayed to other peers", async () => {
    // Every accepted envelope reached the observer; by then anything relayed earlier would have too.
    await waitFor(() => relayed.size >= 4);
    for (const hex of badWire) expect(relayed.has(hex)).toBe(false);
    expect(relayed.size).toBe(4);
    // The control for the penalties above: peers that sent only valid gossip, or none, lost nothing.
    expect(scoreOf(honest)).toBeGreaterThanOrEqual(0);
    expect(scoreOf(observer)).toBeGreaterThanOrEqual(0);
  });
});
