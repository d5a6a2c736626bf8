// `eproof light`: a light client on proof gossip. Follows the beacon chain through the light-client sync
// protocol from an untrusted beacon node (bootstrapped from a trusted checkpoint root), verifies proofs
// from the gossip in process and serves the verified execution head until SIGINT/SIGTERM.
import type { Argv, CommandModule } from "yargs";
import { startLightNode } from "../../light/node.ts";
import { createLogger } from "../../util/logger.ts";
import { type ConfigArgs, configFromArgs, withConfigOptions } from "../configOptions.ts";

export const lightCommand: CommandModule<object, ConfigArgs> = {
  command: "light",
  describe:
    "run a light client: verified beacon headers + zk proofs from gossip -> a verified execution head",
  builder: (y: Argv) =>
    withConfigOptions(y).epilogue(
      "Uses the light.* options (and proving.backends for the verifiers, p2p.* for the gossip). Example:\n" +
        "  eproof light --network hoodi --light.beaconUrl http://127.0.0.1:5052 --light.checkpointRoot 0x…\n" +
        "The beacon node is not trusted: every header is checked against the sync committee of the checkpoint.",
    ),
  handler: async (args) => {
    const config = configFromArgs(args as Record<string, unknown>);
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, file: config.logFile });
    const node = await startLightNode(config, { logger });
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        resolve();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await node.stop();
    logger.info("stopped");
  },
};
