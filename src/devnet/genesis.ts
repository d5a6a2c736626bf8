// Geth-style genesis for the devnet: every fork through Shanghai active at genesis, merged from block 0
// (TTD 0), dev accounts prefunded, and the storage contract pre-deployed with some slots set.
import {
  bigIntToBytes,
  bigIntToHex,
  bytesToHex,
  type PrefixedHexString,
  setLengthLeft,
} from "@ethereumjs/util";
import { GENESIS_STORAGE_CONTRACT, storageRuntimeHex } from "./contracts.ts";

/** Geth's chain config keys; what the EthereumJS client and `createCommonFromGethGenesis` read. */
export interface GethChainConfig {
  chainId: number;
  homesteadBlock: number;
  eip150Block: number;
  eip155Block: number;
  eip158Block: number;
  byzantiumBlock: number;
  constantinopleBlock: number;
  petersburgBlock: number;
  istanbulBlock: number;
  muirGlacierBlock: number;
  berlinBlock: number;
  londonBlock: number;
  arrowGlacierBlock: number;
  grayGlacierBlock: number;
  mergeNetsplitBlock: number;
  shanghaiTime: number;
  terminalTotalDifficulty: number;
  terminalTotalDifficultyPassed: boolean;
}

export interface GethGenesisAccount {
  balance: string;
  code?: string;
  nonce?: string;
  /** Keys and values as full 32-byte hex words (the EthereumJS client rejects shorter keys). */
  storage?: Record<string, string>;
}

export interface GethGenesis {
  config: GethChainConfig;
  nonce: string;
  timestamp: string;
  extraData: string;
  gasLimit: PrefixedHexString;
  difficulty: PrefixedHexString;
  mixHash: PrefixedHexString;
  coinbase: PrefixedHexString;
  number: PrefixedHexString;
  gasUsed: PrefixedHexString;
  parentHash: PrefixedHexString;
  baseFeePerGas: PrefixedHexString;
  alloc: Record<string, GethGenesisAccount>;
}

export interface GenesisOpts {
  chainId: number;
  /** Unix seconds; must not be after the first payload's timestamp (the beacon genesis time). */
  timestamp: number;
  /** Addresses to prefund. */
  accounts: readonly string[];
  /** Default 1,000,000 ETH each. */
  balanceWei?: bigint;
  /** Default 30,000,000. */
  gasLimit?: bigint;
}

export const DEVNET_CHAIN_ID = 1337;
const ZERO_32: PrefixedHexString = `0x${"00".repeat(32)}`;
const ZERO_20: PrefixedHexString = `0x${"00".repeat(20)}`;

/** A storage key or value as the full 32-byte word genesis files need. */
export function storageWord(x: bigint): string {
  return bytesToHex(setLengthLeft(bigIntToBytes(x), 32));
}

/** Slots 1..4 of the pre-deployed storage contract hold 1..4, so deletions work from the first block. */
export function genesisContractStorage(): Record<string, string> {
  const storage: Record<string, string> = {};
  for (let slot = 1n; slot <= 4n; slot++) storage[storageWord(slot)] = storageWord(slot);
  return storage;
}

export function buildGethGenesis(opts: GenesisOpts): GethGenesis {
  const balance = bigIntToHex(opts.balanceWei ?? 10n ** 24n);
  const alloc: Record<string, GethGenesisAccount> = {};
  for (const a of opts.accounts) alloc[a.toLowerCase()] = { balance };
  alloc[GENESIS_STORAGE_CONTRACT] = {
    balance: "0x0",
    nonce: "0x1",
    code: storageRuntimeHex(),
    storage: genesisContractStorage(),
  };
  return {
    config: {
      chainId: opts.chainId,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      muirGlacierBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      arrowGlacierBlock: 0,
      grayGlacierBlock: 0,
      mergeNetsplitBlock: 0,
      shanghaiTime: 0,
      terminalTotalDifficulty: 0,
      terminalTotalDifficultyPassed: true,
    },
    nonce: "0x0",
    timestamp: bigIntToHex(BigInt(opts.timestamp)),
    extraData: "0x",
    gasLimit: bigIntToHex(opts.gasLimit ?? 30_000_000n),
    difficulty: "0x0",
    mixHash: ZERO_32,
    coinbase: ZERO_20,
    number: "0x0",
    gasUsed: "0x0",
    parentHash: ZERO_32,
    baseFeePerGas: bigIntToHex(1_000_000_000n),
    alloc,
  };
}
