// The p2p service the daemon drives: one libp2p host with the execution_proof gossip topic (validated
// by ProofGossipValidator), the EIP-8025 req/resp protocols, discv5 discovery and the publish path.

import type { Message } from "@libp2p/gossipsub";
import { TopicValidatorResult } from "@libp2p/gossipsub";
import type { PeerId } from "@libp2p/interface";
import { multiaddr } from "@multiformats/multiaddr";
import type { SignedExecutionProof } from "../spec/containers.ts";
import { errorMessage } from "../util/errors.ts";
import { BoundedMap } from "./boundedSet.ts";
import { CutOffPeers, type CutOffStats, ipOf } from "./cutOff.ts";
import { createDiscovery, type ProofPeerDiscovery } from "./discovery.ts";
import { BlsBatchVerifier } from "./gossip/blsBatch.ts";
import {
  gossipsubOptions,
  MAX_POSITIVE_SCORE,
  PEER_SCORE_THRESHOLDS,
  type UndecompressedMarks,
} from "./gossip/gossipsubConfig.ts";
import { computeMessageId } from "./gossip/messageId.ts";
import { PeerPenalties } from "./gossip/peerPenalties.ts";
import { snappyBlockUncompressedLength } from "./gossip/snappyBlock.ts";
import { executionProofTopic } from "./gossip/topic.ts";
import {
  decodeSignedProof,
  type GossipVerdict,
  ProofGossipValidator,
  proofTypeRule,
} from "./gossip/validation.ts";
import {
  type BackfillRequest,
  type BackfillResult,
  defaultP2pOpts,
  type P2pModules,
  type P2pOpts,
  type P2pService,
  type PeerSummary,
  type ProofAcceptedEvent,
} from "./interface.ts";
import { createLibp2pNode, type EproofLibp2p } from "./node.ts";
import { loadOrCreatePeerKey } from "./peerKey.ts";
import { protocolId } from "./reqresp/protocols.ts";
import { ReqRespNode } from "./reqresp/reqResp.ts";

/** gossipsub's implementation has a score per peer; its public interface type does not say so. */
interface ScoredPubsub {
  getScore(peerId: string): number;
}

function hasGetScore(x: unknown): x is ScoredPubsub {
  return typeof (x as { getScore?: unknown }).getScore === "function";
}

/** How often peers under the graylist threshold are disconnected. */
const GRAYLIST_SWEEP_MS = 1_000;
/** A peer cut off for flooding has its messages dropped unread for this long (if it reconnects). */
const CUT_OFF_MS = 600_000;

/**
 * gossipsub records a message-id as seen before the topic validator runs, so a later copy of a proof
 * we IGNOREd from the pending queue (it could not wait for its block) would be dropped as a duplicate
 * without a look. This forgets that id in gossipsub's seen cache (17.x keeps it as `seenCache.entries`,
 * a Map keyed by the base64 id without padding); a no-op if the implementation looks different.
 */
function forgetSeen(pubsub: unknown, topic: string, data: Uint8Array): void {
  const cache = (pubsub as { seenCache?: { entries?: unknown } }).seenCache?.entries;
  if (!(cache instanceof Map)) return;
  const id = Buffer.from(computeMessageId(topic, data, true))
    .toString("base64")
    .replace(/=+$/, "");
  cache.delete(id);
}

export async function createP2p(opts: Partial<P2pOpts>, modules: P2pModules): Promise<P2pService> {
  const o: P2pOpts = { ...defaultP2pOpts, ...opts };
  const privateKey = await loadOrCreatePeerKey(o.dataDir);
  const marks: UndecompressedMarks = new WeakSet();
  const penalties = new PeerPenalties(modules.clock);
  const cutOff = new CutOffPeers(modules.clock, CUT_OFF_MS);
  const refuse = (peer: PeerId, maConn?: { remoteAddr: { toString(): string } }) =>
    cutOff.refuseConnection(peer.toString(), maConn && ipOf(maConn.remoteAddr.toString()));
  const libp2p = await createLibp2pNode({
    privateKey,
    listen: o.listen,
    announce: o.announce,
    maxConnections: o.maxConnections,
    gossipsub: gossipsubOptions({
      maxSignedProofBytes: modules.containers.maxSignedProofBytes,
      marks,
      ipColocationWhitelist: ["127.0.0.1"],
      topics: [...modules.forkDigest.all(), modules.forkDigest.current()].map(executionProofTopic),
      appSpecificScore: (peer) => penalties.score(peer),
    }),
    // A cut-off peer is refused as soon as the handshake names it, and never dialed.
    connectionGater: {
      denyInboundConnection: (maConn) => cutOff.throttleInbound(ipOf(maConn.remoteAddr.toString())),
      denyDialPeer: (peer) => refuse(peer),
      denyInboundEncryptedConnection: refuse,
      denyOutboundEncryptedConnection: refuse,
    },
    acceptRpcFrom: (peer) => cutOff.acceptRpc(peer),
  });
  return new EproofP2p(o, modules, libp2p, marks, privateKey, penalties, cutOff);
}

class EproofP2p implements P2pService {
  private readonly o: P2pOpts;
  private readonly m: P2pModules;
  private readonly libp2p: EproofLibp2p;
  private readonly marks: UndecompressedMarks;
  private readonly privateKey: Parameters<typeof createLibp2pNode>[0]["privateKey"];
  private readonly bls: BlsBatchVerifier;
  private readonly validator: ProofGossipValidator;
  private readonly reqresp: ReqRespNode | undefined;
  private readonly listeners = new Set<(event: ProofAcceptedEvent) => void>();
  private discovery: ProofPeerDiscovery | undefined;
  private topic: string;
  private unsubscribeFork: (() => void) | undefined;
  private readonly penalties: PeerPenalties;
  private graylistSweep: ReturnType<typeof setInterval> | undefined;
  /** REJECTs per peer: gossipsub's own score is cached for a heartbeat, a flood does not wait for it. */
  private readonly rejectsByPeer = new BoundedMap<string, number>(4096);
  /** Peers cut off (under the graylist threshold): refused and dropped unread for CUT_OFF_MS. */
  private readonly cutOff: CutOffPeers;

  constructor(
    o: P2pOpts,
    m: P2pModules,
    libp2p: EproofLibp2p,
    marks: UndecompressedMarks,
    privateKey: Parameters<typeof createLibp2pNode>[0]["privateKey"],
    penalties: PeerPenalties,
    cutOff: CutOffPeers,
  ) {
    this.o = o;
    this.cutOff = cutOff;
    this.penalties = penalties;
    this.m = m;
    this.libp2p = libp2p;
    this.marks = marks;
    this.privateKey = privateKey;
    this.bls = new BlsBatchVerifier({
      maxBatch: o.blsBatchSize,
      maxWaitMs: o.blsBatchWaitMs,
      workers: o.blsWorkers,
    });
    this.validator = new ProofGossipValidator(
      {
        containers: m.containers,
        validators: m.validators,
        proofs: m.proofs,
        domain: m.domain,
        clock: m.clock,
        bls: this.bls,
        penalties,
        onMissedKnown: (missed) => this.onMissedKnown(missed),
      },
      o,
    );
    // v1.7 removed the EIP-8025 req/resp protocols (#5566): only older profiles serve them.
    this.reqresp = m.containers.profile.reqResp
      ? new ReqRespNode(libp2p, m, {
          rateLimitPerMin: o.reqRespRateLimitPerMin,
          timeoutMs: o.reqRespTimeoutMs,
        })
      : undefined;
    this.topic = executionProofTopic(m.forkDigest.current());
  }

  get peerId(): string {
    return this.libp2p.peerId.toString();
  }

  async start(): Promise<void> {
    await this.libp2p.start();
    await this.reqresp?.start();
    this.subscribe(this.topic);
    this.unsubscribeFork = this.m.forkDigest.onChange((digest) =>
      this.switchTopic(executionProofTopic(digest)),
    );
    this.libp2p.addEventListener("peer:identify", (evt) => {
      const { peerId, protocols, connection } = evt.detail;
      // The dialer sends Status to proof-aware peers (those speaking execution_proof_status).
      const reqresp = this.reqresp;
      if (!reqresp) return;
      if (connection.direction === "outbound" && protocols.includes(protocolId("execution_proof_status"))) {
        reqresp
          .requestStatus(peerId.toString())
          .catch((e: unknown) =>
            this.m.logger.debug({ peer: peerId.toString(), err: errorMessage(e) }, "status failed"),
          );
      }
    });
    this.graylistSweep = setInterval(() => this.disconnectGraylisted(), GRAYLIST_SWEEP_MS);
    this.graylistSweep.unref?.();
    const onPeers = () => this.m.metrics.recordPeers(this.libp2p.getPeers().length);
    this.libp2p.addEventListener("peer:connect", onPeers);
    this.libp2p.addEventListener("peer:disconnect", onPeers);
    for (const addr of this.o.staticPeers) this.dialAddr(addr);
    if (this.o.discv5Port !== undefined) {
      const tcpAddr = /^\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(this.libp2p.getMultiaddrs()[0]?.toString() ?? "");
      this.discovery = await createDiscovery({
        privateKey: this.privateKey,
        ip: tcpAddr?.[1] ?? "127.0.0.1",
        udpPort: this.o.discv5Port,
        tcpPort: Number(tcpAddr?.[2] ?? 0),
        forkDigest: this.m.forkDigest.current(),
        bootnodes: this.o.bootnodes,
        logger: this.m.logger,
        onPeer: (addr) => this.dialAddr(addr),
      });
      await this.discovery.start();
    }
    this.m.logger.info({ peerId: this.peerId, addrs: this.multiaddrs(), topic: this.topic }, "p2p started");
  }

  async stop(): Promise<void> {
    if (this.graylistSweep) clearInterval(this.graylistSweep);
    this.unsubscribeFork?.();
    this.validator.close();
    this.bls.close();
    await this.discovery?.stop();
    await this.reqresp?.stop().catch(() => undefined);
    await this.libp2p.stop();
  }

  multiaddrs(): string[] {
    return this.libp2p.getMultiaddrs().map((a) => a.toString());
  }

  enr(): string | undefined {
    return this.discovery?.enrText();
  }

  peers(): PeerSummary[] {
    const pubsub = this.libp2p.services.pubsub;
    return this.libp2p.getPeers().map((peer) => {
      const id = peer.toString();
      return {
        peerId: id,
        addrs: this.libp2p.getConnections(peer).map((c) => c.remoteAddr.toString()),
        score: hasGetScore(pubsub) ? pubsub.getScore(id) : 0,
        proofAware: this.reqresp?.peerStatus.has(id) ?? false,
      };
    });
  }

  gossipPeers(): string[] {
    return this.libp2p.services.pubsub.getSubscribers(this.topic).map((p) => p.toString());
  }

  async dial(addr: string): Promise<void> {
    await this.libp2p.dial(multiaddr(addr));
  }

  onProofAccepted(listener: (event: ProofAcceptedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onPayloadKnown(root: Uint8Array, blockRoot?: Uint8Array): void {
    this.validator.onPayloadKnown(root, blockRoot);
  }

  async publishProof(signed: SignedExecutionProof): Promise<boolean> {
    const { profile } = this.m.containers;
    const type = signed.message.proofType;
    if (proofTypeRule(type, profile.wireProofTypes, this.o.localProofTypes)) {
      // Peers would REJECT it (and score us down): a local type stays local unless configured.
      this.m.logger.debug({ proofType: type }, "proof type is not on this network's wire: not gossiped");
      return false;
    }
    if (profile.wire === "envelope" && !signed.message.beaconBlockRoot?.some((b) => b !== 0)) {
      this.m.logger.debug({ proofType: type }, "proof has no beacon block root: no envelope to gossip");
      return false;
    }
    if (this.validator.hasSeen(signed)) return false;
    this.validator.markOwn(signed);
    const ssz = this.m.containers.SignedExecutionProof.serialize(signed);
    await this.libp2p.services.pubsub.publish(this.topic, ssz);
    return true;
  }

  async submitProof(signed: SignedExecutionProof): Promise<GossipVerdict> {
    const { profile } = this.m.containers;
    const proof = signed.message;
    let payloadRoot: Uint8Array | undefined;
    if (profile.wire === "envelope") {
      // The rules that come before the block lookup, in their gossip order (pure, cheap).
      if (proof.proofData.length === 0) return { result: "reject", reason: "empty_proof" };
      const typeVerdict = proofTypeRule(proof.proofType, profile.wireProofTypes, this.o.localProofTypes);
      if (typeVerdict) return typeVerdict;
      if (!proof.beaconBlockRoot) return { result: "reject", reason: "malformed_ssz" };
      payloadRoot = this.m.proofs.payloadRootOfBlock(proof.beaconBlockRoot);
    } else {
      const root = proof.publicInput.newPayloadRequestRoot;
      payloadRoot = this.m.proofs.isKnownPayload(root) ? root : undefined;
    }
    // A submitter wants an answer: an unknown block is a failure now, not a queued wait.
    if (payloadRoot === undefined) return { result: "ignore", reason: "payload_unknown" };
    // Also after a restart (empty dedup caches): a verified proof of this type is never replaced.
    const stored = await this.m.store.proofsByRoot(payloadRoot);
    if (stored.some((p) => p.proofType === proof.proofType && p.verified)) {
      return { result: "ignore", reason: "valid_already_received" };
    }
    const verdict = await this.validator.validate(signed);
    if (verdict.result !== "accept") return verdict;
    await this.accepted(signed, "api", "api");
    try {
      await this.libp2p.services.pubsub.publish(
        this.topic,
        this.m.containers.SignedExecutionProof.serialize(signed),
      );
    } catch (e) {
      // Stored and valid: peers still get it by gossip from whoever else has it; say why we could not.
      this.m.logger.warn({ err: errorMessage(e) }, "publishing a submitted proof failed");
    }
    return verdict;
  }

  async backfill(req: BackfillRequest, peerId?: string): Promise<BackfillResult> {
    const peer = peerId ?? this.pickProofPeer();
    if (peer === undefined || !this.reqresp) return { received: 0, accepted: 0, rejected: 0 };
    const chunks =
      req.kind === "range"
        ? await this.reqresp.requestByRange(peer, {
            startSlot: BigInt(req.startSlot),
            count: BigInt(req.count),
            proofTypes: [...(req.proofTypes ?? [])],
          })
        : await this.reqresp.requestByRoot(
            peer,
            req.blockRoots.map((blockRoot) => ({ blockRoot, proofTypes: [...(req.proofTypes ?? [])] })),
          );
    const result: BackfillResult = { received: chunks.length, accepted: 0, rejected: 0 };
    for (const chunk of chunks) {
      const decoded = decodeSignedProof(chunk, this.m.containers);
      if ("result" in decoded) {
        result.rejected++;
        continue;
      }
      // Backfilled proofs are for payloads we should know already: no waiting in the gossip queue.
      const verdict = this.m.proofs.isKnownPayload(decoded.message.publicInput.newPayloadRequestRoot)
        ? await this.validator.validate(decoded)
        : ({ result: "ignore", reason: "payload_unknown" } as const);
      if (verdict.result === "accept") {
        result.accepted++;
        await this.accepted(decoded, "reqresp", peer);
      } else if (verdict.result === "reject") result.rejected++;
    }
    return result;
  }

  // --- internals

  private pickProofPeer(): string | undefined {
    const connected = new Set(this.libp2p.getPeers().map((p) => p.toString()));
    for (const id of this.reqresp?.peerStatus.keys() ?? []) if (connected.has(id)) return id;
    return connected.values().next().value;
  }

  private dialAddr(addr: string): void {
    this.libp2p
      .dial(multiaddr(addr))
      .catch((e: unknown) => this.m.logger.debug({ addr, err: errorMessage(e) }, "dial failed"));
  }

  private subscribe(topic: string): void {
    const pubsub = this.libp2p.services.pubsub;
    pubsub.topicValidators.set(topic, (peer, msg) => this.validateGossip(peer, msg));
    pubsub.subscribe(topic);
  }

  private switchTopic(next: string): void {
    if (next === this.topic) return;
    const pubsub = this.libp2p.services.pubsub;
    const previous = this.topic;
    this.subscribe(next);
    this.topic = next;
    pubsub.unsubscribe(previous);
    pubsub.topicValidators.delete(previous);
    this.m.logger.info({ topic: next }, "execution_proof topic switched at fork boundary");
  }

  floodDefence(): CutOffStats {
    return { ...this.cutOff.stats };
  }

  /** Our IGNORE tally of a peer (see PeerPenalties): what it adds to its gossipsub score is −20× this. */
  penaltyUnits(peer: string): number {
    return this.penalties.units(peer);
  }

  /** Peers under the graylist threshold are disconnected (gossipsub alone only stops reading them). */
  private disconnectGraylisted(): void {
    const pubsub = this.libp2p.services.pubsub;
    if (!hasGetScore(pubsub)) return;
    for (const peer of this.libp2p.getPeers()) {
      const id = peer.toString();
      const score = pubsub.getScore(id);
      if (score >= PEER_SCORE_THRESHOLDS.graylistThreshold) continue;
      this.cut(peer, "disconnecting a graylisted peer", score);
    }
  }

  /**
   * Proofs of a block were dropped from the pending queue before it became known: later gossip copies
   * are validated again (forgetSeen at the drop); a configured fetcher (the beacon node's
   * GET /eth/v1/beacon/execution_proofs/{block}) is asked for them now.
   */
  private onMissedKnown(missed: { blockRoot?: Uint8Array; payloadRoot?: Uint8Array }): void {
    const fetch = this.m.fetchProofs;
    if (!fetch || !missed.blockRoot) return;
    const blockRoot = missed.blockRoot;
    void (async () => {
      try {
        const proofs = await fetch(blockRoot, this.m.signal);
        for (const signed of proofs) {
          const verdict = await this.validator.validate(signed);
          if (verdict.result === "accept") await this.accepted(signed, "api", "beacon");
        }
      } catch (e) {
        this.m.logger.debug({ block: blockRoot, err: errorMessage(e) }, "re-fetching dropped proofs failed");
      }
    })();
  }

  /**
   * Our own estimate of a peer's score, from what gossipsub will count: P4 (−maxPositive per REJECT,
   * squared) and P5 (the IGNORE tally); positive terms are at most +maxPositive and left out.
   */
  private underGraylist(peer: string): boolean {
    const rejects = this.rejectsByPeer.get(peer) ?? 0;
    const estimate = -MAX_POSITIVE_SCORE * rejects * rejects + this.penalties.score(peer);
    return estimate < PEER_SCORE_THRESHOLDS.graylistThreshold;
  }

  /** Hangs up on `peer` and bans it for CUT_OFF_MS (reconnects refused, messages dropped unread). */
  private cut(peer: PeerId, why: string, score?: number): void {
    const id = peer.toString();
    const ip = ipOf(this.libp2p.getConnections(peer)[0]?.remoteAddr.toString() ?? "");
    if (this.cutOff.cut(id, ip)) {
      // Its REJECT count starts again after the ban (a second offence is cut as fast as the first).
      this.rejectsByPeer.delete(id);
      const dropped = this.validator.dropPeer(id);
      this.m.logger.info({ peer: id, score, dropped }, why);
    }
    this.libp2p
      .hangUp(peer)
      .catch((e: unknown) => this.m.logger.debug({ peer: id, err: errorMessage(e) }, "hang-up failed"));
  }

  private async validateGossip(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    const id = peer.toString();
    // Read in the same RPC batch as the message that got it cut: dropped unread.
    if (!this.cutOff.acceptRpc(id)) return TopicValidatorResult.Ignore;
    const t0 = performance.now();
    this.m.metrics.recordGossipReceived();
    const verdict = await this.gossipVerdict(msg, id);
    if (verdict.result === "reject") this.rejectsByPeer.set(id, (this.rejectsByPeer.get(id) ?? 0) + 1);
    if (verdict.result !== "accept" && this.underGraylist(id))
      this.cut(peer, "disconnecting a flooding peer (under the graylist threshold)");
    this.m.metrics.recordGossipValidationMs(performance.now() - t0);
    switch (verdict.result) {
      case "accept":
        this.m.metrics.recordGossipAccepted();
        return TopicValidatorResult.Accept;
      case "ignore":
        this.m.metrics.recordGossipIgnored(verdict.reason);
        return TopicValidatorResult.Ignore;
      case "reject":
        this.m.metrics.recordGossipRejected(verdict.reason);
        // Per message under a flood: no log object built unless debug is on.
        if (this.m.logger.isLevelEnabled("debug"))
          this.m.logger.debug({ peer: id, reason: verdict.reason }, "gossip proof rejected");
        return TopicValidatorResult.Reject;
    }
  }

  private async gossipVerdict(msg: Message, peer: string): Promise<GossipVerdict> {
    if (this.marks.has(msg.data)) {
      const claimed = snappyBlockUncompressedLength(msg.data);
      const oversize = claimed !== undefined && claimed > this.m.containers.maxSignedProofBytes;
      return { result: "reject", reason: oversize ? "oversize_snappy" : "malformed_snappy" };
    }
    const decoded = decodeSignedProof(msg.data, this.m.containers);
    if ("result" in decoded) return decoded;
    try {
      const pubsub = this.libp2p.services.pubsub;
      const verdict = await this.validator.validate(decoded, {
        peer,
        onDropped: () => forgetSeen(pubsub, msg.topic, msg.data),
      });
      if (verdict.result === "accept") await this.accepted(decoded, "gossip", peer);
      return verdict;
    } catch (e) {
      // Our own dependency failed (beacon node, store): not the peer's fault.
      this.m.logger.warn({ err: errorMessage(e) }, "gossip validation failed internally");
      return { result: "ignore", reason: "cannot_verify" };
    }
  }

  private async accepted(
    signed: SignedExecutionProof,
    source: ProofAcceptedEvent["source"],
    from: string,
  ): Promise<void> {
    const root = signed.message.publicInput.newPayloadRequestRoot;
    try {
      const payload = await this.m.store.getPayload(root);
      await this.m.proofs.acceptProof({
        newPayloadRequestRoot: root,
        proofType: signed.message.proofType,
        slot: payload?.slot ?? 0,
        proof: this.m.containers.ExecutionProof.serialize(signed.message),
        signed: { validatorIndex: signed.validatorIndex, signature: signed.signature },
        source,
        verified: true,
        receivedAt: this.m.clock.now(),
      });
    } catch (e) {
      this.m.logger.warn({ err: errorMessage(e) }, "storing an accepted proof failed");
    }
    for (const l of this.listeners) {
      try {
        l({ signed, source, from });
      } catch (e) {
        this.m.logger.warn({ err: errorMessage(e) }, "proof listener threw");
      }
    }
  }
}
