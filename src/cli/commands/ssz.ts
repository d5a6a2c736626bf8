// `eproof ssz root|decode`: hash_tree_root or JSON of an SSZ file (or stdin) of a named EIP-8025 type.
import { readFileSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { DEFAULT_PROFILE_NAME, getProfile, PROFILES } from "../../spec/profile.ts";
import { decodeNamed, sszTypeNames } from "../../spec/registry.ts";
import "../../spec/statelessRegistry.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import { toHex } from "../../util/hex.ts";

interface SszArgs {
  type: string;
  fork?: string;
  profile: string;
  input: string;
  hex?: boolean;
}

function readInput(input: string, hex: boolean | undefined): Uint8Array {
  let raw: Buffer;
  try {
    raw = isStdin(input) ? readFileSync(0) : readFileSync(input);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `cannot read ${isStdin(input) ? "stdin" : input}: ${errorMessage(e)}`);
  }
  const text = raw.toString("latin1").trim();
  // Accept 0x-hex files too (and always with --hex), as fixtures often carry SSZ as hex.
  if (hex || /^0x[0-9a-fA-F]*$/.test(text)) {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(text))
      throw new EproofError("BAD_HEX", `${input} is not 0x-prefixed even-length hex`);
    return Uint8Array.from(Buffer.from(text.slice(2), "hex"));
  }
  return new Uint8Array(raw);
}

function options(y: Argv): Argv<SszArgs> {
  return y
    .positional("input", {
      type: "string",
      demandOption: true,
      describe: "SSZ file, or - for stdin (raw bytes or 0x-hex)",
    })
    .option("type", {
      type: "string",
      demandOption: true,
      describe: `SSZ type: ${sszTypeNames().join(", ")}`,
    })
    .option("fork", {
      type: "string",
      describe:
        "fork of a forked type (capella, deneb, electra, fulu, gloas); found by decoding when omitted",
    })
    .option("profile", {
      type: "string",
      default: DEFAULT_PROFILE_NAME,
      describe: `EIP-8025 spec profile: ${Object.keys(PROFILES).join(", ")}`,
    })
    .option("hex", {
      type: "boolean",
      describe: "read the input as 0x-hex text",
    }) as unknown as Argv<SszArgs>;
}

function decode(args: SszArgs) {
  const bytes = readInput(args.input, args.hex);
  return decodeNamed(args.type, bytes, args.fork, getProfile(args.profile));
}

const rootCommand: CommandModule<object, SszArgs> = {
  command: "root <input>",
  describe: "print the hash_tree_root of an SSZ value as 0x…",
  builder: options,
  handler: (args) => {
    process.stdout.write(`${toHex(decode(args).root)}\n`);
  },
};

const decodeCommand: CommandModule<object, SszArgs> = {
  command: "decode <input>",
  describe: "print an SSZ value as JSON (with its fork and root)",
  builder: options,
  handler: (args) => {
    const d = decode(args);
    const out = { type: args.type, ...(d.fork ? { fork: d.fork } : {}), root: toHex(d.root), value: d.json };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  },
};

export const sszCommand: CommandModule = {
  command: "ssz <command>",
  describe: "decode EIP-8025 and Engine API SSZ values and compute their roots",
  builder: (y) =>
    y
      .command(rootCommand as unknown as CommandModule)
      .command(decodeCommand as unknown as CommandModule)
      .demandCommand(1, "ssz needs a subcommand: root or decode"),
  handler: () => {},
};

/** yargs hands a lone "-" positional over as an empty string. */
function isStdin(input: string): boolean {
  return input === "-" || input === "";
}
