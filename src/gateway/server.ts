// The Engine API gateway: a consensus client points its execution endpoint here and attests from
// proofs. JWT-authenticated JSON-RPC on POST /, /health unauthenticated; binds 127.0.0.1.
import { getHealth } from "../api/health.ts";
import { HttpServer } from "../http/server.ts";
import { payloadRequestRoot } from "../spec/payloadRoot.ts";
import { getProfile } from "../spec/profile.ts";
import { systemClock } from "../util/clock.ts";
import { EproofError } from "../util/errors.ts";
import { HeadIndex } from "./headIndex.ts";
import { readJwtSecret } from "./jwt.ts";
import type { MethodContext } from "./methods/context.ts";
import { WithWitnessProbe } from "./methods/withWitness.ts";
import {
  defaultGatewayOpts,
  defaultUpstreamTimeoutMs,
  type GatewayModules,
  type GatewayOpts,
} from "./options.ts";
import { rpcEndpoint } from "./rpcEndpoint.ts";
import { UpstreamClient } from "./upstream.ts";
import { VerifiedIndex } from "./verifiedIndex.ts";

export interface Gateway {
  readonly http: HttpServer;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

export function createGateway(opts: Partial<GatewayOpts>, modules: GatewayModules): Gateway {
  const o: GatewayOpts = { ...defaultGatewayOpts, ...opts };
  if (!o.jwtSecret && !o.jwtSecretFile) {
    throw new EproofError("BAD_CONFIG", "the Engine API gateway needs a JWT secret (gateway.jwtSecretFile)");
  }
  if (!Number.isInteger(o.k) || o.k < 1)
    throw new EproofError("BAD_CONFIG", `gateway.k must be ≥ 1, got ${o.k}`);
  if (o.mode === "proofs-or-el" && !o.upstream) {
    modules.logger.warn(
      "gateway mode proofs-or-el without an upstream: payloads without proofs answer SYNCING",
    );
  }
  const clock = modules.clock ?? systemClock;
  let secret: Uint8Array | undefined = o.jwtSecret;
  const profile = modules.profile ?? getProfile();
  const http = new HttpServer(
    { host: o.host, port: o.port, maxBodyBytes: o.maxBodyBytes, corsOrigins: o.corsOrigins, name: "gateway" },
    { logger: modules.logger },
  );
  const methods: MethodContext = {
    proofService: modules.proofService,
    logger: modules.logger,
    rule: { k: o.k, allowedProofTypes: o.allowedProofTypes },
    mode: o.mode,
    waitMs: o.waitMs,
    mirrorToUpstream: o.mirrorToUpstream,
    heads: new HeadIndex(o.headIndexSize),
    store: modules.store,
    verified: new VerifiedIndex(o.headIndexSize),
    metrics: modules.metrics,
    signal: modules.signal,
    onForkchoiceUpdated: modules.onForkchoiceUpdated,
    payloadRoot: (npr) => payloadRequestRoot(npr, profile),
  };
  http.route(
    "POST",
    "/",
    rpcEndpoint({
      methods,
      clock,
      maxBatchSize: o.maxBatchSize,
      jwtSecret: () => {
        if (!secret) throw new EproofError("INTERNAL", "gateway JWT secret not loaded (start() first)");
        return secret;
      },
    }),
  );
  http.route("GET", "/health", getHealth());

  return {
    http,
    async start() {
      if (!secret && o.jwtSecretFile) secret = await readJwtSecret(o.jwtSecretFile);
      if (o.upstream) {
        const upstreamSecret =
          o.upstream.jwtSecret ??
          (o.upstream.jwtSecretFile ? await readJwtSecret(o.upstream.jwtSecretFile) : undefined);
        methods.upstream = new UpstreamClient(
          {
            url: o.upstream.url,
            jwtSecret: upstreamSecret,
            timeoutMs: o.upstream.timeoutMs ?? defaultUpstreamTimeoutMs,
          },
          () => Math.floor(clock.now() / 1000),
        );
        // One probe per upstream client: a restart (new client) asks the EL again.
        if (o.witnessFromEngine && modules.payloadWitness) {
          methods.witness = {
            sink: modules.payloadWitness,
            probe: new WithWitnessProbe(o.witnessReprobeMs, () => clock.now()),
          };
        }
      }
      methods.verified.attach(modules.proofService);
      const { port } = await http.start();
      modules.logger.info(
        { port, mode: o.mode, k: o.k, upstream: methods.upstream?.displayUrl ?? null },
        "Engine API gateway ready",
      );
      return { port };
    },
    async stop() {
      methods.verified.detach();
      await http.stop();
    },
  };
}
