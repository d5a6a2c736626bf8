// Every subcommand, one import each. A command lands with the capability that makes it work.
import type { CommandModule } from "yargs";
import { devnetCommand } from "./devnet.ts";
import { gpuCommand } from "./gpu.ts";
import { gpusCommand } from "./gpus.ts";
import { lightCommand } from "./light.ts";
import { planCommand } from "./plan.ts";
import { runCommand } from "./run.ts";
import { sszCommand } from "./ssz.ts";
import { statelessCommand } from "./stateless.ts";
import { verifyCommand } from "./verify.ts";

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [
  runCommand,
  devnetCommand,
  sszCommand,
  planCommand,
  gpusCommand,
  gpuCommand,
  statelessCommand,
  verifyCommand,
  lightCommand,
];
