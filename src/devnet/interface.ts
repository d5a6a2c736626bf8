// The local devnet's contract: what `startDevnet` accepts and what a running devnet exposes to eproof
// (endpoints, JWT, genesis, chain config) — a real Lodestar beacon node and a real EthereumJS client
// on loopback, Capella/Shanghai from genesis.
import type { Logger } from "../util/logger.ts";
import type { GethGenesis } from "./genesis.ts";

/** Where the execution client can be reached; handed to `executionUrl` callbacks before the CL starts. */
export interface ExecutionEndpoints {
  /** Public JSON-RPC (eth_, debug_, txpool_) on 127.0.0.1, no auth. */
  rpcUrl: string;
  /** Engine API on 127.0.0.1, JWT (HS256) with `jwtSecretHex`. */
  engineUrl: string;
  jwtSecretHex: string;
  jwtSecretPath: string;
}

export interface DevnetOpts {
  /** Data dir for genesis, JWT, node databases and child logs; a fresh temporary dir when absent. */
  dataDir?: string;
  /** When set, `Devnet.finished` resolves once the beacon head reaches this slot. */
  slots?: number;
  /** Default 2. */
  secondsPerSlot?: number;
  /** Interop validators run inside the beacon node; default 8. */
  validators?: number;
  /** First of 5 consecutive loopback ports (EL rpc, EL engine, EL p2p, CL rest, CL p2p); free ports when absent. */
  basePort?: number;
  /**
   * The Engine API URL the beacon node uses. Default: the EL's engine port. A callback runs after the EL is
   * up and before the CL starts, so a proxy (eproof's Engine API gateway) can be started in between.
   */
  executionUrl?: string | ((el: ExecutionEndpoints) => string | Promise<string>);
  /** Prefunded dev accounts in genesis; default 8. */
  accounts?: number;
  /** How long to wait for both nodes to be healthy and the first block; default 180 s. */
  startTimeoutMs?: number;
  /** Beacon genesis is set this long after the beacon node is started (it needs ~5-15 s to come up); default 8. */
  genesisDelaySeconds?: number;
  /** How long stop() waits after SIGTERM before SIGKILL; default 3 s (Lodestar may ignore SIGTERM; the devnet is throwaway). */
  stopGraceMs?: number;
  logger: Logger;
  signal?: AbortSignal;
}

export interface DevAccount {
  address: string;
  /** 0x-prefixed 32-byte secp256k1 key: a public, derived dev key, never for real funds. */
  privateKey: string;
}

export interface DevnetProcess {
  name: "execution" | "beacon";
  pid: number;
  logPath: string;
}

export interface Devnet extends ExecutionEndpoints {
  /** Lodestar REST API (Beacon API), 127.0.0.1. */
  beaconUrl: string;
  /** Alias of `rpcUrl`. */
  elRpcUrl: string;
  /** Alias of `engineUrl` (the EL's own port, not the URL the CL was told to use). */
  elEngineUrl: string;
  /** The Engine API URL the beacon node actually uses (the EL's, or a gateway's). */
  beaconExecutionUrl: string;
  dataDir: string;
  genesis: GethGenesis;
  genesisHash: string;
  /** Geth-style `config` section of the genesis, what the stateless engine takes as its chain config. */
  chainConfig: GethGenesis["config"];
  chainId: number;
  secondsPerSlot: number;
  /** Beacon genesis time (unix seconds). */
  genesisTime: number;
  accounts: DevAccount[];
  processes: DevnetProcess[];
  /** From the startDevnet call to the first execution block. */
  timeToFirstBlockMs: number;
  /**
   * Resolves when `opts.slots` is reached (never if unset); rejects if a node dies or the chain stalls (no
   * new beacon block for an epoch: a single Lodestar node does not recover from that). Also the way to
   * notice a devnet failure when `slots` is unset.
   */
  finished: Promise<void>;
  /** SIGTERM both nodes, SIGKILL after the grace period; resolves when both are gone. Idempotent. */
  stop(): Promise<void>;
}
