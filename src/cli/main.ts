// The `eproof` command line: yargs with --help everywhere; a bad call is one line on stderr and exit 2,
// a failed command is one line (its EproofError message) and exit 1 — never a stack trace.
import "../util/hasher.ts";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EproofError, errorMessage } from "../util/errors.ts";
import { commands } from "./commands/index.ts";
import { packageVersion } from "./version.ts";

export async function runCli(argv: string[]): Promise<void> {
  // `eproof` alone: the help, as --help prints it.
  if (argv.length === 0) argv = ["--help"];
  let cli = yargs(argv)
    .scriptName("eproof")
    .usage(
      "eproof <command> [options]\n\nReal-time EIP-8025 execution proofs beside an Ethereum consensus client.",
    )
    .version(packageVersion())
    .alias("h", "help")
    .strict()
    .demandCommand(1, "eproof needs a command: see eproof --help")
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      if (err) throw err;
      throw new EproofError("BAD_USAGE", msg ?? "bad usage");
    });
  for (const command of commands) cli = cli.command(command);
  await cli.parseAsync();
}

async function main(): Promise<void> {
  try {
    await runCli(hideBin(process.argv));
  } catch (e) {
    const usage = e instanceof EproofError && e.code === "BAD_USAGE";
    // One line, without doubled punctuation ("….: (see …)").
    const message = errorMessage(e).replace(/[\s.:;]+$/, "");
    process.stderr.write(`eproof: ${message}${usage ? " (see eproof --help)" : ""}\n`);
    if (process.env.EPROOF_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = usage ? 2 : 1;
  }
}

await main();
