// The eproof daemon: one block flows beacon → execution → proving → signing → p2p → api/gateway, with
// one logger, metrics registry, clock and shutdown signal passed to every module.
// Serving starts first (a consensus client may use the gateway before the beacon node is up); the chain
// side connects in the background and retries until the beacon node answers.
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { SecretKey } from "@chainsafe/blst";
import { ACTIVE_PRESET } from "@lodestar/params";
import type { HealthStatus } from "../api/health.ts";
import { type ApiServer, createApiServer } from "../api/server.ts";
import { ChainFollower } from "../beacon/chainFollower.ts";
import { FileLastSlotStore } from "../beacon/fileLastSlotStore.ts";
import { HttpBeaconClient } from "../beacon/httpBeaconClient.ts";
import type { ChainEvent, PayloadEvent } from "../beacon/interface.ts";
import { packageVersion } from "../cli/version.ts";
import { loadNetworkPreset, type NetworkSpec, networkFromBeaconSpec } from "../config/network.ts";
import type { EproofConfig } from "../config/schema.ts";
import {
  createDashboardHandler,
  DashboardState,
  dashboardBlockFromSummary,
  dashboardRouteHandler,
  dashboardRoutes,
  fleetMetricsWithDashboard,
} from "../dashboard/index.ts";
import { EngineWitnessCache } from "../execution/engineWitness.ts";
import type { ChainConfigSource, WitnessSource } from "../execution/interface.ts";
import { JsonRpcClient } from "../execution/jsonRpcClient.ts";
import { ProofWitnessBuilder } from "../execution/proofWitnessBuilder.ts";
import {
  DebugThenProofWitnessSource,
  FileChainConfigSource,
  RpcChainConfigSource,
  RpcWitnessSource,
} from "../execution/rpcWitnessSource.ts";
import { StatelessInputBuilder } from "../execution/statelessInput.ts";
import { GpuSampler } from "../fleet/sampler.ts";
import { apiOptsFromConfig, gatewayOptsFromConfig } from "../gateway/fromConfig.ts";
import { readJwtSecretSync } from "../gateway/jwt.ts";
import { createGateway, type Gateway } from "../gateway/server.ts";
import { BlockTimeline, createMetrics, type EproofMetrics, metricsHandler } from "../metrics/index.ts";
import { ForkSchedule } from "../p2p/forkSchedule.ts";
import { p2pOptsFromConfig } from "../p2p/fromConfig.ts";
import type { P2pService } from "../p2p/interface.ts";
import { storedToSigned } from "../p2p/reqresp/handlers.ts";
import { createP2p } from "../p2p/service.ts";
import { type BackendOpts, createBackend, sp1BackendOpts } from "../proving/backends/factory.ts";
import type { PayloadMeta, ProvingBackend } from "../proving/interface.ts";
import { DefaultProofService } from "../proving/service.ts";
import { DoubleSignGuard, loadKeystore, ProofSigner } from "../signing/index.ts";
import { decodeStoredProof, proofContainers } from "../spec/containers.ts";
import type { ForkedNewPayloadRequest } from "../spec/newPayloadRequest.ts";
import { payloadRequestRoot } from "../spec/payloadRoot.ts";
import { getProfile, type SpecProfile } from "../spec/profile.ts";
import { DEFAULT_PROOF_TYPES, ProofTypeTable } from "../spec/proofTypes.ts";
import type { GethChainConfig } from "../stateless/common.ts";
import type { PayloadRecord, ProofStore, StoredProof } from "../store/interface.ts";
import { openProofStore } from "../store/levelStore.ts";
import { type Clock, systemClock } from "../util/clock.ts";
import { EproofError, errorMessage } from "../util/errors.ts";
import { bytesEqual, toHex } from "../util/hex.ts";
import { createLogger, type Logger, redactUrl } from "../util/logger.ts";

export interface NodeModules {
  logger?: Logger;
  clock?: Clock;
  signal?: AbortSignal;
  /** A signing key given directly (devnets sign with interop keys) instead of a keystore. */
  signingKey?: { secretKey: SecretKey; validatorIndex: number };
}

export interface EproofNode {
  readonly config: EproofConfig;
  readonly logger: Logger;
  readonly metrics: EproofMetrics;
  readonly store: ProofStore;
  readonly proofService: DefaultProofService;
  readonly dashboard: DashboardState;
  readonly apiPort: number | undefined;
  readonly gatewayPort: number | undefined;
  /**
   * Resolves once the node follows the chain (beacon node reached, p2p started). Transient outages are
   * retried meanwhile; it rejects only when the node cannot run as configured (an EproofError
   * BAD_CONFIG: a beacon node on another network or preset, a signing key that is no validator, a p2p
   * port in use), which the caller reports and stops on (the daemon does not log it).
   */
  readonly ready: Promise<void>;
  /** ok only while the node follows the chain; otherwise why not (what GET /health answers). */
  health(): HealthStatus;
  p2p(): P2pService | undefined;
  /** Chain events as the follower emits them (the devnet prints from these). */
  onChainEvent(listener: (event: ChainEvent) => void): () => void;
  /** Called for every StatelessInput built (its size is the witness a prover receives). */
  onInputBuilt(listener: (root: Uint8Array, bytes: number) => void): () => void;
  /** Called for every proof this node signed and published. */
  onPublished(listener: (proof: StoredProof, payload: PayloadRecord) => void): () => void;
  stop(): Promise<void>;
}

/** Payload events kept for the witness provider (it needs the block number and hash). */
const MAX_TRACKED_EVENTS = 256;
const HEALTH_INTERVAL_MS = 10_000;
/** How long p2p may stay without peers before a warning (and between warnings). */
const NO_PEERS_WARN_MS = 120_000;
/** A beacon head this many slots behind the wall clock is reported as syncing by /health. */
const SYNCING_SLOTS = 32;

export async function startNode(config: EproofConfig, modules: NodeModules = {}): Promise<EproofNode> {
  // A start that fails half way closes what it opened (listeners, store lock, guard journal), newest first.
  const opened: (() => unknown)[] = [];
  try {
    return await startNodeOrThrow(config, modules, opened);
  } catch (e) {
    for (const close of opened.reverse()) {
      try {
        await close();
      } catch {
        // The start error is the one to report.
      }
    }
    throw e;
  }
}

async function startNodeOrThrow(
  config: EproofConfig,
  modules: NodeModules,
  opened: (() => unknown)[],
): Promise<EproofNode> {
  const logger =
    modules.logger ??
    createLogger({ level: config.logLevel, format: config.logFormat, file: config.logFile });
  const clock = modules.clock ?? systemClock;
  const abort = new AbortController();
  const onOuterAbort = () => abort.abort(modules.signal?.reason);
  modules.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const signal = abort.signal;
  opened.push(() => {
    abort.abort(new EproofError("INTERNAL", "node start failed"));
    modules.signal?.removeEventListener("abort", onOuterAbort);
  });

  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const baseProfile = getProfile(config.profile);
  const profile: SpecProfile = config.proving.statelessRevision
    ? { ...baseProfile, statelessRevision: config.proving.statelessRevision }
    : baseProfile;
  const containers = proofContainers(profile);
  const preset = config.network === "custom" ? undefined : loadNetworkPreset(config.network);
  const proofTypes = new ProofTypeTable(config.proofTypes ?? preset?.proofTypes ?? DEFAULT_PROOF_TYPES);
  const provedTypes = config.proving.proofTypes.map((t) => proofTypes.resolve(t).id);

  const metrics = createMetrics({
    gpuPrices: config.metrics.gpuPrices,
    proofTypes,
    clock,
    version: packageVersion(),
  });
  const dashboard = new DashboardState({ budgetMs: config.proving.deadlineMs });
  const timeline = new BlockTimeline({
    logger,
    metrics,
    clock,
    deadlineMs: config.proving.deadlineMs,
    // A proof ready after the deadline is reported late, not missed, if it comes within twice the deadline.
    settleMs: 2 * config.proving.deadlineMs,
    // Without a signing key proofs are stored and served but not published: a ready proof completes.
    publishes: modules.signingKey !== undefined || Boolean(config.signing.keystore),
    onSettled: (summary) =>
      dashboard.recordBlock(dashboardBlockFromSummary(summary, verifiedCount(summary.root))),
  });

  // Execution side: witnesses and chain config for the StatelessInput.
  const rpc = new JsonRpcClient(
    {
      url: config.execution.url,
      timeoutMs: config.execution.timeoutMs,
      // Its errors name the file, never its contents.
      jwtSecret: config.execution.jwtSecretFile
        ? readJwtSecretSync(config.execution.jwtSecretFile)
        : undefined,
    },
    { clock, metrics },
  );
  const chainConfigSource: ChainConfigSource = config.execution.chainConfigFile
    ? new FileChainConfigSource(config.execution.chainConfigFile)
    : new RpcChainConfigSource(rpc);
  // Witnesses the gateway got with engine_newPayloadWithWitnessV5 first; the EL's debug API otherwise.
  const engineWitnesses = new EngineWitnessCache(
    makeWitnessSource(config, rpc, chainConfigSource, { clock, logger, metrics }),
    { clock, metrics },
  );
  const witnessSource: WitnessSource = engineWitnesses;
  const inputBuilder = new StatelessInputBuilder(
    { profile, witnessCheck: "fallback" },
    { witnessSource, chainConfigSource, clock, logger, metrics },
  );
  let chainConfig: GethChainConfig | undefined;
  // Tried again per block until it loads; the same failure is warned about once, not per block.
  let chainConfigWarned: string | undefined;
  const loadChainConfig = async () => {
    try {
      chainConfig = await chainConfigSource.chainConfig(signal);
      chainConfigWarned = undefined;
    } catch (e) {
      const err = errorMessage(e);
      if (err === chainConfigWarned) logger.debug({ err }, "chain config still not available");
      else logger.warn({ err }, "chain config not available yet (needed to re-execute blocks)");
      chainConfigWarned = err;
    }
  };
  await loadChainConfig();

  const payloadEvents = new Map<string, PayloadEvent>();
  /** NewPayloadRequest roots (hex) of blocks a reorg dropped: if one comes back, its kept proofs go out again. */
  const orphanedRoots = new Set<string>();
  const inputListeners = new Set<(root: Uint8Array, bytes: number) => void>();
  const witnessProvider = async (npr: ForkedNewPayloadRequest, meta: PayloadMeta, s: AbortSignal) => {
    const event =
      payloadEvents.get(toHex(payloadRequestRoot(npr, profile))) ?? payloadEventFromNpr(npr, meta, profile);
    if (!chainConfig) await loadChainConfig();
    const ready = await inputBuilder.build(event, s);
    timeline.mark(toHex(event.root), "input");
    for (const l of inputListeners) l(event.root, ready.bytes.length);
    return ready.bytes;
  };

  const backends: ProvingBackend[] = [];
  const endpointGpus: Record<string, number[]> = {};
  for (const b of config.proving.backends) {
    const backend = await createBackend(
      backendOpts(b, proofTypes, () => chainConfig, preset?.chainId, profile, { config, dataDir }),
    );
    backends.push(backend);
    opened.push(() => backend.close?.());
    if (b.kind === "ere" && b.gpus.length > 0) endpointGpus[backend.id] = b.gpus;
  }
  // A proof type no backend can prove would fail every slot for ever: refuse to start instead.
  if (config.proving.enabled) {
    const provable = new Set(backends.flatMap((b) => b.capabilities().prove));
    const unprovable = provedTypes.filter((t) => !provable.has(t)).map((t) => proofTypes.nameOf(t));
    if (unprovable.length > 0) {
      const can = [...provable].map((t) => proofTypes.nameOf(t));
      throw new EproofError(
        "BAD_CONFIG",
        `no proving backend can prove ${unprovable.join(", ")} (--proving.proofTypes); the configured backends prove ${can.length > 0 ? can.join(", ") : "nothing"}: add a backend for it to proving.backends or leave it out of --proving.proofTypes`,
      );
    }
  }
  // The first backend that verifies a type is asked: in-process SP1 before any ere-server's Verify,
  // whatever order the config lists them in.
  backends.sort((a, b) => Number(b.kind === "sp1") - Number(a.kind === "sp1"));
  // GPU telemetry (watts, utilisation, memory, temperature) and energy per proof, when GPUs are attached.
  metrics.setEndpointGpus(endpointGpus);
  const gpuSampler =
    Object.keys(endpointGpus).length > 0
      ? new GpuSampler({
          metrics: fleetMetricsWithDashboard(metrics, dashboard),
          clock,
          intervalMs: config.metrics.nvidiaSmiIntervalMs,
          onError: (message) => logger.debug({ err: message }, "nvidia-smi sample failed"),
        })
      : undefined;
  gpuSampler?.start();
  opened.push(() => gpuSampler?.stop());

  const store = await openProofStore(join(dataDir, "store"));
  opened.push(() => store.close());
  // eproof_store_proofs / eproof_store_bytes: after each proof of ours and each health round.
  const recordStoreSize = () =>
    store
      .stats()
      .then((s) => metrics.recordStoreSize(s.proofs, s.bytes))
      .catch((e: unknown) => logger.debug({ err: errorMessage(e) }, "store stats failed"));
  const publishedListeners = new Set<(proof: StoredProof, payload: PayloadRecord) => void>();
  let p2p: P2pService | undefined;
  let schedule: ForkSchedule | undefined;
  const signer = await makeSigner(config, modules, dataDir, containers, () => schedule);
  opened.push(() => signer?.guard.close());

  const beacon = new HttpBeaconClient(
    { baseUrl: config.beacon.url, requestTimeoutMs: config.beacon.timeoutMs },
    { clock, containers },
  );
  const chainListeners = new Set<(event: ChainEvent) => void>();
  // The newest block with a payload: `head` for GET /eth/v1/beacon/execution_proofs/head.
  let apiHead: Uint8Array | undefined;
  // The API's admission window: the wall clock, and the slot below which finality pruned the store.
  let prunedBelow = 0;
  chainListeners.add((e) => {
    if (e.type === "payload") apiHead = e.blockRoot;
  });

  const proofService = new DefaultProofService({
    store,
    backends,
    proofTypes,
    containers,
    witnessProvider,
    logger,
    metrics,
    clock,
    schedulerOpts: { deadlineMs: config.proving.deadlineMs, hedge: config.proving.hedge },
    opts: { maxConcurrentWitnesses: config.execution.maxConcurrentWitnesses },
    chainId: preset ? BigInt(preset.chainId) : undefined,
    // Payloads pushed through the API carry no slot: derive it from the payload's timestamp.
    slotOfTimestamp: (timestamp) => schedule?.slotAtTime(timestamp) ?? 0,
    onProofReady: async (proof, payload) => {
      timeline.proofReady(toHex(proof.newPayloadRequestRoot), proofTypes.nameOf(proof.proofType));
      await signAndPublish(proof, payload);
      void recordStoreSize();
    },
  });
  opened.push(() => proofService.close());

  async function signAndPublish(proof: StoredProof, payload: PayloadRecord): Promise<void> {
    const root = toHex(proof.newPayloadRequestRoot);
    if (!signer) return;
    const message = decodeStoredProof(containers, proof.proof, proof.newPayloadRequestRoot);
    const signed = signer.sign(message, payload.slot);
    await store.putProof({
      ...proof,
      signed: { validatorIndex: signed.validatorIndex, signature: signed.signature },
    });
    timeline.mark(root, "signed");
    if (p2p) await p2p.publishProof(signed);
    if (config.beacon.submitProofs && signed.message.beaconBlockRoot?.some((b) => b !== 0)) {
      // Beside a Lighthouse/Prysm node that gossips proofs itself; a refusal costs only this copy.
      beacon
        .submitExecutionProofs([signed], signal)
        .catch((e: unknown) =>
          logger.warn(
            { err: errorMessage(e), proofType: proof.proofType },
            "beacon node refused our execution proof",
          ),
        );
    }
    timeline.proofPublished(root, proofTypes.nameOf(proof.proofType));
    metrics.recordGossipPublished(proof.proofType);
    for (const l of publishedListeners) l(proof, payload);
  }

  /**
   * A block orphaned and then canonical again: its signed proofs were kept (dropPayload keepSigned) and
   * are published again as they are; a zk prover's second proof would differ and could not be signed.
   */
  async function republishSigned(root: Uint8Array, blockRoot: Uint8Array): Promise<void> {
    const payload = await store.getPayload(root);
    if (!payload) return;
    for (const type of provedTypes) {
      const proof = await store.getProof(root, type);
      if (proof?.source !== "local" || !proof.signed) continue;
      const signed = storedToSigned(proof, containers);
      // A sibling block with the same payload is another block: the kept proof names the first one.
      const named = signed?.message.beaconBlockRoot;
      if (named?.some((b) => b !== 0) && toHex(named) !== toHex(blockRoot)) continue;
      try {
        if (p2p && signed) await p2p.publishProof(signed);
      } catch (e) {
        logger.warn({ err: errorMessage(e), proofType: type }, "could not publish a kept proof again");
        continue;
      }
      timeline.proofPublished(toHex(root), proofTypes.nameOf(type));
      for (const l of publishedListeners) l(proof, payload);
    }
  }

  /**
   * Our proofs stored but never signed (a crash between the two, or a node that ran without its key):
   * requestProofs skips stored proofs, so a block handed over again gets them signed here.
   */
  async function signStoredUnsigned(root: Uint8Array): Promise<void> {
    if (!signer) return;
    const payload = await store.getPayload(root);
    if (!payload) return;
    for (const type of provedTypes) {
      const proof = await store.getProof(root, type);
      if (proof?.source !== "local" || proof.signed) continue;
      try {
        await signAndPublish(proof, payload);
      } catch (e) {
        logger.warn({ err: errorMessage(e), proofType: type }, "could not sign a stored proof");
      }
    }
  }
  proofService.subscribe((event) => {
    if (event.type === "proof_failure") {
      timeline.proofFailed(
        toHex(event.newPayloadRequestRoot),
        proofTypes.nameOf(event.proofType),
        event.reason,
      );
    }
  });
  const verifiedBy = new Map<string, Set<number>>();
  const verifiedCount = (root: string) => verifiedBy.get(root)?.size ?? 0;

  // What /health reports: set by the health checks and the chain side below.
  const upstreamOk = { beacon: false, execution: false };
  let beaconHeadSlot: number | undefined;
  let following = false;
  let fatal: string | undefined;

  // Serving: the proof-engine/status API (with /metrics and /dashboard) and the Engine API gateway.
  let api: ApiServer | undefined;
  let apiPort: number | undefined;
  if (config.api.enabled) {
    api = createApiServer(apiOptsFromConfig(config, proofTypes), {
      logger,
      proofService,
      store,
      proofTypes,
      containers,
      metrics,
      clock,
      // No onForkchoiceUpdated: pruning follows only the beacon node's finality (the follower).
      executionProofs: { submitter: () => p2p, head: () => apiHead },
      chain: {
        currentSlot: () => schedule?.currentSlot(),
        slotOfTimestamp: (ts) => schedule?.slotAtTime(ts),
        prunedBelow: () => prunedBelow,
      },
      health: () => health(),
    });
    const serveMetrics = metricsHandler(metrics);
    const serveDashboard = dashboardRouteHandler(createDashboardHandler({ state: dashboard }));
    api.http.route("GET", "/metrics", async (req, res) => serveMetrics(req, res));
    for (const path of dashboardRoutes())
      api.http.route("GET", path, async (req, res) => serveDashboard(req, res));
    apiPort = (await listenOrExplain(api.start(), config.api.host, config.api.port, "--api.port")).port;
    opened.push(() => api?.stop());
  }

  let gateway: Gateway | undefined;
  let gatewayPort: number | undefined;
  if (config.gateway.enabled) {
    gateway = createGateway(gatewayOptsFromConfig(config, proofTypes), {
      logger,
      proofService,
      store,
      metrics,
      clock,
      signal,
      payloadWitness: engineWitnesses,
      profile,
    });
    gatewayPort = (
      await listenOrExplain(gateway.start(), config.gateway.host, config.gateway.port, "--gateway.port")
    ).port;
    opened.push(() => gateway?.stop());
  }
  // One start-up banner: what runs, where it listens, whether it signs.
  const signing = modules.signingKey !== undefined || Boolean(config.signing.keystore);
  logger.info(
    {
      version: packageVersion(),
      network: config.network,
      preset: ACTIVE_PRESET,
      profile: profile.name,
      dataDir,
      proving: config.proving.enabled ? provedTypes.map((t) => proofTypes.nameOf(t)) : "off",
      backends: backends.map((b) => b.id),
      signing: signing ? "on" : "off",
      api: apiPort === undefined ? "off" : `http://${config.api.host}:${apiPort}`,
      ...(apiPort === undefined ? {} : { dashboard: `http://${config.api.host}:${apiPort}/dashboard` }),
      gateway:
        gatewayPort === undefined
          ? "off"
          : `http://${config.gateway.host}:${gatewayPort} (${config.gateway.mode}, k=${config.gateway.k})`,
      p2p: config.p2p.enabled ? config.p2p.listen : "off",
      beacon: redactUrl(config.beacon.url),
      execution: redactUrl(config.execution.url),
    },
    "eproof started",
  );
  if (!signing && config.proving.enabled)
    logger.warn(
      "signing is off: proofs are proved, stored and served but not published (give --signing.keystore and --signing.passwordFile)",
    );

  // Upstream health for eproof_upstream_up, /health and the scheduler (an unhealthy prover gets no
  // work). Every upstream is 0 until its first success, so an `up == 0` alert fires from the start.
  for (const upstream of ["beacon", "beacon_events", "execution", ...backends.map((b) => `prover:${b.id}`)])
    metrics.recordUpstreamHealth(upstream, false);
  const checkHealth = async () => {
    for (const h of await proofService.refreshHealth(signal))
      metrics.recordUpstreamHealth(`prover:${h.id}`, h.ok);
    const head = await beacon.getHeadHeader(signal).catch(() => undefined);
    upstreamOk.beacon = head !== undefined;
    if (head) beaconHeadSlot = head.slot;
    metrics.recordUpstreamHealth("beacon", upstreamOk.beacon);
    upstreamOk.execution = await rpc.call("eth_blockNumber", [], { signal }).then(
      () => true,
      () => false,
    );
    metrics.recordUpstreamHealth("execution", upstreamOk.execution);
    await recordStoreSize();
  };
  const runHealthCheck = () =>
    checkHealth().catch((e) => logger.debug({ err: errorMessage(e) }, "health check failed"));
  void runHealthCheck();
  const healthTimer = setInterval(runHealthCheck, HEALTH_INTERVAL_MS);
  signal.addEventListener("abort", () => clearInterval(healthTimer), { once: true });

  async function pruneBefore(slot: number): Promise<void> {
    const pruned = await proofService.pruneBefore(slot);
    prunedBelow = Math.max(prunedBelow, slot);
    signer?.guard.finalized(slot);
    if (pruned > 0) logger.debug({ slot, pruned }, "pruned proofs below the finalized slot");
  }

  async function onChainEvent(chainEvent: ChainEvent): Promise<void> {
    // The follower roots payloads in the consensus form; proofs use the profile's (the guests') form.
    const event: ChainEvent =
      chainEvent.type === "payload"
        ? { ...chainEvent, root: payloadRequestRoot(chainEvent.npr as ForkedNewPayloadRequest, profile) }
        : chainEvent;
    for (const l of chainListeners) l(event);
    switch (event.type) {
      case "payload": {
        const root = toHex(event.root);
        payloadEvents.set(root, event);
        while (payloadEvents.size > MAX_TRACKED_EVENTS) {
          const oldest = payloadEvents.keys().next();
          if (oldest.done) break;
          payloadEvents.delete(oldest.value);
        }
        const payload = event.npr.value.executionPayload;
        timeline.begin(root, {
          slot: event.slot,
          blockHash: event.blockHash,
          gasUsed: payload.gasUsed,
          txs: payload.transactions.length,
          seenAt: event.seenAt,
          proofTypes: config.proving.enabled ? provedTypes.map((t) => proofTypes.nameOf(t)) : [],
        });
        timeline.mark(root, "npr");
        const meta = {
          slot: event.slot,
          blockRoot: event.blockRoot,
          blockHash: event.blockHash,
          seenAt: event.seenAt,
        };
        const npr = event.npr as ForkedNewPayloadRequest;
        let requested: Uint8Array | undefined;
        if (config.proving.enabled && provedTypes.length > 0) {
          timeline.mark(root, "requested");
          requested = await proofService.requestProofs(npr, provedTypes, meta);
        } else {
          await proofService.notifyPayload(npr, meta);
        }
        p2p?.onPayloadKnown(event.root, event.blockRoot);
        // Resolving late keeps the follower's resume slot below this block until its proofs are durable.
        if (requested) {
          await proofService.whenSettled(requested, provedTypes);
          await signStoredUnsigned(requested);
          if (orphanedRoots.delete(root)) await republishSigned(requested, event.blockRoot);
        }
        return;
      }
      case "reorg":
        for (const blockRoot of event.orphanedBlockRoots) {
          const payload = await store.payloadByBlockRoot(blockRoot);
          if (!payload) continue;
          orphanedRoots.add(toHex(payload.newPayloadRequestRoot));
          if (orphanedRoots.size > MAX_TRACKED_EVENTS)
            orphanedRoots.delete(orphanedRoots.values().next().value ?? "");
          // Before the drop, whose failures would otherwise settle the block as missed.
          timeline.orphaned(toHex(payload.newPayloadRequestRoot));
          await proofService.dropPayload(payload.newPayloadRequestRoot);
        }
        return;
      case "finalized":
        await pruneBefore(event.slot);
        return;
    }
  }

  // The chain side, retried until the beacon node answers: network spec, p2p, the follower.
  let follower: ChainFollower | undefined;
  let followerRun: Promise<void> | undefined;
  const chainEventsInFlight = new Set<Promise<unknown>>();
  const ready = (async () => {
    const { network, spec } = await connectBeacon(
      beacon,
      preset,
      proofTypes,
      logger,
      clock,
      signal,
      config.beacon.url,
    );
    const forks = new ForkSchedule({
      chainConfig: network.forkConfig,
      genesisValidatorsRoot: network.genesisValidatorsRoot,
      genesisTime: network.genesisTime,
      secondsPerSlot: network.secondsPerSlot,
      slotsPerEpoch: Number(spec.SLOTS_PER_EPOCH ?? 32),
      profile,
      clock,
    });
    schedule = forks;
    forks.start();
    signal.addEventListener("abort", () => forks.stop(), { once: true });
    if (signer) await signer.resolveIndex(beacon, logger, network.name, clock, signal);
    if (config.p2p.enabled) {
      let finalizedSlot = 0;
      let head: { blockRoot: Uint8Array; slot: number } = { blockRoot: new Uint8Array(32), slot: 0 };
      chainListeners.add((e) => {
        if (e.type === "finalized") finalizedSlot = e.slot;
        if (e.type === "payload") head = { blockRoot: e.blockRoot, slot: e.slot };
      });
      p2p = await createP2p(p2pOptsFromConfig(config, proofTypes, dataDir), {
        logger,
        metrics,
        clock,
        signal,
        containers,
        validators: beacon,
        forkDigest: forks,
        domain: forks,
        proofs: proofService,
        store,
        // Proofs gossip dropped before their block was known: asked again from the beacon node
        // (eth-act Lighthouse serves them), only where envelopes are the wire.
        fetchProofs:
          profile.wire === "envelope" ? (blockRoot, s) => beacon.getExecutionProofs(blockRoot, s) : undefined,
        chain: {
          finalizedSlot: () => finalizedSlot,
          currentSlot: () => forks.currentSlot(),
          head: () => head,
        },
        proofTypes: provedTypes,
      });
      await p2p.start().catch((e: unknown) => {
        if (!isAddressInUse(e)) throw e;
        throw new EproofError(
          "BAD_CONFIG",
          `a p2p port is in use (${config.p2p.listen.join(", ")}${config.p2p.discovery ? `, discv5 udp ${config.p2p.discv5Port}` : ""}): stop what listens there or choose others with --p2p.listen / --p2p.discv5Port`,
        );
      });
      p2p.onProofAccepted((e) => {
        const root = toHex(e.signed.message.publicInput.newPayloadRequestRoot);
        let set = verifiedBy.get(root);
        if (!set) {
          set = new Set();
          verifiedBy.set(root, set);
          while (verifiedBy.size > MAX_TRACKED_EVENTS) {
            const oldest = verifiedBy.keys().next();
            if (oldest.done) break;
            verifiedBy.delete(oldest.value);
          }
        }
        set.add(e.signed.validatorIndex);
      });
      // Peers stuck at 0: warned after NO_PEERS_WARN_MS, then at most once per NO_PEERS_WARN_MS.
      let alone = clock.now();
      let warnedAt = 0;
      const peersTimer = setInterval(() => {
        const peers = p2p?.peers() ?? [];
        dashboard.recordPeers(peers.length, peers.filter((p) => p.proofAware).length);
        const flood = p2p?.floodDefence?.();
        if (flood)
          metrics.recordFloodDefence({
            cut_off: flood.cutOff,
            refused: flood.refusedConnections,
            dropped_unread: flood.droppedUnread,
            throttled: flood.throttledConnections,
          });
        const now = clock.now();
        if (peers.length > 0) alone = now;
        else if (now - alone >= NO_PEERS_WARN_MS && now - warnedAt >= NO_PEERS_WARN_MS) {
          warnedAt = now;
          logger.warn(
            { minutes: Math.round((now - alone) / 60_000) },
            "no p2p peers: proofs are neither gossiped nor received (check --p2p.bootnodes, --p2p.staticPeers and that the p2p port is reachable)",
          );
        }
      }, 1000);
      signal.addEventListener("abort", () => clearInterval(peersTimer), { once: true });
      logger.info({ peerId: p2p.peerId, addrs: p2p.multiaddrs() }, "p2p started");
    }
    follower = new ChainFollower(
      { baseUrl: config.beacon.url, requestTimeoutMs: config.beacon.timeoutMs },
      { beacon, clock, logger, metrics, lastSlot: new FileLastSlotStore(join(dataDir, "last-slot")) },
    );
    follower.on((event) => {
      const handled = onChainEvent(event).catch((e) => {
        // A handler cut off by shutdown is re-handled on the next start (the resume slot stays below it).
        if (signal.aborted)
          logger.debug({ err: errorMessage(e), type: event.type }, "chain event cut off by shutdown");
        else logger.error({ err: errorMessage(e), type: event.type }, "chain event failed");
      });
      chainEventsInFlight.add(handled);
      void handled.finally(() => chainEventsInFlight.delete(handled));
      return handled;
    });
    followerRun = follower.run(signal).catch((e) => {
      if (!signal.aborted) logger.error({ err: errorMessage(e) }, "chain follower stopped");
    });
    timeline.start();
    following = true;
    logger.info({ network: network.name, beacon: redactUrl(config.beacon.url) }, "following the chain");
  })();
  ready.catch((e) => {
    fatal = errorMessage(e);
    // Fatal configuration problems are reported by the caller (eproof run: one line, exit 1).
    if (!signal.aborted && !(e instanceof EproofError && e.code === "BAD_CONFIG"))
      logger.error({ err: errorMessage(e) }, "could not start following the chain");
  });

  function health(): HealthStatus {
    if (fatal !== undefined) return { ok: false, reason: fatal };
    if (!upstreamOk.beacon) return { ok: false, reason: "beacon node unreachable" };
    if (!upstreamOk.execution) return { ok: false, reason: "execution client unreachable" };
    if (!following) return { ok: false, reason: "starting" };
    const now = schedule?.currentSlot();
    if (now !== undefined && beaconHeadSlot !== undefined && now - beaconHeadSlot > SYNCING_SLOTS)
      return { ok: false, reason: "syncing" };
    return { ok: true };
  }

  let stopped = false;
  return {
    config,
    logger,
    metrics,
    store,
    proofService,
    dashboard,
    apiPort,
    gatewayPort,
    ready,
    health,
    p2p: () => p2p,
    onChainEvent(listener) {
      chainListeners.add(listener);
      return () => chainListeners.delete(listener);
    },
    onInputBuilt(listener) {
      inputListeners.add(listener);
      return () => inputListeners.delete(listener);
    },
    onPublished(listener) {
      publishedListeners.add(listener);
      return () => publishedListeners.delete(listener);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      abort.abort(new EproofError("INTERNAL", "node stopping"));
      modules.signal?.removeEventListener("abort", onOuterAbort);
      await ready.catch(() => undefined);
      await followerRun;
      timeline.stop();
      await gpuSampler?.stop();
      await p2p?.stop().catch((e) => logger.warn({ err: errorMessage(e) }, "p2p stop failed"));
      await gateway?.stop();
      await api?.stop();
      await proofService.close();
      // Handlers still running (the proof service just settled their waits) finish before the store closes.
      await Promise.race([
        Promise.allSettled([...chainEventsInFlight]),
        new Promise((r) => setTimeout(r, 2_000).unref()),
      ]);
      await store.close();
      signer?.guard.close();
    },
  };
}

function makeWitnessSource(
  config: EproofConfig,
  rpc: JsonRpcClient,
  chainConfigSource: ChainConfigSource,
  m: { clock: Clock; logger: Logger; metrics: EproofMetrics },
): WitnessSource {
  const debug = new RpcWitnessSource(rpc, { clock: m.clock, metrics: m.metrics });
  const proofs = new ProofWitnessBuilder(rpc, config.execution.url, { ...m, chainConfigSource });
  if (config.execution.witness === "debug") return debug;
  if (config.execution.witness === "proof") return proofs;
  return new DebugThenProofWitnessSource(debug, proofs);
}

function backendOpts(
  b: EproofConfig["proving"]["backends"][number],
  table: ProofTypeTable,
  chainConfig: () => GethChainConfig | undefined,
  presetChainId: number | undefined,
  profile: SpecProfile,
  node: { config: EproofConfig; dataDir: string },
): BackendOpts {
  switch (b.kind) {
    case "cpu":
      return {
        kind: "cpu",
        options: {
          proofType: table.resolve("eproof-reexec").id,
          statelessRevision: profile.statelessRevision,
          chainConfig: (chainId: number) => {
            const c = chainConfig();
            return c && Number(c.chainId) === chainId ? c : undefined;
          },
        },
      };
    case "ere":
      return {
        kind: "ere",
        url: b.url,
        proofType: table.resolve(b.proofType).id,
        name: b.name,
        // Input framing and the guest's public values follow the configured profile.
        profile,
        // The guest commits to the chain id: the network preset's, else the execution client's chain config.
        chainId: BigInt(presetChainId ?? chainConfig()?.chainId ?? 1),
        proveTimeoutMs: b.timeoutMs,
      };
    case "zkboost":
      return {
        kind: "zkboost",
        url: b.url,
        proofTypes: b.proofTypes.map((t) => table.resolve(t).id),
        name: b.name,
        table,
        proveTimeoutMs: b.timeoutMs,
      };
    case "sp1":
      return sp1BackendOpts(b, {
        table,
        network: node.config.network,
        dataDir: node.dataDir,
        chainId: BigInt(presetChainId ?? chainConfig()?.chainId ?? 1),
        profile,
        backends: node.config.proving.backends,
      });
  }
}

/** The signing key and its guard, with the validator index looked up from the beacon node if needed. */
interface NodeSigner {
  guard: DoubleSignGuard;
  sign: ProofSigner["sign"];
  resolveIndex(
    beacon: HttpBeaconClient,
    logger: Logger,
    network: string,
    clock: Clock,
    signal: AbortSignal,
  ): Promise<void>;
}

async function makeSigner(
  config: EproofConfig,
  modules: NodeModules,
  dataDir: string,
  containers: ReturnType<typeof proofContainers>,
  schedule: () => ForkSchedule | undefined,
): Promise<NodeSigner | undefined> {
  let secretKey: SecretKey;
  let validatorIndex: number | undefined;
  if (modules.signingKey) {
    secretKey = modules.signingKey.secretKey;
    validatorIndex = modules.signingKey.validatorIndex;
  } else if (config.signing.keystore) {
    if (!config.signing.passwordFile) {
      throw new EproofError("BAD_CONFIG", "signing.keystore needs signing.passwordFile");
    }
    secretKey = (await loadKeystore(config.signing.keystore, config.signing.passwordFile)).secretKey;
    validatorIndex = config.signing.validatorIndex;
  } else {
    return undefined;
  }
  const guard = new DoubleSignGuard(dataDir);
  let signer: ProofSigner | undefined;
  const domainAtSlot = (slot: number) => {
    const cc = schedule();
    if (!cc) throw new EproofError("INTERNAL", "cannot sign before the chain's fork schedule is known");
    return cc.domainAtSlot(slot);
  };
  const build = (index: number) =>
    new ProofSigner({ secretKey, validatorIndex: index, guard, containers, domainAtSlot });
  if (validatorIndex !== undefined) signer = build(validatorIndex);
  return {
    guard,
    sign: (proof, slot) => {
      if (!signer) throw new EproofError("INTERNAL", "the signing validator's index is not known yet");
      return signer.sign(proof, slot);
    },
    async resolveIndex(beacon, logger, network, clock, signal) {
      if (signer) return;
      const pubkey = toHex(secretKey.toPublicKey().toBytes());
      // A beacon node that blips is asked again; only its answer "no such validator" is fatal.
      const found = await retryTransient(
        () => beacon.getValidators([pubkey], [], "head", signal).then(([v]) => v),
        { logger, clock, signal, what: "validator lookup" },
      );
      if (!found)
        throw new EproofError(
          "BAD_CONFIG",
          `the signing key ${pubkey} is no validator on ${network}: use the keystore of a validator on this chain (--signing.keystore), or run without one to prove without publishing`,
        );
      signer = build(found.index);
      logger.info({ validatorIndex: found.index }, "signing proofs as validator");
    },
  };
}

async function connectBeacon(
  beacon: HttpBeaconClient,
  preset: NetworkSpec | undefined,
  proofTypes: ProofTypeTable,
  logger: Logger,
  clock: Clock,
  signal: AbortSignal,
  url: string,
): Promise<{ network: NetworkSpec; spec: Record<string, string> }> {
  const [genesis, spec] = await retryTransient(
    () => Promise.all([beacon.getGenesis(signal), beacon.getSpec(signal)]),
    { logger, clock, signal, what: "beacon node", url },
  );
  if (preset) {
    if (!bytesEqual(genesis.genesisValidatorsRoot, preset.genesisValidatorsRoot)) {
      const chainId = spec.DEPOSIT_CHAIN_ID ?? spec.DEPOSIT_NETWORK_ID;
      const found = `${spec.CONFIG_NAME ?? "an unnamed chain"}${chainId ? ` (chain id ${chainId})` : ""}`;
      throw new EproofError(
        "BAD_CONFIG",
        `the beacon node at ${redactUrl(url)} is on ${found}, not ${preset.name} (genesis validators root ${toHex(genesis.genesisValidatorsRoot)}): point --beacon.url at a ${preset.name} beacon node, or run with --network custom to follow the chain it is on`,
      );
    }
    const presetBase = spec.PRESET_BASE ?? "mainnet";
    if (presetBase !== ACTIVE_PRESET)
      throw new EproofError(
        "BAD_CONFIG",
        `the beacon node runs the ${presetBase} preset but eproof runs ${ACTIVE_PRESET}: start eproof with LODESTAR_PRESET=${presetBase}`,
      );
    return { network: preset, spec };
  }
  const network = networkFromBeaconSpec(
    spec,
    {
      genesis_time: String(genesis.genesisTime),
      genesis_validators_root: toHex(genesis.genesisValidatorsRoot),
    },
    proofTypes.entries(),
  );
  return { network, spec };
}

/** Runs `f` until it succeeds, retrying with backoff (≤ 10 s) on anything but a BAD_CONFIG or an abort. */
async function retryTransient<T>(
  f: () => Promise<T>,
  m: { logger: Logger; clock: Clock; signal: AbortSignal; what: string; url?: string },
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f();
    } catch (e) {
      if (m.signal.aborted || (e instanceof EproofError && e.code === "BAD_CONFIG")) throw e;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5));
      m.logger.warn(
        { ...(m.url ? { beacon: redactUrl(m.url) } : {}), err: errorMessage(e), retryMs: delay },
        `${m.what} not reachable yet`,
      );
      await m.clock.sleep(delay, m.signal);
    }
  }
}

function isAddressInUse(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c !== undefined && c !== null && depth < 5; depth++) {
    if (typeof c === "object" && "code" in c && (c as { code: unknown }).code === "EADDRINUSE") return true;
    if (e instanceof Error && /EADDRINUSE|address already in use/i.test(errorMessage(c))) return true;
    c = typeof c === "object" && "cause" in c ? (c as { cause: unknown }).cause : undefined;
  }
  return false;
}

/** A listener's start, with "port in use" said as what to change. */
async function listenOrExplain<T>(start: Promise<T>, host: string, port: number, flag: string): Promise<T> {
  try {
    return await start;
  } catch (e) {
    if (!isAddressInUse(e)) throw e;
    throw new EproofError(
      "BAD_CONFIG",
      `${host}:${port} is already in use (${flag}): stop what listens there or choose another port with ${flag}`,
    );
  }
}

/** A payload that arrived without a chain event (zkboost API, gateway): enough for the witness fetch. */
function payloadEventFromNpr(
  npr: ForkedNewPayloadRequest,
  meta: PayloadMeta,
  profile: SpecProfile,
): PayloadEvent {
  const payload = npr.value.executionPayload;
  return {
    type: "payload",
    npr,
    root: payloadRequestRoot(npr, profile),
    slot: meta.slot,
    blockRoot: meta.blockRoot,
    blockHash: payload.blockHash,
    parentHash: payload.parentHash,
    blockNumber: payload.blockNumber,
    seenAt: meta.seenAt,
  };
}
