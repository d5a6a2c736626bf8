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
    const logger = createLogger({ level: config.logLevel, format: config.logFormat, file: config.logFile });
    // A problem found while starting (port in use, unprovable proof type) throws here: main prints it.
    const node = await startNode(config, { logger });
    // One found once the beacon node answers (another network or preset, a signing key that is no
    // validator) rejects `ready`: stop and exit 1 with that one line instead of serving half a node.
    let onInt = () => {};
    let onTerm = () => {};
    const stopped = new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        logger.info({ signal: sig }, "stopping");
        resolve();
      };
      onInt = () => stop("SIGINT");
      onTerm = () => stop("SIGTERM");
      process.on("SIGINT", onInt);
      process.on("SIGTERM", onTerm);
    });
    const failed = node.ready.then(
      () => new Promise<never>(() => {}),
      (e: unknown) => e,
    );
    const fatal = await Promise.race([stopped.then(() => undefined), failed]);
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    await node.stop();
    if (fatal !== undefined) throw fatal;
    logger.info("stopped");
  },
};
