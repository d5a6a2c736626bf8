// `eproof devnet`: a real local devnet (Lodestar + EthereumJS, src/devnet/startDevnet.ts) with eproof on
// top — node 0 proves every block with the CPU proof type (witnesses rebuilt from eth_getProof), signs
// as interop validator 0 and gossips; the other nodes verify what they receive. The beacon node's
// execution endpoint is node 0's Engine API gateway (proofs-or-EL, upstream = the EthereumJS client).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { decodeEnvelopeListSsz } from "../api/eth/envelopeCodec.ts";
import { HttpBeaconClient } from "../beacon/httpBeaconClient.ts";
import { configSchema, type EproofConfig } from "../config/schema.ts";
import { type EproofNode, startNode } from "../node/daemon.ts";
import { interopSecretKey } from "../signing/interopKeys.ts";
import { proofContainers } from "../spec/containers.ts";
import { getProfile } from "../spec/profile.ts";
import { CPU_PROOF_TYPE_ID, CPU_PROOF_TYPE_NAME } from "../spec/proofTypes.ts";
import { systemClock } from "../util/clock.ts";
import { errorMessage } from "../util/errors.ts";
import { toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import type { Devnet } from "./interface.ts";
import { type DevnetLight, startDevnetLight } from "./lightNode.ts";
import { portsFromBase } from "./ports.ts";
import { startDevnet } from "./startDevnet.ts";
import { startTxGenerator, type TxGenerator } from "./txGenerator.ts";

export interface ProofDevnetOpts {
  /** Run this many slots, then stop; forever (until the signal aborts) when absent. */
  slots?: number;
  /** eproof nodes: one prover plus verifiers (at least 2). */
  nodes: number;
  secondsPerSlot: number;
  dataDir?: string;
  /** How long the gateway waits for proofs before asking the execution client (ms). */
  gatewayWaitMs: number;
  logger: Logger;
  /** A quieter logger for the eproof nodes themselves. */
  nodeLogger: Logger;
  signal: AbortSignal;
  /** One line per settled slot. */
  onSlot?: (report: SlotReport) => void;
  /** Called once everything is up, with every URL a user needs next. */
  onReady?: (info: DevnetReadyInfo) => void;
  /** Keep a data dir the devnet created itself (a given dataDir is always kept). */
  keep?: boolean;
  /** Fill blocks to about this many million gas (load calls and transfers); absent: small batches. */
  gasMillions?: number;
  /** Also run an `eproof light` node on the beacon node's light-client API and the prover's gossip. */
  light?: boolean;
}

/** What `eproof devnet` prints once up: where each piece listens and where its config is. */
export interface DevnetReadyInfo {
  dashboardUrl: string;
  beaconUrl: string;
  /** The execution client's JSON-RPC and Engine API (the beacon node uses the prover's gateway). */
  rpcUrl: string;
  engineUrl: string;
  dataDir: string;
  /** Whether the data dir is removed when the devnet stops. */
  removeDataDir: boolean;
  nodes: {
    index: number;
    role: "prover" | "verifier";
    apiUrl: string;
    gatewayUrl?: string;
    multiaddrs: string[];
    /** The node's configuration, written to its data dir (eproof run --config FILE runs it alone). */
    configFile: string;
  }[];
  /** The light node, with --light. */
  light?: { apiUrl: string; rpcUrl: string; configFile: string; logPath: string; checkpointRoot: string };
}

export interface SlotReport {
  slot: number;
  block: number;
  blockHash: string;
  txs: number;
  gasUsed: number;
  /** Schema-prefixed StatelessInput bytes: the witness the prover re-executed from. */
  inputBytes: number | null;
  /** Block seen -> proof signed and published. */
  proveMs: number | null;
  /** Block seen -> the slowest verifier accepted the proof. */
  verifyMs: number | null;
  /** How many verifier nodes verified the proof (of nodes - 1). */
  verifiers: number;
  /** 10 s budget minus verifyMs (negative: late). */
  marginMs: number | null;
  /** A reorg dropped the block (its slot line says so instead of a margin). */
  orphaned: boolean;
  /** With --light: block seen -> the light node's verified execution head reached this block (or a later one). */
  lightMs?: number | null;
  /** With --light: the light node's verified head slot when this line was settled. */
  lightHeadSlot?: number | null;
}

/** What the light node did over the run (--light). */
export interface LightSummary {
  /** Canonical blocks the light node's verified head reached (or passed). */
  followed: number;
  headSlot: number | null;
  /**
   * How far the light head trailed the proven head, in slots: per block, from the prover publishing its
   * proof to the light node's verified head reaching it. A header is verified by the next block's sync
   * aggregate, so this is about one slot by construction.
   */
  lagSlotsP50: number | null;
  lagSlotsP99: number | null;
  lagSlotsMax: number | null;
  /** Proof bytes plus light-client data the light node received, per slot of the run. */
  bytesPerSlot: number | null;
  peakRssBytes: number;
}

export interface DevnetSummary {
  slots: number;
  /** Canonical blocks with a payload seen while eproof ran (orphaned ones are counted apart). */
  blocks: number;
  proved: number;
  verified: number;
  /** Verified proofs found in every verifier's store. */
  stored: number;
  orphaned: number;
  nodes: number;
  txs: number;
  gas: number;
  /**
   * Proofs a late joiner fetched from the prover again: over req/resp (by range) where the profile
   * has it, else through the beacon-API (GET from the prover, POST to the verifier, accepted).
   */
  servedToLateJoiner: number;
  lateJoinerPath: "reqresp" | "beacon-api";
  p50ProveMs: number | null;
  maxProveMs: number | null;
  p50VerifyMs: number | null;
  maxVerifyMs: number | null;
  timeToFirstBlockMs: number;
  /** The beacon node (whose execution engine is eproof's gateway) kept going: its head slot at the end. */
  headSlot: number;
  /** Attestations included in the canonical blocks: the validators kept attesting. */
  attestations: number;
  /** Stopped with Ctrl-C: only what eproof saw itself is counted (no beacon, store or req/resp checks). */
  interrupted: boolean;
  light?: LightSummary;
  ok: boolean;
}

interface BlockTrack {
  root: Uint8Array;
  blockRoot: Uint8Array;
  slot: number;
  block: number;
  blockHash: string;
  txs: number;
  gasUsed: number;
  seenAt: number;
  inputBytes: number | null;
  provedAt: number | null;
  verifiedAt: Map<number, number>;
  reported: boolean;
  /** The follower reported it orphaned by a reorg. */
  orphaned: boolean;
  /** When the light node's verified head reached it (--light; undefined without a light node). */
  lightAt?: number | null;
}

const BUDGET_MS = 10_000;
/** After the grace period, how long blocks still being proved or verified may take before judging. */
const SETTLE_MS = 2 * BUDGET_MS;

/** What judging a block needs: proved and verified by every verifier, unless a reorg dropped it. */
export interface SettleTrack {
  provedAt: number | null;
  verifiedAt: Map<number, number>;
  orphaned: boolean;
  /** undefined: no light node to wait for; null: the light head has not reached it yet. */
  lightAt?: number | null;
}

function settled(b: SettleTrack, verifiers: number): boolean {
  return b.orphaned || (b.provedAt !== null && b.verifiedAt.size >= verifiers && b.lightAt !== null);
}

/**
 * Waits until every block is settled (orphaned, or proved and verified by all `verifiers`), at most
 * `timeoutMs`, or until `signal` aborts; resolves with how many are still unsettled. The block that
 * arrives at the end of the grace period is proved moments later: judged before, it counted unproved.
 */
export async function settleInFlight(
  blocks: readonly SettleTrack[],
  verifiers: number,
  timeoutMs: number,
  signal?: AbortSignal,
  pollMs = 100,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  const unsettled = () => blocks.filter((b) => !settled(b, verifiers)).length;
  while (unsettled() > 0 && Date.now() < until && !signal?.aborted) {
    await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, until - Date.now()))));
  }
  return unsettled();
}

/** Listens on `port` (0: any) on 127.0.0.1 and closes again; resolves to the port, or undefined if taken. */
async function probePort(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const addr = server.address();
      server.close(() => resolve(addr && typeof addr === "object" ? addr.port : undefined));
    });
  });
}

async function freePort(): Promise<number> {
  const port = await probePort(0);
  if (port === undefined) throw new Error("no free port on 127.0.0.1");
  return port;
}

/** A base of five consecutive free ports for the devnet (the beacon REST port must be known up front). */
async function freeBasePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    const probes = await Promise.all([0, 1, 2, 3, 4].map((i) => probePort(base + i)));
    if (probes.every((p) => p !== undefined)) return base;
  }
  throw new Error("found no five consecutive free ports on 127.0.0.1");
}

function nodeConfig(over: Record<string, unknown>): EproofConfig {
  return configSchema.parse(over);
}

export async function runProofDevnet(opts: ProofDevnetOpts): Promise<DevnetSummary> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "eproof-devnet-"));
  const removeDataDir = opts.dataDir === undefined && opts.keep !== true;
  const removeData = () => {
    if (removeDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const nodes: EproofNode[] = [];
  const blocks = new Map<string, BlockTrack>();
  let devnet: Devnet | undefined;
  let txGen: TxGenerator | undefined;
  let light: DevnetLight | undefined;
  const nodeCount = Math.max(2, opts.nodes);
  const p2pPorts = await Promise.all(Array.from({ length: nodeCount }, () => freePort()));
  const basePort = await freeBasePort();
  const beaconPort = portsFromBase(basePort).clRest;

  // --slots N: the first N blocks eproof sees are the run (N slot lines); later ones are not judged.
  const counted = new Set<string>();
  let enough: () => void = () => {};
  const enoughSeen = new Promise<void>((resolve) => {
    enough = resolve;
  });
  // Slot lines go out in slot order: a block's line waits for the lines of the counted blocks before it.
  const ready = new Map<string, SlotReport>();
  const printed = new Set<string>();
  const printInOrder = () => {
    const waiting = [...counted]
      .filter((r) => !printed.has(r))
      .sort((a, b) => (blocks.get(a)?.slot ?? 0) - (blocks.get(b)?.slot ?? 0));
    for (const root of waiting) {
      const line = ready.get(root);
      if (!line) {
        // A block that never completes does not hold the lines after it back for long.
        const b = blocks.get(root);
        if (b && Date.now() - b.seenAt > 2 * BUDGET_MS) report(root, true);
        return;
      }
      ready.delete(root);
      printed.add(root);
      opts.onSlot?.(line);
    }
  };
  const report = (root: string, force = false) => {
    const b = blocks.get(root);
    if (!b || b.reported || !counted.has(root)) return;
    const verified = b.verifiedAt.size;
    if (!force && !settled(b, nodeCount - 1)) return;
    b.reported = true;
    const verifyMs = verified > 0 ? Math.max(...b.verifiedAt.values()) - b.seenAt : null;
    ready.set(root, {
      slot: b.slot,
      block: b.block,
      blockHash: b.blockHash,
      txs: b.txs,
      gasUsed: b.gasUsed,
      inputBytes: b.inputBytes,
      proveMs: b.provedAt === null ? null : b.provedAt - b.seenAt,
      verifyMs,
      verifiers: verified,
      marginMs: verifyMs === null ? null : BUDGET_MS - verifyMs,
      orphaned: b.orphaned,
      ...(light
        ? {
            lightMs: b.lightAt == null ? null : b.lightAt - b.seenAt,
            lightHeadSlot: light.head()?.slot ?? null,
          }
        : {}),
    });
    printInOrder();
  };

  try {
    devnet = await startDevnet({
      dataDir: join(dataDir, "chain"),
      // Runs until N blocks were seen (below); the devnet's own watch still reports a dead or stalled chain.
      slots: undefined,
      secondsPerSlot: opts.secondsPerSlot,
      // Load transactions have senders of their own (one pending transaction each).
      ...(opts.gasMillions ? { accounts: 40 } : {}),
      logger: opts.logger,
      signal: opts.signal,
      // The eproof nodes start between the execution client and the beacon node, so the beacon node's
      // execution endpoint can be node 0's Engine API gateway.
      executionUrl: async (el) => {
        const chainConfigFile = join(dataDir, "chain-config.json");
        const genesis = readFileSync(join(dataDir, "chain", "genesis.json"), "utf8");
        writeFileSync(chainConfigFile, JSON.stringify((JSON.parse(genesis) as { config: unknown }).config));
        const beaconUrl = `http://127.0.0.1:${beaconPort}`;
        for (let i = 0; i < nodeCount; i++) {
          const prover = i === 0;
          const config = nodeConfig({
            network: "custom",
            dataDir: join(dataDir, `eproof-${i}`),
            logLevel: "warn",
            beacon: { url: beaconUrl },
            execution: { url: el.rpcUrl, witness: "proof", chainConfigFile },
            proving: { enabled: prover, proofTypes: [CPU_PROOF_TYPE_NAME], backends: [{ kind: "cpu" }] },
            // Every devnet node announces eproof's CPU type, so it may travel on this network's gossip.
            p2p: {
              listen: [`/ip4/127.0.0.1/tcp/${p2pPorts[i]}`],
              discovery: false,
              localProofTypes: [CPU_PROOF_TYPE_NAME],
            },
            api: { port: 0 },
            gateway: prover
              ? {
                  enabled: true,
                  port: 0,
                  jwtSecretFile: el.jwtSecretPath,
                  mode: "proofs-or-el",
                  waitMs: opts.gatewayWaitMs,
                  upstreamUrl: el.engineUrl,
                  upstreamJwtSecretFile: el.jwtSecretPath,
                }
              : {},
          });
          const node = await startNode(config, {
            logger: opts.nodeLogger.child({ node: i }),
            signal: opts.signal,
            signingKey: prover ? { secretKey: interopSecretKey(0), validatorIndex: 0 } : undefined,
          });
          nodes.push(node);
          // Its config beside its data, to copy from (the devnet's signing key is an interop key).
          writeFileSync(join(config.dataDir, "eproof.yaml"), stringify(config));
        }
        const gatewayPort = nodes[0]?.gatewayPort;
        if (gatewayPort === undefined) throw new Error("the prover's gateway did not start");
        return `http://127.0.0.1:${gatewayPort}`;
      },
      basePort,
    });
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    removeData();
    throw e;
  }
  const [prover, ...verifiers] = nodes;
  if (!prover) throw new Error("no eproof nodes");
  let lightHead: { slot: number; at: number } | undefined;
  // A block at or below the light head's slot when first seen needs no wait (it was passed already).
  const lightReached = (slot: number): number | null =>
    lightHead && lightHead.slot >= slot ? lightHead.at : null;
  prover.onChainEvent((event) => {
    if (event.type === "reorg") {
      const orphaned = new Set(event.orphanedBlockRoots.map(toHex));
      for (const [root, b] of blocks) {
        if (!orphaned.has(toHex(b.blockRoot))) continue;
        b.orphaned = true;
        report(root, true);
      }
    }
    if (event.type !== "payload") return;
    const payload = event.npr.value.executionPayload;
    blocks.set(toHex(event.root), {
      root: event.root,
      blockRoot: event.blockRoot,
      slot: event.slot,
      block: payload.blockNumber,
      blockHash: toHex(event.blockHash),
      txs: payload.transactions.length,
      gasUsed: Number(payload.gasUsed),
      seenAt: event.seenAt,
      inputBytes: null,
      provedAt: null,
      verifiedAt: new Map(),
      reported: false,
      orphaned: false,
      lightAt: opts.light ? lightReached(event.slot) : undefined,
    });
    if (opts.slots === undefined || counted.size < opts.slots) counted.add(toHex(event.root));
    if (opts.slots !== undefined && counted.size >= opts.slots) enough();
  });
  prover.onInputBuilt((root, bytes) => {
    const b = blocks.get(toHex(root));
    if (b) b.inputBytes = bytes;
  });
  prover.onPublished((proof) => {
    const root = toHex(proof.newPayloadRequestRoot);
    const b = blocks.get(root);
    if (b) {
      b.provedAt = Date.now();
    }
    report(root);
  });
  verifiers.forEach((v, i) => {
    v.proofService.subscribe((event) => {
      if (event.type !== "proof_verified") return;
      const root = toHex(event.newPayloadRequestRoot);
      blocks.get(root)?.verifiedAt.set(i, event.at);
      report(root);
    });
  });

  await Promise.all(nodes.map((n) => n.ready));
  const proverAddrs = prover.p2p()?.multiaddrs() ?? [];
  for (const v of verifiers) {
    for (const addr of proverAddrs)
      await v
        .p2p()
        ?.dial(addr)
        .catch(() => undefined);
  }
  if (opts.light) {
    try {
      light = await startLightForDevnet(devnet, dataDir, prover, opts);
    } catch (e) {
      await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
      await devnet.stop();
      removeData();
      throw e;
    }
    light.onHead((head, at) => {
      lightHead = { slot: head.slot, at };
      for (const [root, b] of blocks) {
        if (b.lightAt != null || b.orphaned || b.slot > head.slot) continue;
        b.lightAt = at;
        report(root);
      }
    });
  }
  txGen = startTxGenerator({
    rpcUrl: devnet.rpcUrl,
    chainId: devnet.chainId,
    accounts: devnet.accounts,
    intervalMs: devnet.secondsPerSlot * 1000,
    logger: opts.nodeLogger,
    signal: opts.signal,
    ...(opts.gasMillions ? { targetGasPerBlock: BigInt(Math.round(opts.gasMillions * 1e6)) } : {}),
  });
  opts.onReady?.({
    dashboardUrl: `http://127.0.0.1:${prover.apiPort}/dashboard`,
    beaconUrl: devnet.beaconUrl,
    rpcUrl: devnet.rpcUrl,
    engineUrl: devnet.engineUrl,
    dataDir,
    removeDataDir,
    nodes: nodes.map((n, index) => ({
      index,
      role: index === 0 ? "prover" : "verifier",
      apiUrl: `http://127.0.0.1:${n.apiPort}`,
      ...(n.gatewayPort === undefined ? {} : { gatewayUrl: `http://127.0.0.1:${n.gatewayPort}` }),
      multiaddrs: n.p2p()?.multiaddrs() ?? [],
      configFile: join(n.config.dataDir, "eproof.yaml"),
    })),
    ...(light
      ? {
          light: {
            apiUrl: light.apiUrl,
            rpcUrl: `${light.apiUrl}/rpc`,
            configFile: light.configFile,
            logPath: light.logPath,
            checkpointRoot: light.checkpointRoot,
          },
        }
      : {}),
  });

  let summary: DevnetSummary | undefined;
  try {
    await Promise.race([
      devnet.finished,
      enoughSeen,
      new Promise<void>((resolve) => opts.signal.addEventListener("abort", () => resolve(), { once: true })),
    ]);
    // Let the last block's proof reach the verifiers.
    if (!opts.signal.aborted)
      await new Promise((r) => setTimeout(r, Math.min(15_000, devnet.secondsPerSlot * 3000)));
    // The blocks seen by the end of the grace period are judged; those still in flight get up to
    // SETTLE_MS more (blocks arriving meanwhile are not judged, so the wait ends).
    const judged = new Map([...blocks].filter(([root]) => counted.has(root)));
    if (!opts.signal.aborted)
      await settleInFlight([...judged.values()], nodeCount - 1, SETTLE_MS, opts.signal);
    for (const root of judged.keys()) report(root, true);
    summary = opts.signal.aborted
      ? tally(opts, judged, nodes, devnet)
      : await summarize(opts, judged, nodes, devnet);
    if (light) {
      summary.light = await lightSummary(light, [...judged.values()], devnet.secondsPerSlot);
      if (!summary.interrupted) summary.ok &&= summary.light.followed >= summary.blocks;
    }
  } finally {
    txGen.stop();
    await light?.stop();
    await Promise.all(
      nodes.map((n) => n.stop().catch((e) => opts.logger.warn({ err: errorMessage(e) }, "node stop failed"))),
    );
    await devnet.stop();
    removeData();
  }
  return summary;
}

/**
 * Starts the light node: its trusted checkpoint is the head block root of the devnet's own beacon node
 * (which the devnet started, so trusts); from there on that node is only an untrusted server to it.
 */
async function startLightForDevnet(
  devnet: Devnet,
  dataDir: string,
  prover: EproofNode,
  opts: ProofDevnetOpts,
): Promise<DevnetLight> {
  const beacon = new HttpBeaconClient({ baseUrl: devnet.beaconUrl }, { clock: systemClock });
  const head = await beacon.getHeadHeader(opts.signal);
  const [apiPort, p2pPort] = [await freePort(), await freePort()];
  return startDevnetLight(
    {
      dataDir: join(dataDir, "light"),
      beaconUrl: devnet.beaconUrl,
      rpcUrl: devnet.rpcUrl,
      chainConfigFile: join(dataDir, "chain-config.json"),
      checkpointRoot: toHex(head.root),
      peers: prover.p2p()?.multiaddrs() ?? [],
      apiPort,
      p2pPort,
      logger: opts.logger,
    },
    opts.signal,
  );
}

async function lightSummary(
  light: DevnetLight,
  judged: readonly BlockTrack[],
  secondsPerSlot: number,
): Promise<LightSummary> {
  const slotMs = secondsPerSlot * 1000;
  const sorted = judged
    .filter((b) => !b.orphaned && b.provedAt !== null && b.lightAt != null)
    .map((b) => Math.max(0, ((b.lightAt ?? 0) - (b.provedAt ?? 0)) / slotMs))
    .sort((a, b) => a - b);
  const round = (v: number | null | undefined) => (v == null ? null : Number(v.toFixed(2)));
  const pct = (p: number) => (sorted.length ? (sorted[Math.ceil(p * sorted.length) - 1] ?? null) : null);
  let bytesPerSlot: number | null = null;
  try {
    const r = await fetch(`${light.apiUrl}/eth/v1/eproof/light/head`);
    const { data } = (await r.json()) as {
      data: { proofBytesReceived: number; lightClientBytesReceived: number };
    };
    const slots = (Date.now() - light.startedAt) / (secondsPerSlot * 1000);
    if (slots > 0)
      bytesPerSlot = Math.round((data.proofBytesReceived + data.lightClientBytesReceived) / slots);
  } catch {
    // The light node is gone: its summary says so by the missing figure.
  }
  return {
    followed: judged.filter((b) => !b.orphaned && b.lightAt != null).length,
    headSlot: light.head()?.slot ?? null,
    lagSlotsP50: round(pct(0.5)),
    lagSlotsP99: round(pct(0.99)),
    lagSlotsMax: round(sorted.at(-1)),
    bytesPerSlot,
    peakRssBytes: light.peakRssBytes(),
  };
}

/** After Ctrl-C the beacon node may already be gone: count what eproof itself saw, check nothing more. */
function tally(
  opts: ProofDevnetOpts,
  blocks: Map<string, BlockTrack>,
  nodes: EproofNode[],
  devnet: Devnet,
): DevnetSummary {
  const all = [...blocks.values()];
  const kept = all.filter((b) => !b.orphaned);
  const proved = kept.filter((b) => b.provedAt !== null);
  const verified = kept.filter((b) => b.verifiedAt.size >= nodes.length - 1);
  const proveMs = proved.map((b) => (b.provedAt ?? 0) - b.seenAt).sort((a, b) => a - b);
  const verifyMs = verified.map((b) => Math.max(...b.verifiedAt.values()) - b.seenAt).sort((a, b) => a - b);
  return {
    slots: opts.slots ?? Math.max(0, ...all.map((b) => b.slot)),
    blocks: kept.length,
    proved: proved.length,
    verified: verified.length,
    stored: 0,
    orphaned: all.length - kept.length,
    nodes: nodes.length,
    txs: kept.reduce((sum, b) => sum + b.txs, 0),
    gas: kept.reduce((sum, b) => sum + b.gasUsed, 0),
    servedToLateJoiner: 0,
    lateJoinerPath: "beacon-api",
    p50ProveMs: median(proveMs),
    maxProveMs: proveMs.at(-1) ?? null,
    p50VerifyMs: median(verifyMs),
    maxVerifyMs: verifyMs.at(-1) ?? null,
    timeToFirstBlockMs: devnet.timeToFirstBlockMs,
    headSlot: Math.max(0, ...all.map((b) => b.slot)),
    attestations: 0,
    interrupted: true,
    ok: false,
  };
}

function median(xs: number[]): number | null {
  return xs.length ? (xs[Math.floor(xs.length / 2)] ?? null) : null;
}

async function summarize(
  opts: ProofDevnetOpts,
  blocks: Map<string, BlockTrack>,
  nodes: EproofNode[],
  devnet: Devnet,
): Promise<DevnetSummary> {
  const beacon = new HttpBeaconClient({ baseUrl: devnet.beaconUrl }, { clock: systemClock });
  const canonical: BlockTrack[] = [];
  let orphaned = 0;
  let attestations = 0;
  for (const b of blocks.values()) {
    const header = await beacon.getHeader(toHex(b.blockRoot)).catch(() => undefined);
    if (!header?.canonical) {
      orphaned++;
      continue;
    }
    canonical.push(b);
    const block = await beacon.getBlock(toHex(b.blockRoot)).catch(() => undefined);
    const body = (block?.signedBlock as { message?: { body?: { attestations?: unknown[] } } } | undefined)
      ?.message?.body;
    attestations += body?.attestations?.length ?? 0;
  }
  const headSlot = (await beacon.getHeadHeader().catch(() => undefined))?.slot ?? 0;
  const proved = canonical.filter((b) => b.provedAt !== null);
  const verified = canonical.filter((b) => b.verifiedAt.size >= nodes.length - 1);
  let stored = 0;
  for (const b of canonical) {
    const found = await Promise.all(
      nodes.slice(1).map((n) => n.store.getProof(b.root, CPU_PROOF_TYPE_ID).catch(() => undefined)),
    );
    if (found.every((p) => p?.verified === true)) stored++;
  }
  const proveMs = proved.map((b) => (b.provedAt ?? 0) - b.seenAt).sort((a, b) => a - b);
  const verifyMs = verified.map((b) => Math.max(...b.verifiedAt.values()) - b.seenAt).sort((a, b) => a - b);
  const late = await lateJoinerCatchUp(nodes, canonical, opts.logger);
  const n = canonical.length;
  return {
    slots: opts.slots ?? headSlot,
    blocks: n,
    proved: proved.length,
    verified: verified.length,
    stored,
    orphaned,
    nodes: nodes.length,
    txs: canonical.reduce((sum, b) => sum + b.txs, 0),
    gas: canonical.reduce((sum, b) => sum + b.gasUsed, 0),
    servedToLateJoiner: late.served,
    lateJoinerPath: late.path,
    p50ProveMs: median(proveMs),
    maxProveMs: proveMs.at(-1) ?? null,
    p50VerifyMs: median(verifyMs),
    maxVerifyMs: verifyMs.at(-1) ?? null,
    timeToFirstBlockMs: devnet.timeToFirstBlockMs,
    headSlot,
    attestations,
    interrupted: false,
    ok: n > 0 && proved.length === n && verified.length === n && stored === n,
  };
}

/**
 * The last verifier fetches every canonical block's proofs from the prover again, as a late joiner
 * would: by range over req/resp under profiles that have it, else from the prover's beacon-API
 * (`GET /eth/v1/beacon/execution_proofs/{block}`, SSZ) into its own (`POST`, counted when accepted).
 */
async function lateJoinerCatchUp(
  nodes: readonly EproofNode[],
  canonical: readonly BlockTrack[],
  logger: Logger,
): Promise<{ path: "reqresp" | "beacon-api"; served: number }> {
  const prover = nodes[0];
  const last = nodes.at(-1);
  const containers = proofContainers(getProfile(prover?.config.profile));
  const reqResp = containers.profile.reqResp;
  const path = reqResp ? "reqresp" : "beacon-api";
  if (!prover || !last || last === prover || canonical.length === 0) return { path, served: 0 };
  try {
    if (reqResp) {
      const proverId = prover.p2p()?.peerId;
      if (!proverId) return { path, served: 0 };
      const start = Math.min(...canonical.map((b) => b.slot));
      const end = Math.max(...canonical.map((b) => b.slot));
      const r = await last
        .p2p()
        ?.backfill({ kind: "range", startSlot: start, count: end - start + 1 }, proverId);
      return { path, served: r?.received ?? 0 };
    }
    let served = 0;
    for (const b of canonical) {
      const got = await fetch(
        `http://127.0.0.1:${prover.apiPort}/eth/v1/beacon/execution_proofs/${toHex(b.blockRoot)}`,
        { headers: { accept: "application/octet-stream" } },
      );
      const body = new Uint8Array(await got.arrayBuffer());
      if (got.status !== 200) continue;
      if (body.length === 0) continue; // no proofs for that block
      const count = decodeEnvelopeListSsz(body, containers).length;
      const put = await fetch(`http://127.0.0.1:${last.apiPort}/eth/v1/beacon/execution_proofs`, {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body,
      });
      await put.arrayBuffer();
      if (put.status === 200) served += count;
    }
    return { path, served };
  } catch (e) {
    logger.warn({ err: errorMessage(e), path }, "late-joiner catch-up failed");
    return { path, served: 0 };
  }
}
