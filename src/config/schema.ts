// The configuration schema: every key a user can set, its default, and its validation.
// Precedence: defaults < config file < EPROOF_* environment < command-line flags.
import { z } from "zod";
import { DEFAULT_PROFILE_NAME } from "../spec/profile.ts";

const url = z.url({ message: "must be a URL such as http://127.0.0.1:5052" });
const port = z.number().int().min(0).max(65535);
const host = z.string().min(1);
const proofTypeRef = z.union([z.string().min(1), z.number().int().min(0).max(255)]);

/** An SP1 program vk: `0x…` hex or a file path, {hex}, {file}, or {ere: URL | "backend"} (fetched once, pinned). */
export const sp1VkSourceSchema = z.union([
  z.string().min(1),
  z.object({ hex: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex") }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ ere: z.union([z.literal("backend"), url]) }).strict(),
]);
export type Sp1VkSourceConfig = z.infer<typeof sp1VkSourceSchema>;

export const backendSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("cpu") }).strict(),
  z
    .object({
      kind: z.literal("ere"),
      /** ere-server base URL, one per GPU or GPU cluster. */
      url,
      proofType: proofTypeRef,
      /** Label for logs and metrics (defaults to the URL's host:port). */
      name: z.string().optional(),
      /** GPU indices (or a cluster) behind this endpoint: for telemetry and energy accounting. */
      gpus: z.array(z.number().int().min(0)).default([]),
      timeoutMs: z.number().int().positive().default(120_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal("zkboost"),
      url,
      proofTypes: z.array(proofTypeRef).min(1),
      name: z.string().optional(),
      timeoutMs: z.number().int().positive().default(120_000),
    })
    .strict(),
  z
    .object({
      kind: z.literal("sp1"),
      /** SP1 proof types verified in process (SP1 Hypercube compressed STARKs). */
      proofTypes: z.array(proofTypeRef).min(1).default(["ethrex-sp1", "reth-sp1"]),
      /** Program vk per proof type (name or id); types left out take the network preset's source. */
      vks: z.record(z.string(), sp1VkSourceSchema).default({}),
      name: z.string().optional(),
      /** Worker threads running the wasm verifier (each ~100 MiB while verifying). */
      workers: z.number().int().min(1).max(16).default(1),
      /** Verifications waiting for a worker before more are refused. */
      maxQueue: z.number().int().min(1).max(4096).default(64),
      /** Longest one verification may take, queue wait included; a stuck worker is replaced. */
      timeoutMs: z.number().int().positive().default(10_000),
    })
    .strict(),
]);

export const configSchema = z
  .object({
    /** mainnet | sepolia | hoodi (presets in config/networks/), or custom: spec taken from the beacon node. */
    network: z.string().default("mainnet"),
    /** Spec profile: the EIP-8025 revision eproof speaks (see src/spec/profile.ts). */
    profile: z.string().default(DEFAULT_PROFILE_NAME),
    dataDir: z.string().default(".eproof"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "fatal", "silent"]).default("info"),
    /** human lines, json lines, or auto: human on a terminal, json otherwise (pipes, containers). */
    logFormat: z.enum(["auto", "human", "json"]).default("auto"),
    /** Also append JSON log lines to this file. */
    logFile: z.string().optional(),
    beacon: z
      .object({
        url: url.default("http://127.0.0.1:5052"),
        timeoutMs: z.number().int().positive().default(10_000),
        /** Also POST our signed envelopes to the node's /eth/v1/beacon/execution_proofs. */
        submitProofs: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    execution: z
      .object({
        url: url.default("http://127.0.0.1:8545"),
        /** Hex JWT secret file, when the RPC endpoint wants one. */
        jwtSecretFile: z.string().optional(),
        timeoutMs: z.number().int().positive().default(10_000),
        /** auto: debug_executionWitness*, falling back to eth_getProof; or force one. */
        witness: z.enum(["auto", "debug", "proof"]).default("auto"),
        /** geth-style chain config JSON; else debug_chainConfig. */
        chainConfigFile: z.string().optional(),
        /** Witness fetches running at once (a catch-up hands over many blocks together); newest first. */
        maxConcurrentWitnesses: z.number().int().positive().max(64).default(4),
      })
      .strict()
      .prefault({}),
    proving: z
      .object({
        enabled: z.boolean().default(true),
        /** Proof types to produce for each payload (at most 4). */
        proofTypes: z.array(proofTypeRef).max(4).default(["eproof-reexec"]),
        deadlineMs: z.number().int().positive().default(10_000),
        hedge: z.boolean().default(true),
        backends: z.array(backendSchema).default([{ kind: "cpu" }]),
        /** 0x1501 body revision the guests read; default: the profile's. */
        statelessRevision: z.enum(["v0.8.4", "v21.0.1", "amsterdam-2026-08"]).optional(),
      })
      .strict()
      .prefault({}),
    signing: z
      .object({
        /** EIP-2335 keystore of the validator that signs proofs; without one eproof proves but does not gossip. */
        keystore: z.string().optional(),
        passwordFile: z.string().optional(),
        /** Validator index of that key (looked up from the beacon node when omitted). */
        validatorIndex: z.number().int().min(0).optional(),
      })
      .strict()
      .prefault({}),
    p2p: z
      .object({
        enabled: z.boolean().default(true),
        listen: z.array(z.string()).default(["/ip4/127.0.0.1/tcp/9400"]),
        announce: z.array(z.string()).default([]),
        staticPeers: z.array(z.string()).default([]),
        bootnodes: z.array(z.string()).default([]),
        discv5Port: port.default(9401),
        discovery: z.boolean().default(true),
        maxPeers: z.number().int().positive().default(50),
        /** Proof types outside the profile's wire set that this network gossips (names or ids). */
        localProofTypes: z.array(z.string()).default([]),
        /** Worker threads verifying gossip signatures off the event loop (0: on it). */
        blsWorkers: z.number().int().min(0).max(16).default(1),
      })
      .strict()
      .prefault({}),
    api: z
      .object({
        enabled: z.boolean().default(true),
        host: host.default("127.0.0.1"),
        port: port.default(9500),
        corsOrigins: z.array(z.string()).default([]),
        maxBodyBytes: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
        /** Bearer token file for the write endpoints (POST /v1/...); GETs stay open. */
        authTokenFile: z.string().optional(),
        /** Hex JWT secret file: the write endpoints also accept an HS256 JWT with a fresh iat. */
        jwtSecretFile: z.string().optional(),
        /** Pushed payloads: slots allowed after the wall-clock slot. */
        maxSlotsAhead: z.number().int().min(0).default(2),
        /** ...and before it (never below the last finality prune). */
        maxSlotsBehind: z.number().int().min(0).default(64),
        /** Payloads registered through the API and not yet pruned at finality. */
        maxPendingPayloads: z.number().int().positive().default(256),
        /** Their SSZ bytes together. */
        maxPendingBytes: z
          .number()
          .int()
          .positive()
          .default(256 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    gateway: z
      .object({
        enabled: z.boolean().default(false),
        host: host.default("127.0.0.1"),
        port: port.default(9551),
        /** Hex JWT secret shared with the consensus client (Engine API authentication). */
        jwtSecretFile: z.string().optional(),
        mode: z.enum(["proofs-only", "proofs-or-el"]).default("proofs-or-el"),
        /** Valid proofs needed before a payload is VALID. */
        k: z.number().int().min(1).max(4).default(1),
        allowedProofTypes: z.array(proofTypeRef).default([]),
        waitMs: z.number().int().min(0).default(4_000),
        /** Upstream execution client Engine API (with its own JWT secret file). */
        upstreamUrl: url.optional(),
        upstreamJwtSecretFile: z.string().optional(),
        /** Ask the upstream for engine_newPayloadWithWitnessV5 and prove from that witness. */
        witnessFromEngine: z.boolean().default(true),
        /** Calls answered from proofs are still sent to the upstream in the background. */
        mirrorToUpstream: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        /** USD per GPU model, for the fleet capex gauge. */
        gpuPrices: z.record(z.string(), z.number().nonnegative()).default({ "RTX 5090": 2000, L40S: 8000 }),
        nvidiaSmiIntervalMs: z.number().int().positive().default(5_000),
      })
      .strict()
      .prefault({}),
    /** `eproof light`: a light client on proof gossip (no beacon or execution node of its own). */
    light: z
      .object({
        /** Untrusted beacon node serving the light-client API and blocks. */
        beaconUrl: url.default("http://127.0.0.1:5052"),
        /** Trusted checkpoint block root (0x + 32 bytes) to bootstrap from. */
        checkpointRoot: z
          .string()
          .regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte block root")
          .optional(),
        pollIntervalMs: z.number().int().positive().default(2_000),
        /** Valid proofs needed before a block is the verified execution head, and the types that count. */
        k: z.number().int().min(1).max(4).default(1),
        allowedProofTypes: z.array(proofTypeRef).default([]),
        maxBlocks: z.number().int().positive().default(256),
        maxParentWalk: z.number().int().min(0).default(8),
        host: host.default("127.0.0.1"),
        port: port.default(9553),
        requestTimeoutMs: z.number().int().positive().default(10_000),
        /** Untrusted execution JSON-RPC behind the verified JSON-RPC at POST /rpc (off when unset). */
        rpcUpstream: url.optional(),
      })
      .strict()
      .prefault({}),
    /** Override of the proof-type name <-> id table (defaults to the network preset's). */
    proofTypes: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(255),
            name: z.string().min(1),
            kind: z.enum(["zkvm", "reexec"]),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type EproofConfig = z.infer<typeof configSchema>;
export type BackendConfig = z.infer<typeof backendSchema>;
