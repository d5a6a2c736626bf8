// Gossip benchmarks: first-arrival latency of 400 KiB proofs across 16 real libp2p nodes on loopback,
// and single-core gossip validation throughput (snappy decode + SSZ + signing root + batched BLS +
// dedup) for the 2026-08 message (as before) and for today's SignedExecutionProofEnvelope, each
// beside the raw blst batch-verify ceiling measured in the same run.
import "../src/util/hasher.ts";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { SecretKey, verifyMultipleAggregateSignatures } from "@chainsafe/blst";
import { BlsBatchVerifier } from "../src/p2p/gossip/blsBatch.ts";
import { compressSnappyBlock, decompressSnappyBlock } from "../src/p2p/gossip/snappyBlock.ts";
import { decodeSignedProof, ProofGossipValidator } from "../src/p2p/gossip/validation.ts";
import type { P2pModules } from "../src/p2p/interface.ts";
import { defaultP2pOpts } from "../src/p2p/interface.ts";
import { createP2p } from "../src/p2p/service.ts";
import { signRoot } from "../src/signing/bls.ts";
import { executionProofSigningRoot } from "../src/signing/domain.ts";
import {
  type ExecutionProof,
  type ProofContainers,
  proofContainers,
  type SignedExecutionProof,
} from "../src/spec/containers.ts";
import { getProfile } from "../src/spec/profile.ts";
import { systemClock } from "../src/util/clock.ts";
import { fromHex, toHex } from "../src/util/hex.ts";
import { silentLogger } from "../src/util/logger.ts";
import type { BenchFigure } from "./figure.ts";

// The network figures use today's wire; the legacy throughput figure keeps its 2026-08 message.
const containers = proofContainers();
const legacy = proofContainers(getProfile("consensus-specs-2026-08"));
const DOMAIN = new Uint8Array(32).fill(7);
const FORK_DIGEST = Uint8Array.of(0xe8, 0x02, 0x50, 0x25);

function keys(n: number): { sk: SecretKey; pk: Uint8Array }[] {
  return Array.from({ length: n }, (_, i) => {
    const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(i + 1));
    return { sk, pk: sk.toPublicKey().toBytes() };
  });
}

function nprRoot(i: number): Uint8Array {
  const r = new Uint8Array(32);
  new DataView(r.buffer).setUint32(0, i + 1);
  return r;
}

/** Stands for block i's root; the bench's payload for block i is nprRoot(i). */
function blockRoot(i: number): Uint8Array {
  const r = nprRoot(i);
  r[31] = 0xbb;
  return r;
}

function signed(
  v: { sk: SecretKey },
  index: number,
  message: ExecutionProof,
  c: ProofContainers = containers,
): SignedExecutionProof {
  const signingRoot = executionProofSigningRoot(message, DOMAIN, c);
  return { message, validatorIndex: index, signature: signRoot(v.sk, signingRoot) };
}

const noMetrics = {
  recordGossipReceived() {},
  recordGossipAccepted() {},
  recordGossipIgnored() {},
  recordGossipRejected() {},
  recordGossipValidationMs() {},
  recordPeers() {},
  recordReqRespServed() {},
  recordReqRespError() {},
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

interface NodeWorkerData {
  role: "gossip-bench-node";
  index: number;
  pubkeys: Uint8Array[];
  knownRoots: string[];
  blsWorkers: number;
}

type ToWorker =
  | { type: "dial"; addrs: string[] }
  | { type: "publish"; ssz: Uint8Array }
  | { type: "peers" }
  | { type: "stop" };
type FromWorker =
  | { type: "ready"; addr: string }
  | { type: "arrival"; validatorIndex: number; at: number; node: number }
  | { type: "published"; validatorIndex: number; at: number }
  | { type: "peers"; count: number }
  | { type: "stopped" };

/** Wall-clock ms with sub-ms resolution, comparable across worker threads. */
function nowAbs(): number {
  return performance.timeOrigin + performance.now();
}

function benchModules(data: NodeWorkerData): P2pModules {
  const knownRoots = new Set(data.knownRoots);
  const payloadOfBlock = new Map(data.knownRoots.map((r, i) => [toHex(blockRoot(i)), fromHex(r)]));
  return {
    logger: silentLogger(),
    metrics: noMetrics,
    clock: systemClock,
    containers,
    validators: {
      getValidator: async (i) => {
        const pk = data.pubkeys[i];
        return pk ? { pubkey: pk, active: true } : undefined;
      },
    },
    forkDigest: { current: () => FORK_DIGEST, all: () => [FORK_DIGEST], onChange: () => () => undefined },
    domain: { currentDomain: () => DOMAIN },
    // A stand-in verifier: zk verification is the proving backends' job, this measures the network.
    proofs: {
      isKnownPayload: (r) => knownRoots.has(toHex(r)),
      payloadRootOfBlock: (b) => payloadOfBlock.get(toHex(b)),
      verifyProof: async () => ({ valid: true, ms: 0 }),
      acceptProof: async () => undefined,
    },
    store: {
      proofsBySlotRange: async () => [],
      proofsByRoot: async () => [],
      payloadByBlockRoot: async () => undefined,
      getPayload: async () => undefined,
    },
    chain: {
      finalizedSlot: () => 0,
      currentSlot: () => 0,
      head: () => ({ blockRoot: new Uint8Array(32), slot: 0 }),
    },
    proofTypes: [],
  };
}

/** One eproof node per worker thread: real nodes each get their own event loop, as separate hosts would. */
async function workerMain(data: NodeWorkerData): Promise<void> {
  const port = parentPort;
  if (!port) return;
  const post = (m: FromWorker) => port.postMessage(m);
  const node = await createP2p(
    { listen: ["/ip4/127.0.0.1/tcp/0"], blsBatchWaitMs: 1, blsWorkers: data.blsWorkers },
    benchModules(data),
  );
  node.onProofAccepted((e) =>
    post({ type: "arrival", validatorIndex: e.signed.validatorIndex, at: nowAbs(), node: data.index }),
  );
  await node.start();
  port.on("message", async (m: ToWorker) => {
    if (m.type === "dial") {
      for (const a of m.addrs) await node.dial(a).catch(() => undefined);
    } else if (m.type === "peers") {
      post({ type: "peers", count: node.gossipPeers().length });
    } else if (m.type === "publish") {
      const signedProof = containers.SignedExecutionProof.deserialize(m.ssz);
      const at = nowAbs();
      await node.publishProof(signedProof);
      post({ type: "published", validatorIndex: signedProof.validatorIndex, at });
    } else if (m.type === "stop") {
      await node.stop();
      post({ type: "stopped" });
      port.close();
    }
  });
  post({ type: "ready", addr: node.multiaddrs()[0] ?? "" });
}

if (!isMainThread && (workerData as NodeWorkerData | undefined)?.role === "gossip-bench-node") {
  await workerMain(workerData as NodeWorkerData);
}

function nextMessage<T extends FromWorker["type"]>(
  w: Worker,
  type: T,
): Promise<Extract<FromWorker, { type: T }>> {
  return new Promise((resolve) => {
    const on = (m: FromWorker) => {
      if (m.type === type) {
        w.off("message", on);
        resolve(m as Extract<FromWorker, { type: T }>);
      }
    };
    w.on("message", on);
  });
}

async function p99SixteenNodes(): Promise<{ p99: number; p50: number }> {
  const NODES = Number(process.env.BENCH_NODES ?? 16);
  const PROOFS = Number(process.env.BENCH_PROOFS ?? 11);
  const validators = keys(PROOFS);
  const data: Omit<NodeWorkerData, "index"> = {
    role: "gossip-bench-node",
    pubkeys: validators.map((v) => v.pk),
    knownRoots: Array.from({ length: PROOFS }, (_, i) => toHex(nprRoot(i))),
    // Each node as the daemon runs it (its own BLS thread); BENCH_NODE_BLS_WORKERS=0 for on-loop BLS.
    blsWorkers: Number(process.env.BENCH_NODE_BLS_WORKERS ?? defaultP2pOpts.blsWorkers),
  };
  const workers = Array.from(
    { length: NODES },
    (_, i) =>
      new Worker(new URL(import.meta.url), { workerData: { ...data, index: i } satisfies NodeWorkerData }),
  );
  const arrivals = new Map<number, number[]>();
  const arrivedAt = new Map<number, Set<number>>();
  const published = new Map<number, number>();
  for (const w of workers) {
    w.on("message", (m: FromWorker) => {
      if (m.type === "arrival") {
        arrivals.set(m.validatorIndex, [...(arrivals.get(m.validatorIndex) ?? []), m.at]);
        arrivedAt.set(m.validatorIndex, (arrivedAt.get(m.validatorIndex) ?? new Set<number>()).add(m.node));
      }
      if (m.type === "published") published.set(m.validatorIndex, m.at);
    });
  }
  try {
    const addrs = (await Promise.all(workers.map((w) => nextMessage(w, "ready")))).map((m) => m.addr);
    // Each node dials the next 4 (mod 16): a connected graph of degree ~8, like a small mesh.
    for (const [i, w] of workers.entries()) {
      w.postMessage({
        type: "dial",
        addrs: [1, 2, 3, 4].map((k) => addrs[(i + k) % NODES] ?? ""),
      } satisfies ToWorker);
    }
    const meshDeadline = Date.now() + 20_000;
    while (Date.now() < meshDeadline) {
      const counts = await Promise.all(
        workers.map((w) => {
          const reply = nextMessage(w, "peers");
          w.postMessage({ type: "peers" } satisfies ToWorker);
          return reply;
        }),
      );
      if (counts.every((c) => c.count >= Math.min(6, NODES - 1))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 2_000)); // a few heartbeats to build meshes
    const latencies: number[] = [];
    const proofBytes = 400 * 1024 - 145; // the whole SignedExecutionProof is 400 KiB
    const WAIT_MS = 10_000;
    // Proof 0 warms up JIT and connections in every worker and is not counted.
    for (let p = 0; p < PROOFS; p++) {
      const bytes = new Uint8Array(proofBytes);
      for (let j = 0; j < bytes.length; j += 65_536) crypto.getRandomValues(bytes.subarray(j, j + 65_536));
      const v = validators[p];
      const publisher = workers[p % NODES];
      if (!v || !publisher) continue;
      const s = signed(v, p, {
        proofData: bytes,
        proofType: 1,
        publicInput: { newPayloadRequestRoot: nprRoot(p) },
        beaconBlockRoot: blockRoot(p),
      });
      publisher.postMessage({
        type: "publish",
        ssz: containers.SignedExecutionProof.serialize(s),
      } satisfies ToWorker);
      const deadline = Date.now() + WAIT_MS;
      while ((arrivals.get(p)?.length ?? 0) < NODES - 1 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      const t0 = published.get(p) ?? nowAbs();
      const got = arrivals.get(p) ?? [];
      if (p > 0) {
        for (const at of got) latencies.push(at - t0);
        // A missing arrival counts as the full wait, so the p99 cannot hide it.
        for (let m = got.length; m < NODES - 1; m++) latencies.push(WAIT_MS);
      }
      if (process.env.BENCH_DEBUG) {
        process.stderr.write(
          `proof ${p}: ${got.length}/${NODES - 1}, max ${Math.max(...got.map((a) => a - t0)).toFixed(0)} ms, missing ${Array.from({ length: NODES }, (_, i) => i).filter((i) => i !== p % NODES && !arrivedAt.get(p)?.has(i))}\n`,
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    latencies.sort((a, b) => a - b);
    return { p99: percentile(latencies, 99), p50: percentile(latencies, 50) };
  } finally {
    await Promise.all(
      workers.map(async (w) => {
        const stopped = nextMessage(w, "stopped");
        w.postMessage({ type: "stop" } satisfies ToWorker);
        await Promise.race([stopped, new Promise((r) => setTimeout(r, 5_000))]);
        await w.terminate();
      }),
    );
  }
}

/**
 * Messages per second through decode + rules + signing root + batched BLS, no proof verification.
 * `c` picks the message: the 2026-08 SignedExecutionProof or today's SignedExecutionProofEnvelope
 * (whose receiver also maps the block to its payload and rebuilds PublicInput).
 */
async function validateThroughput(c: ProofContainers, workers = 0): Promise<number> {
  const VALIDATORS = 64;
  const MESSAGES = 3000;
  const vals = keys(VALIDATORS);
  const messages: Uint8Array[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const vi = i % VALIDATORS;
    const v = vals[vi];
    if (!v) continue;
    const message: ExecutionProof = {
      proofData: Uint8Array.of(1, 2, 3, i & 0xff),
      proofType: 1 + (i % 4),
      publicInput: { newPayloadRequestRoot: nprRoot(i) },
      beaconBlockRoot: blockRoot(i),
    };
    messages.push(compressSnappyBlock(c.SignedExecutionProof.serialize(signed(v, vi, message, c))));
  }
  const payloadOfBlock = new Map(
    Array.from({ length: MESSAGES }, (_, i) => [toHex(blockRoot(i)), nprRoot(i)]),
  );
  const bls = new BlsBatchVerifier({ maxBatch: 64, maxWaitMs: 1, workers });
  const validator = new ProofGossipValidator(
    {
      containers: c,
      validators: {
        getValidator: async (i) => {
          const v = vals[i];
          return v ? { pubkey: v.pk, active: true } : undefined;
        },
      },
      proofs: {
        isKnownPayload: () => true,
        payloadRootOfBlock: (b) => payloadOfBlock.get(toHex(b)),
        verifyProof: async () => ({ valid: true, ms: 0 }),
      },
      domain: { currentDomain: () => DOMAIN },
      clock: systemClock,
      bls,
    },
    defaultP2pOpts,
  );
  const t0 = performance.now();
  let accepted = 0;
  // Gossip hands messages over concurrently; keep 256 in flight like a busy topic (a sliding window:
  // a message is decoded as soon as a slot frees, so decoding overlaps verification off-thread).
  const INFLIGHT = 256;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < messages.length) {
      const raw = messages[next++] as Uint8Array;
      const decoded = decodeSignedProof(decompressSnappyBlock(raw, c.maxSignedProofBytes), c);
      const verdict = "result" in decoded ? decoded : await validator.validate(decoded);
      if (verdict.result === "accept") accepted++;
    }
  };
  await Promise.all(Array.from({ length: INFLIGHT }, lane));
  const seconds = (performance.now() - t0) / 1000;
  bls.close();
  if (accepted !== messages.length) {
    throw new Error(`${c.profile.name}: only ${accepted}/${messages.length} accepted`);
  }
  return messages.length / seconds;
}

/** Raw blst batch verification on this machine right now: the ceiling the validation figure is bound by. */
function rawBatchVerifyPerSecond(): number {
  const sk = SecretKey.fromKeygen(new Uint8Array(32).fill(1));
  const pk = sk.toPublicKey();
  const sets = Array.from({ length: 64 }, (_, i) => {
    const msg = new Uint8Array(32).fill(i);
    return { msg, pk, sig: sk.sign(msg) };
  });
  const ROUNDS = 10;
  const t0 = performance.now();
  for (let i = 0; i < ROUNDS; i++) verifyMultipleAggregateSignatures(sets);
  return (ROUNDS * sets.length) / ((performance.now() - t0) / 1000);
}

export async function run(): Promise<BenchFigure[]> {
  const skip = Boolean(process.env.BENCH_SKIP_THROUGHPUT);
  // Ceiling and both throughputs back to back, so the ratio sees the same machine load.
  const raw = rawBatchVerifyPerSecond();
  const throughput = skip ? 0 : await validateThroughput(legacy);
  const envelopeHere = skip ? 0 : await validateThroughput(containers);
  const envelope = skip ? 0 : await validateThroughput(containers, defaultP2pOpts.blsWorkers);
  const rawAfter = rawBatchVerifyPerSecond();
  const ceiling = (raw + rawAfter) / 2;
  const { p99, p50 } = await p99SixteenNodes();
  return [
    { name: "gossip.validate_msgs_per_s", value: throughput, unit: "msg/s", target: "≥ 2000" },
    { name: "gossip.envelope_validate_msgs_per_s", value: envelope, unit: "msg/s" },
    { name: "gossip.envelope_validate_event_loop_msgs_per_s", value: envelopeHere, unit: "msg/s" },
    { name: "gossip.bls_batch_verify_ceiling_per_s", value: ceiling, unit: "sig/s" },
    {
      name: "gossip.envelope_validate_vs_bls_ceiling",
      value: ceiling > 0 ? envelope / ceiling : 0,
      unit: "ratio",
      target: "≥ 0.9",
    },
    { name: "gossip.p99_ms_16_nodes_400k", value: p99, unit: "ms", target: "≤ 300" },
    { name: "gossip.p50_ms_16_nodes_400k", value: p50, unit: "ms" },
  ];
}
