// Config sections (`api.*`, `gateway.*` of the eproof config) → ApiOpts / GatewayOpts, so the node
// wires both listeners from one validated config. Proof types may be named or numbered there.
import type { ApiOpts } from "../api/options.ts";
import type { EproofConfig } from "../config/schema.ts";
import type { ProofTypeTable } from "../spec/proofTypes.ts";
import { defaultUpstreamTimeoutMs, type GatewayOpts } from "./options.ts";

function resolveTypes(refs: readonly (string | number)[], table: ProofTypeTable): number[] {
  return refs.map((r) => table.resolve(r).id);
}

/** The API listener's options; the status API reports the gateway's k-of-n rule. */
export function apiOptsFromConfig(config: EproofConfig, table: ProofTypeTable): Partial<ApiOpts> {
  return {
    host: config.api.host,
    port: config.api.port,
    corsOrigins: config.api.corsOrigins,
    maxBodyBytes: config.api.maxBodyBytes,
    k: config.gateway.k,
    allowedProofTypes: resolveTypes(config.gateway.allowedProofTypes, table),
    authTokenFile: config.api.authTokenFile,
    jwtSecretFile: config.api.jwtSecretFile,
    maxSlotsAhead: config.api.maxSlotsAhead,
    maxSlotsBehind: config.api.maxSlotsBehind,
    maxPendingPayloads: config.api.maxPendingPayloads,
    maxPendingBytes: config.api.maxPendingBytes,
  };
}

export function gatewayOptsFromConfig(config: EproofConfig, table: ProofTypeTable): Partial<GatewayOpts> {
  const g = config.gateway;
  return {
    host: g.host,
    port: g.port,
    jwtSecretFile: g.jwtSecretFile,
    mode: g.mode,
    k: g.k,
    allowedProofTypes: resolveTypes(g.allowedProofTypes, table),
    waitMs: g.waitMs,
    witnessFromEngine: g.witnessFromEngine,
    mirrorToUpstream: g.mirrorToUpstream,
    upstream: g.upstreamUrl
      ? { url: g.upstreamUrl, jwtSecretFile: g.upstreamJwtSecretFile, timeoutMs: defaultUpstreamTimeoutMs }
      : undefined,
  };
}
