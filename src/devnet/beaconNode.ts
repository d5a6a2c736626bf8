// The devnet's beacon node: `lodestar dev` (1.5.1, on Node 20) with interop validators proposing every slot,
// Altair/Bellatrix/Capella at epoch 0, merged from genesis (TTD 0), REST and p2p on 127.0.0.1 only.
import { join } from "node:path";
import type { Logger } from "../util/logger.ts";
import type { DevnetTools } from "./devnetTools.ts";
import { ManagedProcess } from "./managedProcess.ts";

export interface BeaconNodeArgs {
  dataDir: string;
  validators: number;
  genesisTime: number;
  /** Execution block hash of the EL genesis. */
  genesisEth1Hash: string;
  executionUrl: string;
  jwtSecretPath: string;
  secondsPerSlot: number;
  restPort: number;
  p2pPort: number;
  feeRecipient: string;
}

/** Command-line flags for `lodestar dev` (pure, so the fork schedule and bindings are testable). */
export function beaconNodeFlags(a: BeaconNodeArgs): string[] {
  if (!Number.isInteger(a.validators) || a.validators < 1)
    throw new RangeError(`bad validator count ${a.validators}`);
  return [
    "dev",
    "--dataDir",
    a.dataDir,
    "--genesisValidators",
    String(a.validators),
    "--startValidators",
    `0..${a.validators - 1}`,
    "--genesisTime",
    String(a.genesisTime),
    "--genesisEth1Hash",
    a.genesisEth1Hash,
    "--execution.urls",
    a.executionUrl,
    "--jwt-secret",
    a.jwtSecretPath,
    "--params.ALTAIR_FORK_EPOCH",
    "0",
    "--params.BELLATRIX_FORK_EPOCH",
    "0",
    "--params.CAPELLA_FORK_EPOCH",
    "0",
    "--params.SECONDS_PER_SLOT",
    String(a.secondsPerSlot),
    "--terminal-total-difficulty-override",
    "0",
    "--suggestedFeeRecipient",
    a.feeRecipient,
    "--rest",
    "--rest.address",
    "127.0.0.1",
    "--rest.port",
    String(a.restPort),
    "--rest.namespace",
    "*",
    // The built-in validator client talks to this node's REST API.
    "--server",
    `http://127.0.0.1:${a.restPort}`,
    "--listenAddress",
    "127.0.0.1",
    "--port",
    String(a.p2pPort),
    "--discoveryPort",
    String(a.p2pPort),
    "--discv5",
    "false",
    "--mdns",
    "false",
    "--logLevel",
    "info",
    "--logFile",
    "none",
  ];
}

export function startBeaconNode(
  tools: DevnetTools,
  a: BeaconNodeArgs,
  logDir: string,
  logger: Logger,
): ManagedProcess {
  return new ManagedProcess({
    name: "beacon",
    command: tools.node20,
    args: [
      "--require",
      tools.polyfillPreload,
      "--require",
      tools.childGuardPreload,
      tools.lodestarBin,
      ...beaconNodeFlags(a),
    ],
    cwd: a.dataDir,
    logPath: join(logDir, "beacon.log"),
    // No colour codes in the log file.
    env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
    logger,
  });
}
