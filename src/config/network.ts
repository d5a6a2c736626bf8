// Network presets (config/networks/*.yaml): fork schedule, genesis, chain id and proof-type table.
// A custom network takes its spec from the beacon node (/eth/v1/config/spec + /eth/v1/beacon/genesis).
import { existsSync } from "node:fs";
import {
  type ChainConfig,
  type ChainForkConfig,
  chainConfigFromJson,
  createChainForkConfig,
} from "@lodestar/config";
import { mainnetChainConfig } from "@lodestar/config/networks";
import { ACTIVE_PRESET } from "@lodestar/params";
import { z } from "zod";
import { DEFAULT_PROOF_TYPES, type ProofTypeEntry } from "../spec/proofTypes.ts";
import { EproofError } from "../util/errors.ts";
import { fromHex } from "../util/hex.ts";
import { readConfigFile } from "./loader.ts";

const hex4 = z.string().regex(/^0x[0-9a-fA-F]{8}$/, "must be 4 bytes of 0x-hex");

const presetSchema = z
  .object({
    name: z.string(),
    chainId: z.number().int().nonnegative(),
    genesisTime: z.number().int().nonnegative(),
    genesisValidatorsRoot: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex"),
    secondsPerSlot: z.number().int().positive(),
    forks: z.array(
      z
        .object({ name: z.string(), version: hex4, epoch: z.number().int().nonnegative().nullable() })
        .strict(),
    ),
    proofTypes: z
      .array(
        z
          .object({
            id: z.number().int().min(0).max(255),
            name: z.string(),
            kind: z.enum(["zkvm", "reexec"]),
          })
          .strict(),
      )
      .default([...DEFAULT_PROOF_TYPES]),
  })
  .strict();

export interface NetworkSpec {
  name: string;
  chainId: number;
  genesisTime: number;
  genesisValidatorsRoot: Uint8Array;
  secondsPerSlot: number;
  /** @lodestar/config fork schedule: fork versions, epochs, digests. */
  forkConfig: ChainForkConfig;
  proofTypes: ProofTypeEntry[];
}

export const PRESET_NETWORKS = ["mainnet", "sepolia", "hoodi"] as const;

export function presetPath(name: string): URL {
  return new URL(`../../config/networks/${name}.yaml`, import.meta.url);
}

export function loadNetworkPreset(nameOrFile: string): NetworkSpec {
  const isFile = nameOrFile.endsWith(".yaml") || nameOrFile.endsWith(".yml");
  const path = isFile ? nameOrFile : presetPath(nameOrFile).pathname;
  if (!existsSync(path)) {
    throw new EproofError(
      "BAD_CONFIG",
      `unknown network "${nameOrFile}" (presets: ${PRESET_NETWORKS.join(", ")}; or "custom" to read the spec from the beacon node)`,
    );
  }
  const parsed = presetSchema.safeParse(readConfigFile(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EproofError(
      "BAD_CONFIG",
      `network preset ${path}: ${issue?.path.join(".")}: ${issue?.message}`,
    );
  }
  const p = parsed.data;
  const overrides: Record<string, unknown> = {
    CONFIG_NAME: p.name,
    DEPOSIT_CHAIN_ID: p.chainId,
    SECONDS_PER_SLOT: p.secondsPerSlot,
    MIN_GENESIS_TIME: p.genesisTime,
  };
  for (const f of p.forks) {
    const key = f.name === "phase0" ? "GENESIS" : f.name.toUpperCase();
    overrides[`${key}_FORK_VERSION`] = fromHex(f.version);
    if (key !== "GENESIS") overrides[`${key}_FORK_EPOCH`] = f.epoch ?? Number.POSITIVE_INFINITY;
  }
  return {
    name: p.name,
    chainId: p.chainId,
    genesisTime: p.genesisTime,
    genesisValidatorsRoot: fromHex(p.genesisValidatorsRoot),
    secondsPerSlot: p.secondsPerSlot,
    forkConfig: createChainForkConfig({ ...mainnetChainConfig, ...overrides } as ChainConfig),
    proofTypes: p.proofTypes,
  };
}

/** A custom network from the beacon node's /eth/v1/config/spec and /eth/v1/beacon/genesis answers. */
export function networkFromBeaconSpec(
  spec: Record<string, unknown>,
  genesis: { genesis_time: string; genesis_validators_root: string },
  proofTypes: ProofTypeEntry[] = [...DEFAULT_PROOF_TYPES],
): NetworkSpec {
  const presetBase = String(spec.PRESET_BASE ?? "mainnet");
  // SSZ limits (and so block decoding and NewPayloadRequest roots) follow the preset, which @lodestar/params
  // fixes at start-up from LODESTAR_PRESET.
  if (presetBase !== ACTIVE_PRESET) {
    throw new EproofError(
      "BAD_CONFIG",
      `the beacon node runs the ${presetBase} preset but eproof runs ${ACTIVE_PRESET}: start eproof with LODESTAR_PRESET=${presetBase}`,
    );
  }
  // HttpBeaconClient.getSpec flattens list values (BLOB_SCHEDULE) to JSON strings; @lodestar/config wants lists.
  const json: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec))
    json[k] = typeof v === "string" && v.startsWith("[") ? JSON.parse(v) : v;
  const chainConfig = chainConfigFromJson(json);
  return {
    name: String(chainConfig.CONFIG_NAME ?? "custom"),
    chainId: Number(chainConfig.DEPOSIT_CHAIN_ID),
    genesisTime: Number(genesis.genesis_time),
    genesisValidatorsRoot: fromHex(genesis.genesis_validators_root, "genesis_validators_root"),
    secondsPerSlot: Number(chainConfig.SECONDS_PER_SLOT),
    forkConfig: createChainForkConfig(chainConfig),
    proofTypes,
  };
}
