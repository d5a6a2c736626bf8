// The devnet's public surface: start a real local beacon node + execution client, and feed it transactions.
export { beaconNodeFlags, startBeaconNode } from "./beaconNode.ts";
export {
  GENESIS_STORAGE_CONTRACT,
  REVERT_CALLDATA,
  STORAGE_INITCODE,
  STORAGE_RUNTIME,
  storageCalldata,
} from "./contracts.ts";
export { devAccount, devAccounts } from "./devAccounts.ts";
export {
  DEVNET_SETUP_COMMAND,
  type DevnetTools,
  locateDevnetTools,
  requireDevnetTools,
} from "./devnetTools.ts";
export { executionClientFlags, startExecutionClient } from "./executionClient.ts";
export {
  buildGethGenesis,
  DEVNET_CHAIN_ID,
  type GethChainConfig,
  type GethGenesis,
  storageWord,
} from "./genesis.ts";
export type { DevAccount, Devnet, DevnetOpts, DevnetProcess, ExecutionEndpoints } from "./interface.ts";
export { ManagedProcess } from "./managedProcess.ts";
export { devnetMemory, type ProcessMemory, rssBytes } from "./processStats.ts";
export { DEVNET_DEFAULTS, startDevnet } from "./startDevnet.ts";
export {
  GENERATED_TX_KINDS,
  type GeneratedTx,
  type GeneratedTxKind,
  startTxGenerator,
  TxGenerator,
  type TxGeneratorOpts,
  type TxGeneratorStats,
} from "./txGenerator.ts";
