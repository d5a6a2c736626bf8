// `eproof light` wired: the untrusted beacon node (light-client API, blocks, validators), the sync
// protocol (consensus.ts), the proof tracker as the p2p layer's proof service, the proof gossip
// (createP2p, same validation as the full node), the verifier backends and the light API
// (GET /eth/v1/eproof/light/head, /eth/v1/eproof/light/events SSE, /metrics).
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { createBeaconConfig } from "@lodestar/config";
import { HttpBeaconClient } from "../beacon/httpBeaconClient.ts";
import { loadNetworkPreset, type NetworkSpec, networkFromBeaconSpec } from "../config/network.ts";
import type { EproofConfig } from "../config/schema.ts";
import { FileChainConfigSource } from "../execution/rpcWitnessSource.ts";
import { createMetrics } from "../metrics/index.ts";
import { ForkSchedule } from "../p2p/forkSchedule.ts";
import { p2pOptsFromConfig } from "../p2p/fromConfig.ts";
import type { P2pService } from "../p2p/interface.ts";
import { createP2p } from "../p2p/service.ts";
import { type BackendOpts, createBackend, sp1BackendOpts } from "../proving/backends/factory.ts";
import type { ProvingBackend } from "../proving/interface.ts";
import { proofContainers } from "../spec/containers.ts";
import { getProfile } from "../spec/profile.ts";
import { CPU_PROOF_TYPE_NAME, DEFAULT_PROOF_TYPES, ProofTypeTable } from "../spec/proofTypes.ts";
import { knownChainConfig } from "../stateless/common.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, fromHex, toHex } from "../util/hex.ts";
import type { Logger } from "../util/logger.ts";
import { LightConsensus } from "./consensus.ts";
import type { VerifiedExecutionHead } from "./interface.ts";
import { LightClientApi } from "./lightClientApi.ts";
import { createLightMetrics } from "./metrics.ts";
import { ProofTracker } from "./proofTracker.ts";
import { VerifiedRpc } from "./verifiedRpc.ts";

export interface LightNode {
  apiUrl: string;
  tracker: ProofTracker;
  consensus: LightConsensus;
  p2p: P2pService | undefined;
  /** Verified JSON-RPC (POST /rpc on the light API), when light.rpcUpstream is set. */
  rpc: VerifiedRpc | undefined;
  stop(): Promise<void>;
}

export async function startLightNode(
  config: EproofConfig,
  modules: { logger: Logger; clock?: Clock },
): Promise<LightNode> {
  const { logger } = modules;
  const clock = modules.clock ?? systemClock;
  const lc = config.light;
  if (!lc.checkpointRoot)
    throw new EproofError(
      "BAD_USAGE",
      "eproof light needs a trusted checkpoint root: --light.checkpointRoot 0x…",
    );
  const abort = new AbortController();
  const profile = getProfile(config.profile);
  const containers = proofContainers(profile);
  const preset = config.network === "custom" ? undefined : loadNetworkPreset(config.network);
  const table = new ProofTypeTable(config.proofTypes ?? preset?.proofTypes ?? DEFAULT_PROOF_TYPES);
  const beacon = new HttpBeaconClient(
    { baseUrl: lc.beaconUrl, requestTimeoutMs: lc.requestTimeoutMs },
    { clock, containers },
  );

  // The network: the preset's, or the untrusted node's spec (a lie there only breaks liveness: the
  // sync committee comes from the trusted checkpoint and signs over the genesis validators root).
  const genesis = await beacon.getGenesis(abort.signal);
  let network: NetworkSpec;
  if (preset) {
    if (!bytesEqual(genesis.genesisValidatorsRoot, preset.genesisValidatorsRoot))
      throw new EproofError("BAD_CONFIG", `the beacon node at ${beacon.url} is not on ${preset.name}`);
    network = preset;
  } else {
    network = networkFromBeaconSpec(
      await beacon.getSpec(abort.signal),
      {
        genesis_time: String(genesis.genesisTime),
        genesis_validators_root: toHex(genesis.genesisValidatorsRoot),
      },
      table.entries(),
    );
  }
  const beaconConfig = createBeaconConfig(network.forkConfig, network.genesisValidatorsRoot);

  const metrics = createMetrics({ proofTypes: table, clock });
  const lightMetrics = createLightMetrics(metrics.registry);

  const backends: ProvingBackend[] = [];
  const dataDir = resolve(config.dataDir);
  for (const b of config.proving.backends) {
    let opts: BackendOpts | undefined;
    if (b.kind === "sp1") {
      opts = sp1BackendOpts(b, {
        table,
        network: config.network,
        dataDir,
        chainId: BigInt(network.chainId),
        profile,
        backends: config.proving.backends,
      });
    } else if (b.kind === "ere") {
      opts = {
        kind: "ere",
        url: b.url,
        proofType: table.resolve(b.proofType).id,
        name: b.name,
        chainId: BigInt(network.chainId),
        profile,
      };
    } else if (b.kind === "zkboost") {
      opts = {
        kind: "zkboost",
        url: b.url,
        proofTypes: b.proofTypes.map((t) => table.resolve(t).id),
        name: b.name,
        table,
      };
    } else {
      // Re-execution needs the chain's fork schedule: a file (no execution client here) or a shipped one.
      const chainConfig = config.execution.chainConfigFile
        ? await new FileChainConfigSource(config.execution.chainConfigFile).chainConfig()
        : knownChainConfig(network.chainId);
      if (!chainConfig)
        throw new EproofError(
          "BAD_CONFIG",
          `the cpu backend verifies by re-executing blocks and needs chain ${network.chainId}'s config: set --execution.chainConfigFile (a geth genesis "config" object)`,
        );
      opts = {
        kind: "cpu",
        options: {
          proofType: table.resolve(CPU_PROOF_TYPE_NAME).id,
          statelessRevision: profile.statelessRevision,
          chainConfig,
        },
      };
    }
    if (opts) backends.push(await createBackend(opts));
  }
  // In-process SP1 before any ere-server verifying the same type (as the daemon orders them).
  backends.sort((a, b) => Number(b.kind === "sp1") - Number(a.kind === "sp1"));

  let p2p: P2pService | undefined;
  const tracker = new ProofTracker(
    {
      rule: { k: lc.k, allowedTypes: lc.allowedProofTypes.map((t) => table.resolve(t).id) },
      maxBlocks: lc.maxBlocks,
      maxParentWalk: lc.maxParentWalk,
    },
    {
      beacon,
      backends,
      profile,
      clock,
      logger,
      metrics: lightMetrics,
      nameOf: (t) => table.nameOf(t),
      onPayloadKnown: (root, blockRoot) => p2p?.onPayloadKnown(root, blockRoot),
    },
  );
  const api = new LightClientApi(
    { baseUrl: lc.beaconUrl, requestTimeoutMs: lc.requestTimeoutMs, maxResponseBytes: 8 << 20 },
    { clock },
  );
  const consensus = new LightConsensus(
    {
      checkpointRoot: fromHex(lc.checkpointRoot),
      genesisTime: network.genesisTime,
      secondsPerSlot: network.secondsPerSlot,
      pollIntervalMs: lc.pollIntervalMs,
      clockToleranceSlots: 1,
    },
    {
      api,
      config: beaconConfig,
      clock,
      logger,
      metrics: lightMetrics,
      onHeader: (h) => void tracker.onHeader(h),
    },
  );
  let lcBytes = 0;
  const bytesTimer = setInterval(() => {
    lightMetrics.recordLightClientBytes(api.bytesReceived - lcBytes);
    lcBytes = api.bytesReceived;
  }, 1000);

  await consensus.bootstrap(abort.signal);
  const forks = new ForkSchedule({
    chainConfig: network.forkConfig,
    genesisValidatorsRoot: network.genesisValidatorsRoot,
    genesisTime: network.genesisTime,
    secondsPerSlot: network.secondsPerSlot,
    profile,
    clock,
  });
  forks.start();
  if (config.p2p.enabled) {
    p2p = await createP2p(p2pOptsFromConfig(config, table, join(dataDir, "light")), {
      logger,
      metrics,
      clock,
      signal: abort.signal,
      containers,
      // Validator keys come from the untrusted node: the signature only rate-limits gossip; what makes
      // the head is the zk proof, checked against a payload from a verified block.
      validators: beacon,
      forkDigest: forks,
      domain: forks,
      proofs: tracker,
      store: tracker.storeView(),
      chain: {
        finalizedSlot: () => consensus.finalizedSlot,
        currentSlot: () => forks.currentSlot(),
        head: () => {
          const h = tracker.head();
          return { blockRoot: h ? fromHex(h.blockRoot) : new Uint8Array(32), slot: h?.slot ?? 0 };
        },
      },
      proofTypes: [],
    });
    await p2p.start();
  }
  const running = consensus.run(abort.signal);

  // The light API.
  const sse = new Set<ServerResponse>();
  const unsubscribe = tracker.onHead((head: VerifiedExecutionHead) => {
    const line = `event: head\ndata: ${JSON.stringify(head)}\n\n`;
    for (const res of sse) res.write(line);
  });
  const rpc = lc.rpcUpstream
    ? new VerifiedRpc(
        { upstreamUrl: lc.rpcUpstream, timeoutMs: lc.requestTimeoutMs },
        { head: () => tracker.head(), clock, metrics: lightMetrics },
      )
    : undefined;
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/rpc") {
      if (rpc) {
        rpc.handleHttp(req, res).catch((e: unknown) => {
          if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
          res.end(JSON.stringify({ code: 500, message: errorMessage(e) }));
        });
      } else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ code: 404, message: "verified JSON-RPC is off: set light.rpcUpstream" }));
      }
      return;
    }
    if (req.method !== "GET") {
      res.writeHead(405, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 405, message: "GET only" }));
      return;
    }
    if (path === "/eth/v1/eproof/light/head") {
      const status = tracker.status();
      res.writeHead(status.head ? 200 : 503, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          data: {
            ...status,
            proofBytesReceived: tracker.proofBytesReceived,
            lightClientBytesReceived: api.bytesReceived,
            lastRefusal: consensus.refusal,
          },
        }),
      );
      return;
    }
    if (path === "/eth/v1/eproof/light/events") {
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const h = tracker.head();
      if (h) res.write(`event: head\ndata: ${JSON.stringify(h)}\n\n`);
      sse.add(res);
      req.on("close", () => sse.delete(res));
      return;
    }
    if (path === "/metrics") {
      metrics.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": metrics.registry.contentType });
          res.end(text);
        })
        .catch((e: unknown) => {
          res.writeHead(500);
          res.end(errorMessage(e));
        });
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: 404, message: `no route ${path}` }));
  });
  await new Promise<void>((r) => server.listen(lc.port, lc.host, r));
  const { port } = server.address() as AddressInfo;
  const apiUrl = `http://${lc.host}:${port}`;
  logger.info(
    { api: apiUrl, beacon: beacon.url, peerId: p2p?.peerId, rpcUpstream: rpc?.upstreamUrl },
    "eproof light started",
  );

  return {
    apiUrl,
    tracker,
    consensus,
    p2p,
    rpc,
    stop: async () => {
      abort.abort();
      clearInterval(bytesTimer);
      unsubscribe();
      for (const res of sse) res.end();
      await new Promise<void>((r) => server.close(() => r()));
      await running;
      forks.stop();
      await p2p?.stop();
      for (const b of backends) await b.close?.();
    },
  };
}
