// Every configuration leaf with its help text, env variable and flag: one list feeds --help, EPROOF_* and
// the config file check, so the three never drift apart.
import type { z } from "zod";
import { configSchema } from "./schema.ts";

export interface ConfigLeaf {
  /** Dotted path, e.g. "beacon.url"; also the flag name (--beacon.url). */
  path: string;
  /** EPROOF_BEACON_URL */
  env: string;
  kind: "string" | "number" | "boolean" | "array" | "object";
  description: string;
}

const DESCRIPTIONS: Record<string, string> = {
  network: "network preset (mainnet, sepolia, hoodi) or custom (spec from the beacon node)",
  profile:
    "EIP-8025 spec profile: consensus-specs-v1.7.0-beta.4 (default), consensus-specs-2026-08, eip-8025-text, consensus-specs-fulu-2025",
  dataDir: "directory for the proof store, peer key and double-sign journal",
  logLevel: "trace | debug | info | warn | error | fatal | silent",
  logFormat: "auto (human lines on a terminal, JSON lines otherwise) | human | json",
  logFile: "also append JSON log lines to this file (created with its directory)",
  "beacon.url": "beacon node REST API",
  "beacon.timeoutMs": "per-request timeout to the beacon node (ms)",
  "execution.url": "execution client JSON-RPC (for witnesses)",
  "execution.jwtSecretFile": "hex JWT secret file for the execution client's RPC, if it wants one",
  "execution.timeoutMs": "per-call timeout to the execution client (ms)",
  "execution.witness":
    "witness source: auto | debug (debug_executionWitness) | proof (eth_getProof fallback)",
  "execution.chainConfigFile": "geth-style chain config JSON (else debug_chainConfig)",
  "execution.maxConcurrentWitnesses":
    "witness fetches running at once; more wait, newest slot first (a catch-up after a restart or outage hands over many blocks together)",
  "proving.enabled": "prove new payloads (false: verify only)",
  "proving.proofTypes": "proof types to produce per payload, names or ids (at most 4)",
  "proving.deadlineMs": "proving deadline after the block is seen (ms)",
  "proving.hedge": "start a second endpoint when the first is predicted to miss the deadline",
  "proving.statelessRevision":
    "StatelessInput 0x1501 body your guests read: v0.8.4 (with public keys, ere-guests v0.17) or v21.0.1 (without); default: the profile's",
  "proving.backends":
    'proving and verifying backends as JSON, e.g. [{"kind":"cpu"},{"kind":"ere","url":"http://gpu0:3000","proofType":"reth-zisk"}]; {"kind":"sp1","vks":{"reth-sp1":"0x…"}} verifies ethrex-sp1/reth-sp1 in process on CPU worker threads (options proofTypes, vks per type as 0x-hex, a file, {"ere":URL} or {"ere":"backend"} fetched once and pinned in dataDir/vks, workers, maxQueue, timeoutMs); a type without a vk cannot be verified',
  "signing.keystore": "EIP-2335 keystore of the validator that signs proofs",
  "signing.passwordFile": "file holding the keystore password",
  "signing.validatorIndex": "validator index of that key (looked up from the beacon node when omitted)",
  "p2p.enabled": "join the execution_proof gossip network",
  "p2p.listen": "libp2p listen multiaddrs",
  "p2p.announce": "multiaddrs announced to peers",
  "p2p.staticPeers": "multiaddrs (with /p2p/<id>) to stay connected to",
  "p2p.bootnodes": "discv5 bootnode ENRs",
  "p2p.discv5Port": "discv5 UDP port",
  "p2p.discovery": "find proof-aware peers with discv5",
  "p2p.maxPeers": "connection limit",
  "p2p.localProofTypes":
    "proof types outside the profile's wire set (1-7 under v1.7) that this network gossips, e.g. eproof-reexec on a devnet; peers elsewhere REJECT them",
  "beacon.submitProofs":
    "also POST our signed proofs to the beacon node's /eth/v1/beacon/execution_proofs (eth-act Lighthouse's EIP-8025 API; envelope profiles only)",
  "gateway.witnessFromEngine":
    "send engine_newPayloadV5 upstream as engine_newPayloadWithWitnessV5 and prove from its witness (no debug_executionWitness round trip); an EL without it (-32601) gets the plain call",
  "p2p.blsWorkers":
    "worker threads that verify gossip BLS signature batches, so a batch never blocks the API or the gateway (0: on the main thread)",
  "light.beaconUrl": "eproof light: the untrusted beacon node serving light-client updates and blocks",
  "light.checkpointRoot": "eproof light: trusted checkpoint block root (0x…32 bytes) to bootstrap from",
  "light.pollIntervalMs": "eproof light: how often light-client updates are fetched",
  "light.k": "eproof light: valid proofs a block needs to become the verified execution head",
  "light.allowedProofTypes":
    "eproof light: proof types that count toward k (all verifiable types when empty)",
  "light.maxBlocks": "eproof light: verified blocks (and their proofs) kept in memory",
  "light.maxParentWalk": "eproof light: parents of a verified header fetched by hash chain (skipped slots)",
  "light.host": "eproof light: API listen address (head, SSE, metrics)",
  "light.port": "eproof light: API port (GET /eth/v1/eproof/light/head, /events, /metrics)",
  "light.requestTimeoutMs":
    "eproof light: timeout of each request to the untrusted beacon node (and to light.rpcUpstream)",
  "light.rpcUpstream":
    "eproof light: untrusted execution JSON-RPC URL; when set, POST /rpc on the light API serves verified JSON-RPC (eth_blockNumber, eth_getBalance, eth_getTransactionCount, eth_getCode, eth_getStorageAt, eth_getProof) for the verified head, every answer checked by Merkle proofs against its state root",
  "api.enabled": "serve the proof-engine (zkboost-compatible), status, metrics and dashboard HTTP API",
  "api.host": "API listen address (127.0.0.1 unless you mean it)",
  "api.port": "API port",
  "api.corsOrigins": "origins allowed by CORS (off when empty)",
  "api.maxBodyBytes": "largest request body accepted",
  "api.authTokenFile":
    "file holding a bearer token (16+ characters) the write endpoints (POST /v1/...) require as Authorization: Bearer <token>; GETs, /health and the BLS-signed POST /eth/v1/beacon/execution_proofs stay open",
  "api.jwtSecretFile":
    "hex JWT secret file (32 bytes): the write endpoints accept Authorization: Bearer <HS256 JWT with an iat within 60 s>, as the Engine API",
  "api.maxSlotsAhead":
    "a pushed payload's timestamp may lie at most this many slots after the wall-clock slot (400 beyond)",
  "api.maxSlotsBehind":
    "a pushed payload may lie at most this many slots before the wall-clock slot, and never below the last finality prune (400 beyond)",
  "api.maxPendingPayloads": "payloads pushed through the API that may wait for finality at once (429 beyond)",
  "api.maxPendingBytes":
    "SSZ bytes of the payloads pushed through the API that may wait for finality at once (429 beyond)",
  "gateway.enabled": "serve the Engine API gateway a consensus client can use as its execution engine",
  "gateway.host": "gateway listen address",
  "gateway.port": "gateway port",
  "gateway.jwtSecretFile": "hex JWT secret shared with the consensus client",
  "gateway.mode": "proofs-only (SYNCING without proofs) | proofs-or-el (forward to the upstream EL)",
  "gateway.k": "valid proofs required before a payload is VALID",
  "gateway.allowedProofTypes": "proof types that count towards k (all when empty)",
  "gateway.waitMs": "how long engine_newPayload waits for proofs (ms)",
  "gateway.upstreamUrl": "upstream execution client Engine API",
  "gateway.upstreamJwtSecretFile": "JWT secret file of the upstream Engine API",
  "gateway.mirrorToUpstream":
    "also send calls answered from proofs to the upstream in the background, so the execution client keeps following the chain",
  "metrics.gpuPrices": 'USD per GPU model for the capex gauge, JSON, e.g. {"RTX 5090":2000}',
  "metrics.nvidiaSmiIntervalMs": "GPU telemetry sampling interval (ms)",
  proofTypes: "override of the proof-type table, JSON list of {id,name,kind}",
};

type AnyZod = z.ZodType & {
  _zod: { def: { type: string; innerType?: AnyZod; shape?: Record<string, AnyZod> } };
};

function unwrap(t: AnyZod): AnyZod {
  let cur = t;
  while (cur._zod.def.innerType) cur = cur._zod.def.innerType;
  return cur;
}

function kindOf(t: AnyZod): ConfigLeaf["kind"] {
  const type = unwrap(t)._zod.def.type;
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  if (type === "array") return "array";
  if (type === "object" || type === "record") return "object";
  return "string";
}

function envName(path: string): string {
  return `EPROOF_${path
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/\./g, "_")
    .toUpperCase()}`;
}

function collect(shape: Record<string, AnyZod>, prefix: string, out: ConfigLeaf[]): void {
  for (const [key, field] of Object.entries(shape)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const inner = unwrap(field);
    if (inner._zod.def.type === "object" && inner._zod.def.shape && DESCRIPTIONS[path] === undefined) {
      collect(inner._zod.def.shape, path, out);
      continue;
    }
    out.push({ path, env: envName(path), kind: kindOf(field), description: DESCRIPTIONS[path] ?? "" });
  }
}

export const CONFIG_LEAVES: readonly ConfigLeaf[] = (() => {
  const out: ConfigLeaf[] = [];
  collect((configSchema as unknown as AnyZod)._zod.def.shape ?? {}, "", out);
  return out;
})();
