// `eproof run`: the daemon. Follows a beacon node, proves new payloads, gossips signed proofs and serves
// the proof-engine API, the Engine API gateway, /metrics and /dashboard until SIGINT/SIGTERM.
import type { Argv, CommandModule } from "yargs";
import { startNode } from "../../node/daemon.ts";
import { createLogger } from "../../util/logger.ts";
import { type ConfigArgs, configFromArgs, withConfigOptions } from "../configOptions.ts";

export const runCommand: CommandModule<object, ConfigArgs> = {
  command: "run",
  describe: "run the eproof daemon (configure with --config, EPROOF_* variables or the flags below)",
  builder: (y: Argv) =>
    withConfigOptions(y).epilogue(
      "Precedence: defaults < --config file < EPROOF_* environment < flags. Example:\n" +
        "  eproof run --network hoodi --beacon.url http://127.0.0.1:5052 --execution.url http://127.0.0.1:8545",
    ),
  handler: async (args) => {
    const config = configFromArgs(args as Record<string, unknown>);
    const logger = createLogger({ level: config.logLevel });
    const node = await startNode(config, { logger });
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        logger.info({ signal: sig }, "stopping");
        process.off("SIGINT", onInt);
        process.off("SIGTERM", onTerm);
        resolve();
      };
      const onInt = () => stop("SIGINT");
      const onTerm = () => stop("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    });
    await node.stop();
    logger.info("stopped");
  },
};
