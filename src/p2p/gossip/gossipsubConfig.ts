// gossipsub as consensus clients run it (phase0 p2p-interface: D=8, Dlo=6, Dhi=12, Dlazy=6, 0.7 s
// heartbeat, 550-heartbeat seen TTL, StrictNoSign, snappy payloads, Altair message-ids) and the
// peer-score parameters of the execution_proof topic (also documented in docs/p2p.md):
//
//   topicWeight 0.5                      one global topic, about as important as beacon_block
//   P1 timeInMesh        w 0.0333, quantum 12 s (a slot), cap 300      → at most +10
//   P2 firstDeliveries   w 1, decay to 1% over 20 epochs-worth of slots, cap 23 (a proof per type per
//                        slot at most, so the cap is reached only by a peer that is first often)
//   P3 meshDeliveries    w 0 (disabled: proofs arrive in bursts once per slot, a delivery-rate
//                        threshold would prune honest peers; Lodestar disables P3 for similar topics)
//   P4 invalidDeliveries w −(maxPositiveScore)/topicWeight, decay over 50 epochs: one REJECT
//                        (bad signature, inactive validator, bad snappy/SSZ, invalid proof) cancels
//                        everything a peer earned, a few push it under the graylist threshold
//   P5 app-specific w 1 when eproof's IGNORE tally is given (PeerPenalties: −20 per IGNORE that never
//                        resolves or is over the peer's queue quota, −0.4 per dedup IGNORE, halving
//                        every 2 min), else 0
//   P6 IP colocation w −maxPositiveScore above 3 peers per IP (loopback
//   whitelisted for devnets), P7 behaviour penalty w −15.92 above 6, decay over 10 epochs.
//   Thresholds: gossip −4000, publish −8000, graylist −16000, acceptPX 100, opportunistic graft 5.
import type { GossipsubOpts } from "@libp2p/gossipsub";
import { computeMessageId } from "./messageId.ts";
import { compressSnappyBlock, decompressSnappyBlock } from "./snappyBlock.ts";

const SLOT_MS = 12_000;
const SLOTS_PER_EPOCH = 32;
const HEARTBEAT_MS = 700;
const DECAY_TO_ZERO = 0.01;

export const TOPIC_WEIGHT = 0.5;
const TIME_IN_MESH_WEIGHT = 10 / 300;
const TIME_IN_MESH_CAP = 300;
const FIRST_DELIVERY_WEIGHT = 1;
const FIRST_DELIVERY_CAP = 23;
/** The most a peer can earn on this topic (P1 + P2 caps, weighted). */
export const MAX_POSITIVE_SCORE =
  (TIME_IN_MESH_WEIGHT * TIME_IN_MESH_CAP + FIRST_DELIVERY_WEIGHT * FIRST_DELIVERY_CAP) * TOPIC_WEIGHT;

/** Per-decay-interval factor that takes a counter to DECAY_TO_ZERO in `ms`. */
export function scoreDecay(ms: number, decayIntervalMs = SLOT_MS): number {
  const ticks = ms / decayIntervalMs;
  return DECAY_TO_ZERO ** (1 / ticks);
}

export function executionProofTopicScoreParams() {
  const epochMs = SLOT_MS * SLOTS_PER_EPOCH;
  return {
    topicWeight: TOPIC_WEIGHT,
    timeInMeshWeight: TIME_IN_MESH_WEIGHT,
    timeInMeshQuantum: SLOT_MS,
    timeInMeshCap: TIME_IN_MESH_CAP,
    firstMessageDeliveriesWeight: FIRST_DELIVERY_WEIGHT,
    firstMessageDeliveriesDecay: scoreDecay(20 * epochMs),
    firstMessageDeliveriesCap: FIRST_DELIVERY_CAP,
    meshMessageDeliveriesWeight: 0,
    meshMessageDeliveriesDecay: scoreDecay(epochMs),
    meshMessageDeliveriesCap: 1,
    meshMessageDeliveriesThreshold: 1,
    meshMessageDeliveriesWindow: 2_000,
    meshMessageDeliveriesActivation: 4 * epochMs,
    meshFailurePenaltyWeight: 0,
    meshFailurePenaltyDecay: scoreDecay(epochMs),
    invalidMessageDeliveriesWeight: -MAX_POSITIVE_SCORE / TOPIC_WEIGHT,
    invalidMessageDeliveriesDecay: scoreDecay(50 * epochMs),
  };
}

export const PEER_SCORE_THRESHOLDS = {
  gossipThreshold: -4000,
  publishThreshold: -8000,
  graylistThreshold: -16000,
  acceptPXThreshold: 100,
  opportunisticGraftThreshold: 5,
};

type DataTransform = NonNullable<GossipsubOpts["dataTransform"]>;
type MsgIdFn = GossipsubOpts["msgIdFn"];

/** Raw data arrays whose snappy decompression failed: their message-id uses the INVALID domain. */
export type UndecompressedMarks = WeakSet<Uint8Array>;

/**
 * Snappy block transform. A block whose header claims more than `maxBytes`, or that is malformed, is
 * passed through raw and marked, so the message-id is computed over the raw bytes with the INVALID
 * domain and the topic validator REJECTs it (penalizing the sender) without allocating the claim.
 */
export function snappyDataTransform(maxBytes: number, marks: UndecompressedMarks): DataTransform {
  return {
    inboundTransform(_topic, data) {
      try {
        return decompressSnappyBlock(data, maxBytes);
      } catch {
        marks.add(data);
        return data;
      }
    },
    outboundTransform(_topic, data) {
      // gossipsub computes the message-id over the untransformed (SSZ) bytes, as receivers do.
      return compressSnappyBlock(data);
    },
  };
}

export function altairMsgIdFn(marks: UndecompressedMarks): MsgIdFn {
  return (msg) => computeMessageId(msg.topic, msg.data, !marks.has(msg.data));
}

/** Largest snappy block a `maxUncompressed` payload can compress to, plus protobuf framing slack. */
export function maxGossipRpcBytes(maxUncompressed: number): number {
  return 32 + maxUncompressed + Math.ceil(maxUncompressed / 6) + 64 * 1024;
}

export interface GossipsubBuildOpts {
  maxSignedProofBytes: number;
  marks: UndecompressedMarks;
  /** IPs exempt from the IP-colocation penalty (loopback devnets). */
  ipColocationWhitelist: readonly string[];
  /** Every execution_proof topic of the fork schedule: each gets the score parameters. */
  topics: readonly string[];
  /** P5: the peer's app-specific score (≤ 0: eproof's IGNORE penalties), weighted 1. */
  appSpecificScore?: (peer: string) => number;
}

export function gossipsubOptions(o: GossipsubBuildOpts): Partial<GossipsubOpts> {
  const epochMs = SLOT_MS * SLOTS_PER_EPOCH;
  return {
    D: 8,
    Dlo: 6,
    Dhi: 12,
    Dlazy: 6,
    heartbeatInterval: HEARTBEAT_MS,
    fanoutTTL: 60_000,
    mcacheLength: 6,
    mcacheGossip: 3,
    seenTTL: 550 * HEARTBEAT_MS,
    globalSignaturePolicy: "StrictNoSign",
    fallbackToFloodsub: false,
    floodPublish: true,
    doPX: false,
    allowPublishToZeroTopicPeers: true,
    emitSelf: false,
    asyncValidation: false,
    maxInboundDataLength: maxGossipRpcBytes(o.maxSignedProofBytes),
    dataTransform: snappyDataTransform(o.maxSignedProofBytes, o.marks),
    msgIdFn: altairMsgIdFn(o.marks),
    scoreParams: {
      topics: Object.fromEntries(o.topics.map((t) => [t, executionProofTopicScoreParams()])),
      topicScoreCap: MAX_POSITIVE_SCORE,
      ...(o.appSpecificScore
        ? { appSpecificScore: o.appSpecificScore, appSpecificWeight: 1 }
        : { appSpecificWeight: 0 }),
      IPColocationFactorWeight: -MAX_POSITIVE_SCORE,
      IPColocationFactorThreshold: 3,
      IPColocationFactorWhitelist: new Set(o.ipColocationWhitelist),
      behaviourPenaltyWeight: -15.92,
      behaviourPenaltyThreshold: 6,
      behaviourPenaltyDecay: scoreDecay(10 * epochMs),
      decayInterval: SLOT_MS,
      decayToZero: DECAY_TO_ZERO,
      retainScore: 100 * epochMs,
    },
    scoreThresholds: PEER_SCORE_THRESHOLDS,
  };
}
