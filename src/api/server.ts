// The API listener: zkboost-v0.7-compatible proof-engine endpoints under /v1, the push
// equivalents (notify_new_payload, notify_forkchoice_updated), the status API under
// /eth/v1/eproof, the beacon-API execution proof endpoints under /eth/v1/beacon and /health. Other
// modules mount more routes via `http.route(...)`.
import type { RouteHandler, RouteOpts } from "../http/server.ts";
import { type HttpMethod, HttpServer } from "../http/server.ts";
import { proofContainers } from "../spec/containers.ts";
import { systemClock } from "../util/clock.ts";
import { PayloadAdmission } from "./admission.ts";
import { type ApiAuth, loadApiAuth } from "./auth.ts";
import {
  EXECUTION_PROOFS_ROUTES,
  executionProofsBodyLimit,
  getExecutionProofsByBlock,
  postExecutionProofs,
} from "./eth/executionProofs.ts";
import { getPayloadStatus } from "./eth/getPayloadStatus.ts";
import { getVerifiedHead } from "./eth/getVerifiedHead.ts";
import { getHealth } from "./health.ts";
import type { ApiModules, ApiOpts } from "./options.ts";
import { defaultApiOpts } from "./options.ts";
import { getExecutionProofRequests } from "./v1/getExecutionProofRequests.ts";
import { getExecutionProofs } from "./v1/getExecutionProofs.ts";
import { getProofTypes } from "./v1/getProofTypes.ts";
import { postExecutionProofRequests } from "./v1/postExecutionProofRequests.ts";
import { postExecutionProofVerifications } from "./v1/postExecutionProofVerifications.ts";
import { postForkchoiceUpdatedNotifications } from "./v1/postForkchoiceUpdatedNotifications.ts";
import { postNewPayloadNotifications } from "./v1/postNewPayloadNotifications.ts";
import { VerifiedHeadTracker } from "./verifiedHead.ts";

export const API_ROUTES = {
  proofRequests: "/v1/execution_proof_requests",
  proofs: "/v1/execution_proofs/{new_payload_request_root}/{proof_type}",
  verifications: "/v1/execution_proof_verifications",
  proofTypes: "/v1/proof_types",
  newPayloadNotifications: "/v1/new_payload_notifications",
  forkchoiceUpdatedNotifications: "/v1/forkchoice_updated_notifications",
  payloadStatus: "/eth/v1/eproof/payloads/{id}",
  verifiedHead: "/eth/v1/eproof/head",
  beaconExecutionProofs: EXECUTION_PROOFS_ROUTES.post,
  beaconExecutionProofsByBlock: EXECUTION_PROOFS_ROUTES.get,
  health: "/health",
} as const;

/** Largest notify_forkchoice_updated body: three hex hashes in JSON, with room for whitespace. */
export const FORKCHOICE_BODY_LIMIT = 4096;

export interface ApiServer {
  /** The underlying router: metrics and the dashboard mount their routes here before start(). */
  readonly http: HttpServer;
  readonly verifiedHead: VerifiedHeadTracker;
  start(): Promise<{ port: number }>;
  stop(): Promise<void>;
}

export function createApiServer(opts: Partial<ApiOpts>, modules: ApiModules): ApiServer {
  const o: ApiOpts = { ...defaultApiOpts, ...opts };
  const http = new HttpServer(
    { host: o.host, port: o.port, maxBodyBytes: o.maxBodyBytes, corsOrigins: o.corsOrigins, name: "api" },
    { logger: modules.logger },
  );
  const rule = { k: o.k, allowedProofTypes: o.allowedProofTypes };
  const tracker = new VerifiedHeadTracker({
    proofService: modules.proofService,
    store: modules.store,
    rule,
    logger: modules.logger,
  });
  const base = { proofService: modules.proofService, proofTypes: modules.proofTypes };
  const containers = modules.containers ?? proofContainers();
  // Pushed payloads: the slot window and pending limits, when the node tells us the chain.
  const admission = modules.chain
    ? new PayloadAdmission(
        {
          maxSlotsAhead: o.maxSlotsAhead,
          maxSlotsBehind: o.maxSlotsBehind,
          maxPayloads: o.maxPendingPayloads,
          maxBytes: o.maxPendingBytes,
        },
        modules.chain,
      )
    : undefined;
  const intake = { profile: containers.profile, admission };
  // Write endpoints (POST /v1/...) take a bearer token or JWT once start() has read the files.
  let auth: ApiAuth | undefined;
  const guarded =
    (handler: RouteHandler): RouteHandler =>
    (req, res, ctx) => {
      if (auth) {
        try {
          auth.check(req);
        } catch (e) {
          res.setHeader("www-authenticate", 'Bearer realm="eproof"');
          throw e;
        }
      }
      return handler(req, res, ctx);
    };
  const metrics = modules.metrics;
  const add = (method: HttpMethod, path: string, handler: RouteHandler, routeOpts?: RouteOpts): void => {
    http.route(method, path, metrics ? timed(path, handler, metrics.recordApiRequest) : handler, routeOpts);
  };

  add("POST", API_ROUTES.proofRequests, guarded(postExecutionProofRequests({ ...base, ...intake })));
  http.route(
    "GET",
    API_ROUTES.proofRequests,
    getExecutionProofRequests({
      ...base,
      keepAliveMs: o.sseKeepAliveMs,
      maxClients: o.maxSseClients,
      onClientCount: metrics ? (n) => metrics.recordSseClients(n) : undefined,
    }),
  );
  add(
    "GET",
    API_ROUTES.proofs,
    getExecutionProofs({ ...base, containers: modules.containers ?? proofContainers() }),
  );
  add("POST", API_ROUTES.verifications, guarded(postExecutionProofVerifications(base)));
  add("GET", API_ROUTES.proofTypes, getProofTypes(base));
  add(
    "POST",
    API_ROUTES.newPayloadNotifications,
    guarded(postNewPayloadNotifications({ ...base, ...intake })),
  );
  add(
    "POST",
    API_ROUTES.forkchoiceUpdatedNotifications,
    guarded(postForkchoiceUpdatedNotifications({ onForkchoiceUpdated: modules.onForkchoiceUpdated })),
    // Three 32-byte hashes as JSON.
    { maxBodyBytes: FORKCHOICE_BODY_LIMIT },
  );
  add(
    "GET",
    API_ROUTES.payloadStatus,
    getPayloadStatus({ store: modules.store, proofTypes: modules.proofTypes, rule }),
  );
  add("GET", API_ROUTES.verifiedHead, getVerifiedHead({ tracker, proofTypes: modules.proofTypes }));
  // Beacon-API execution proofs (Lighthouse's EIP-8025 shape): 501 under profiles without envelopes.
  // Open: every envelope carries a BLS signature the submitter checks.
  add(
    "POST",
    API_ROUTES.beaconExecutionProofs,
    postExecutionProofs({
      containers,
      submitter: modules.executionProofs?.submitter ?? (() => undefined),
      logger: modules.logger,
    }),
    { maxBodyBytes: executionProofsBodyLimit(containers) },
  );
  add(
    "GET",
    API_ROUTES.beaconExecutionProofsByBlock,
    getExecutionProofsByBlock({ containers, store: modules.store, head: modules.executionProofs?.head }),
  );
  add("GET", API_ROUTES.health, getHealth(modules.health));

  return {
    http,
    verifiedHead: tracker,
    async start() {
      auth = await loadApiAuth(o, () => (modules.clock ?? systemClock).now());
      tracker.start();
      const { port } = await http.start();
      return { port };
    },
    async stop() {
      tracker.stop();
      await http.stop();
    },
  };
}

/** Records status and wall time of each finished request under the route pattern. */
function timed(
  endpoint: string,
  handler: RouteHandler,
  record: (endpoint: string, status: number, ms: number) => void,
): RouteHandler {
  return (req, res, ctx) => {
    const t0 = performance.now();
    res.once("finish", () => record(endpoint, res.statusCode, performance.now() - t0));
    return handler(req, res, ctx);
  };
}
