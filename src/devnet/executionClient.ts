// The devnet's execution client: EthereumJS client 0.10.5 on Node 20, from a geth-style genesis, JSON-RPC
// and the JWT-authenticated Engine API on 127.0.0.1, no peers (it only follows its beacon node).
import { join } from "node:path";
import type { Logger } from "../util/logger.ts";
import type { DevnetTools } from "./devnetTools.ts";
import { ManagedProcess } from "./managedProcess.ts";

export interface ExecutionClientArgs {
  genesisPath: string;
  dataDir: string;
  jwtSecretPath: string;
  rpcPort: number;
  enginePort: number;
  p2pPort: number;
}

/** Command-line flags for `ethereumjs` (pure, so the loopback/JWT choices are testable). */
export function executionClientFlags(a: ExecutionClientArgs): string[] {
  return [
    "--gethGenesis",
    a.genesisPath,
    "--dataDir",
    a.dataDir,
    "--rpc",
    "--rpcAddr",
    "127.0.0.1",
    "--rpcPort",
    String(a.rpcPort),
    "--rpcEngine",
    "--rpcEngineAddr",
    "127.0.0.1",
    "--rpcEnginePort",
    String(a.enginePort),
    "--rpcEngineAuth",
    "true",
    "--jwtSecret",
    a.jwtSecretPath,
    // devp2p stays up (the client needs it) but on loopback via childGuard.cjs, with no peers or discovery.
    "--port",
    String(a.p2pPort),
    "--maxPeers",
    "0",
    "--discDns",
    "false",
    "--discV4",
    "false",
    "--isSingleNode",
    "true",
    "--logLevel",
    "info",
    "--logFile",
    "false",
  ];
}

export function startExecutionClient(
  tools: DevnetTools,
  a: ExecutionClientArgs,
  logDir: string,
  logger: Logger,
): ManagedProcess {
  return new ManagedProcess({
    name: "execution",
    command: tools.node20,
    args: ["--require", tools.childGuardPreload, tools.ethereumjsBin, ...executionClientFlags(a)],
    cwd: a.dataDir,
    logPath: join(logDir, "execution.log"),
    logger,
  });
}
