// Reliability benchmarks (issue 18), loopback only:
//  - reliability.flood_valid_latency_ratio: first-arrival latency p99 of valid envelopes from an honest
//    eproof node under a flood (invalid messages and envelopes for blocks that never come, from one raw
//    gossipsub peer in a worker thread, ~10,000 messages/s), divided by the p99 without the flood, both
//    measured in the same run on the same two nodes. The flooding peer is graylisted and cut off.
//  - reliability.outage_recovery_slots: a real daemon (custom network, CPU re-execution, BLS signing)
//    whose execution client (all JSON-RPC answered 503), then beacon node (event stream 503), is down
//    while a block is produced: slots (12 s) from the upstream's return to that block's proof published;
//    the larger of the two. BENCH_OUTAGE_MS sets the outage (default 15 s; the full scale: 60 s).
import "../src/util/hasher.ts";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { multiaddr } from "@multiformats/multiaddr";
import { configSchema } from "../src/config/schema.ts";
import { type EproofNode, startNode as startDaemon } from "../src/node/daemon.ts";
import { compressSnappyBlock } from "../src/p2p/gossip/snappyBlock.ts";
import { executionProofTopic } from "../src/p2p/gossip/topic.ts";
import { interopSecretKey } from "../src/signing/index.ts";
import type { SignedExecutionProof } from "../src/spec/containers.ts";
import type { StoredProof } from "../src/store/interface.ts";
import { toHex } from "../src/util/hex.ts";
import { silentLogger } from "../src/util/logger.ts";
import { BeaconTestServer, FIXTURES, fuluBlockAround, zkboostNpr } from "../test/beacon/beaconTestServer.ts";
import { RpcTestServer } from "../test/execution/rpcTestServer.ts";
import { CustomSpecBeacon } from "../test/node/support/customSpecBeacon.ts";
import {
  envelopeContainers as c,
  FORK_DIGEST,
  makeValidators,
  proof,
  signProof,
  startHostile,
  startNode,
  type TestNode,
  waitFor,
} from "../test/p2p/harness.ts";
import type { BenchFigure } from "./figure.ts";

const topic = executionProofTopic(FORK_DIGEST);
const SLOT_MS = 12_000;

function rootOf(i: number, tag: number): Uint8Array {
  const r = new Uint8Array(32);
  new DataView(r.buffer).setUint32(0, i + 1);
  r[31] = tag;
  return r;
}

interface FloodData {
  role: "reliability-flooder";
  target: string;
  ratePerS: number;
  durationMs: number;
}

/** Worker: a raw gossipsub peer that floods `target` with junk at `ratePerS` until cut off or done. */
async function flooder(d: FloodData): Promise<void> {
  const h = await startHostile(topic, c.maxSignedProofBytes);
  await h.dial(multiaddr(d.target));
  const targetId = d.target.split("/p2p/")[1] ?? "";
  await waitFor(() => h.services.pubsub.getSubscribers(topic).some((p) => p.toString() === targetId));
  parentPort?.postMessage({ type: "ready" });
  const sig = new Uint8Array(96);
  sig[0] = 0xc0;
  const t0 = Date.now();
  let sent = 0;
  // A remote attacker's CPU is not ours: once cut off (no subscribed peer left) the worker stops.
  while (Date.now() - t0 < d.durationMs && h.services.pubsub.getSubscribers(topic).length > 0) {
    const due = Math.floor(((Date.now() - t0) / 1000) * d.ratePerS);
    for (; sent < due; sent++) {
      // Alternating: malformed SSZ (REJECT), and an envelope for a block that never comes (IGNORE).
      const data =
        sent % 2 === 0
          ? compressSnappyBlock(Uint8Array.of(1, 2, 3, sent & 0xff, (sent >> 8) & 0xff, sent >> 16))
          : compressSnappyBlock(
              c.SignedExecutionProof.serialize({
                message: proof(new Uint8Array(32), 2, Uint8Array.of(1, 2, 3), rootOf(sent, 0xaa)),
                validatorIndex: 1,
                signature: sig,
              }),
            );
      try {
        await h.services.pubsub.publish(topic, data);
      } catch {
        // No subscribed peer left: we were cut off.
      }
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  parentPort?.postMessage({ type: "done", sent });
  await h.stop();
}

function p99(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)] ?? Number.NaN;
}

async function floodRatio(): Promise<{ ratio: number; baseP99: number; floodP99: number; sent: number }> {
  const PROOFS = Number(process.env.BENCH_RELIABILITY_PROOFS ?? 60);
  const validators = makeValidators(4);
  const a: TestNode = await startNode(validators, {}, c);
  const b: TestNode = await startNode(validators, {}, c);
  try {
    const addrA = a.p2p.multiaddrs()[0] ?? "";
    await b.p2p.dial(addrA);
    await waitFor(() => b.p2p.gossipPeers().includes(a.p2p.peerId));
    for (let i = 0; i < 2 * PROOFS + 2; i++) {
      for (const n of [a, b]) n.mem.addPayload(rootOf(i, 1), 100 + i, rootOf(i, 2));
    }
    const sign = (i: number): SignedExecutionProof =>
      signProof(validators, 1, proof(rootOf(i, 1), 2, Uint8Array.of(i & 0xff, 7, 7), rootOf(i, 2)), 1, c);
    const arrived = new Map<string, number>();
    a.p2p.onProofAccepted((e) =>
      arrived.set(toHex(e.signed.message.beaconBlockRoot ?? new Uint8Array()), performance.now()),
    );
    const measure = async (from: number, n: number): Promise<number[]> => {
      const out: number[] = [];
      for (let i = from; i < from + n; i++) {
        const env = sign(i);
        const key = toHex(rootOf(i, 2));
        const t0 = performance.now();
        await b.p2p.publishProof(env);
        await waitFor(() => arrived.has(key), 10_000, 1);
        out.push((arrived.get(key) ?? t0) - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
      return out;
    };
    await measure(0, 2); // warm-up
    const base = await measure(2, PROOFS);
    const w = new Worker(new URL(import.meta.url), {
      workerData: {
        role: "reliability-flooder",
        target: addrA,
        ratePerS: 10_000,
        durationMs: 60_000,
      } satisfies FloodData,
    });
    await new Promise<void>((resolve, reject) => {
      w.once("message", () => resolve());
      w.once("error", reject);
      setTimeout(() => reject(new Error("the flooding peer did not start in 20 s")), 20_000).unref();
    });
    await new Promise((r) => setTimeout(r, 100)); // the flood is on
    const flood = await measure(2 + PROOFS, PROOFS);
    if (process.env.BENCH_DEBUG)
      console.error(flood.map((x) => x.toFixed(0)).join(" "), a.metrics.rejected, a.metrics.ignored);
    await w.terminate();
    const rejected = [...a.metrics.rejected.values()].reduce((x, y) => x + y, 0);
    const ignored = [...a.metrics.ignored.values()].reduce((x, y) => x + y, 0);
    const baseP99 = p99(base);
    const floodP99 = p99(flood);
    return { ratio: floodP99 / baseP99, baseP99, floodP99, sent: rejected + ignored };
  } finally {
    await a.p2p.stop();
    await b.p2p.stop();
  }
}

async function outageRecovery(): Promise<{ elSlots: number; bnSlots: number }> {
  const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 15_000);
  const zkDir = new URL("zkboost-devnet/", FIXTURES);
  const witness: unknown = JSON.parse(readFileSync(new URL("execution_witness.json", zkDir), "utf8"));
  const elChainConfig = JSON.parse(readFileSync(new URL("chain_config.json", zkDir), "utf8")) as {
    chainId: number;
  };
  const npr = zkboostNpr();
  const chain = new BeaconTestServer();
  const beacon = new CustomSpecBeacon(() => chain.url, elChainConfig.chainId);
  const el = new RpcTestServer();
  await chain.start();
  await beacon.start();
  await el.start();
  el.handlers.set("debug_executionWitnessByBlockHash", () => witness);
  el.handlers.set("debug_chainConfig", () => elChainConfig);
  el.handlers.set("eth_blockNumber", () => "0x1");
  chain.addBlock(fuluBlockAround(npr, 1, npr.parentBeaconBlockRoot));
  const dirs: string[] = [];
  const start = async (): Promise<EproofNode> => {
    const dataDir = mkdtempSync(join(tmpdir(), "eproof-reliability-"));
    dirs.push(dataDir);
    return startDaemon(
      configSchema.parse({
        network: "custom",
        dataDir,
        logLevel: "silent",
        beacon: { url: beacon.url },
        execution: { url: el.url, witness: "debug" },
        proving: { proofTypes: ["eproof-reexec"], backends: [{ kind: "cpu" }] },
        p2p: { enabled: false },
        api: { enabled: false },
      }),
      { logger: silentLogger(), signingKey: { secretKey: interopSecretKey(0), validatorIndex: 0 } },
    );
  };
  const publishedAt = (n: EproofNode) =>
    new Promise<number>((resolve) => n.onPublished((_p: StoredProof) => resolve(performance.now())));
  try {
    // Execution client down while the block arrives, back after OUTAGE_MS.
    el.httpStatus = 503;
    const n1 = await start();
    const p1 = publishedAt(n1);
    await n1.ready;
    await chain.waitForConnections(chain.eventQueries.length + 1);
    chain.sendHead(chain.headRoot);
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    el.httpStatus = 200;
    const back1 = performance.now();
    const elSlots = ((await p1) - back1) / SLOT_MS;
    await n1.stop();

    // Beacon node's event stream down from the start; the block is produced meanwhile.
    chain.eventsStatus = 503;
    const n2 = await start();
    const p2 = publishedAt(n2);
    await n2.ready;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    chain.eventsStatus = 200;
    const back2 = performance.now();
    const bnSlots = ((await p2) - back2) / SLOT_MS;
    await n2.stop();
    return { elSlots, bnSlots };
  } finally {
    await el.stop();
    await beacon.stop();
    await chain.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchFigure[]> {
  const flood = await floodRatio();
  const outage = await outageRecovery();
  return [
    {
      name: "reliability.flood_valid_latency_ratio",
      value: Number(flood.ratio.toFixed(2)),
      unit: "×",
      target: `< 2 (p99 ${flood.floodP99.toFixed(1)} ms under flood vs ${flood.baseP99.toFixed(1)} ms; ${flood.sent} flood messages validated before the cut-off)`,
    },
    {
      name: "reliability.outage_recovery_slots",
      value: Number(Math.max(outage.elSlots, outage.bnSlots).toFixed(2)),
      unit: "slots",
      target: `≤ 1 (execution client ${outage.elSlots.toFixed(2)}, beacon node ${outage.bnSlots.toFixed(2)})`,
    },
  ];
}

if (!isMainThread && (workerData as FloodData | undefined)?.role === "reliability-flooder") {
  void flooder(workerData as FloodData);
}
