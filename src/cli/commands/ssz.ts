// `eproof ssz root|decode`: hash_tree_root or JSON of an SSZ file (or stdin) of a named EIP-8025 type.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Argv, CommandModule } from "yargs";
import { DEFAULT_PROFILE_NAME, getProfile, PROFILES, type SpecProfile } from "../../spec/profile.ts";
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
  maxBytes: number;
}

/** Largest input read by default: a StatelessInput with a big witness fits, a stray pipe does not. */
export const DEFAULT_SSZ_MAX_BYTES = 256 * 1024 * 1024;

function readInput(input: string, hex: boolean | undefined, maxBytes: number): Uint8Array {
  const where = isStdin(input) ? "stdin" : input;
  let raw: Buffer;
  try {
    raw = isStdin(input) ? readBounded(0, maxBytes) : readFileBounded(input, maxBytes);
  } catch (e) {
    if (e instanceof EproofError) throw e;
    throw new EproofError("BAD_INPUT", `cannot read ${where}: ${errorMessage(e)}`);
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

function tooLarge(where: string, maxBytes: number): EproofError {
  return new EproofError("BAD_INPUT", `${where} holds more than ${maxBytes} bytes (--max-bytes)`);
}

function readFileBounded(path: string, maxBytes: number): Buffer {
  const fd = openSync(path, "r");
  try {
    // A regular file says its size; a FIFO or device is read like stdin.
    if (fstatSync(fd).size > maxBytes) throw tooLarge(path, maxBytes);
    return readBounded(fd, maxBytes, path);
  } finally {
    closeSync(fd);
  }
}

/** Reads `fd` to its end, refusing (without reading on) once more than `maxBytes` arrived. */
function readBounded(fd: number, maxBytes: number, where = "stdin"): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(1 << 20, maxBytes + 1 - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      // A non-blocking stdin (a pipe from some shells) has no data yet: wait a little and retry.
      if ((e as NodeJS.ErrnoException).code === "EAGAIN") {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if ((e as NodeJS.ErrnoException).code === "EOF") break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > maxBytes) throw tooLarge(where, maxBytes);
    chunks.push(chunk.subarray(0, n));
  }
  return Buffer.concat(chunks, total);
}

/**
 * Checks --type, --fork and --profile before any input is read (a wrong flag must not wait on a
 * stdin that never ends): decoding zero bytes fails on the flags first, or on the bytes.
 */
function checkFlags(args: SszArgs): SpecProfile {
  const profile = getProfile(args.profile);
  if (!Number.isSafeInteger(args.maxBytes) || args.maxBytes <= 0) {
    throw new EproofError("BAD_USAGE", `--max-bytes must be a positive integer, got ${args.maxBytes}`);
  }
  try {
    decodeNamed(args.type, new Uint8Array(0), args.fork, profile);
  } catch (e) {
    if (e instanceof EproofError && FLAG_ERRORS.has(e.code)) throw e;
  }
  return profile;
}

const FLAG_ERRORS = new Set<string>(["UNKNOWN_TYPE", "UNKNOWN_FORK", "BAD_USAGE", "BAD_CONFIG"]);

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
    })
    .option("max-bytes", {
      type: "number",
      default: DEFAULT_SSZ_MAX_BYTES,
      describe: "refuse an input (file or stdin) larger than this many bytes",
    }) as unknown as Argv<SszArgs>;
}

function decode(args: SszArgs) {
  const profile = checkFlags(args);
  const bytes = readInput(args.input, args.hex, args.maxBytes);
  return decodeNamed(args.type, bytes, args.fork, profile);
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
