// `eproof stateless [--json] <file|dir>...`: validate every block of the given files (a directory: its
// block files, recursively) with nothing but an execution witness, and say whether each verdict matches
// what the file expects.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import type { BlockReport } from "../../stateless/blockchainTest.ts";
import { runFile } from "../../stateless/fileRunner.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";

interface StatelessArgs {
  files: string[];
  json: boolean;
  network: string;
  strictGethWitness: boolean;
}

/** A geth `<n>-witness.rlp` stands for its `<n>-block.rlp`; listed twice (a glob), it runs once. */
/** Files beside a block that are read with it, never on their own. */
const COMPANIONS = new Set(["execution_witness.json", "chain_config.json", "genesis.json"]);
/** Directory entries taken as block files. */
const BLOCK_FILE = /(\.json|-block\.rlp|-witness\.rlp|\.ssz)$/;
/** How deep a directory argument is searched. */
const MAX_DIR_DEPTH = 8;

/** A directory's block files, sorted, recursively (companion files and dot-entries skipped). */
function dirFiles(dir: string, depth = 0): string[] {
  if (depth > MAX_DIR_DEPTH) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith(".")) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...dirFiles(path, depth + 1));
    else if (e.isFile() && BLOCK_FILE.test(e.name) && !COMPANIONS.has(e.name)) out.push(path);
  }
  return out;
}

function blockFiles(files: readonly string[]): string[] {
  const out: string[] = [];
  const expanded = files.flatMap((f) => {
    let dir = false;
    try {
      dir = statSync(f).isDirectory();
    } catch {
      // A missing path is reported by the reader, with its name.
    }
    return dir ? dirFiles(f) : [f];
  });
  for (const f of expanded) {
    const file = f.endsWith("-witness.rlp") ? f.replace(/-witness\.rlp$/, "-block.rlp") : f;
    if (!out.includes(file)) out.push(file);
  }
  return out;
}

function jsonLine(r: BlockReport): string {
  const o: Record<string, unknown> = {
    file: r.file,
    test: r.test,
    block: r.block,
    hash: r.hash,
    expected: r.expected,
    valid: r.valid,
    ok: r.ok,
    gasUsed: r.gasUsed.toString(),
    ms: Math.round(r.ms * 10) / 10,
  };
  if (r.reason !== undefined) o.reason = r.reason;
  if (r.assumedAbsent) o.assumedAbsent = r.assumedAbsent;
  if (r.schema !== undefined) o.schema = r.schema;
  return JSON.stringify(o);
}

function tableLine(r: BlockReport): string {
  // Verdicts as eproof verify and the verification API print them: VALID / INVALID.
  const verdict = `${r.valid ? "VALID" : "INVALID"}${r.expected === r.valid ? "" : ` (expected ${r.expected ? "VALID" : "INVALID"})`}`;
  const test = r.test.length > 60 ? `…${r.test.slice(-59)}` : r.test;
  const why =
    r.reason && (!r.ok || !r.valid)
      ? `  ${r.reason.slice(0, 160)}`
      : r.assumedAbsent
        ? `  assumed absent without proof (geth witness rule): ${r.assumedAbsent.join(", ")}`
        : "";
  return `${r.ok ? "ok  " : "FAIL"} ${test.padEnd(60)} #${String(r.block).padEnd(8)} ${verdict.padEnd(26)} ${`${(Number(r.gasUsed) / 1e6).toFixed(3)} Mgas`.padStart(13)} ${`${r.ms.toFixed(0)} ms`.padStart(9)}${why}`;
}

export const statelessCommand: CommandModule<object, StatelessArgs> = {
  command: "stateless <files..>",
  describe: "Validate blocks statelessly (witness only) and compare each verdict with the file's expectation",
  builder: (y: Argv) =>
    y
      .positional("files", {
        type: "string",
        array: true,
        demandOption: true,
        describe:
          "Block files or directories (searched recursively for *.json, *-block.rlp, *.ssz; companion execution_witness.json / chain_config.json skipped): EF BlockchainTest JSON (witness recorded from the pre-state), EEST zkevm fixtures " +
          "(statelessInputBytes decoded in whichever schema/revision they are — 0x1400, or 0x1501 as " +
          "2026-08, tests-zkevm v0.8.4 or v21.0.1 — re-executed, and the result we would write checked " +
          "byte for byte against statelessOutputBytes, incl. the 43-byte form and its all-zero " +
          "malformed-input sentinel), ethrex-replay cache JSON, geth " +
          "<n>-block.rlp (with <n>-witness.rlp beside it), or a NewPayloadRequest .ssz with " +
          "execution_witness.json and chain_config.json beside it",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe:
          'One JSON object per block: {"file","test","block","hash","expected","valid","ok","gasUsed","ms",' +
          '"reason"?,"assumedAbsent"?,"schema"?} (schema: an EEST zkevm input\'s schema id and revision)',
      })
      .option("network", {
        type: "string",
        default: "hoodi",
        describe: "Network whose chain config executes geth block RLP files (they carry none)",
      })
      .option("strict-geth-witness", {
        type: "boolean",
        default: false,
        describe:
          "geth <n>-witness.rlp files omit the trie path of accounts geth looked up and found absent, " +
          "and geth's own stateless check reads such gaps as empty. eproof follows that rule for these " +
          "files only, naming each account it assumed absent (assumedAbsent); this flag refuses it. " +
          "Every other input, and every proof, is always strict.",
      }) as unknown as Argv<StatelessArgs>,
  handler: async (args: ArgumentsCamelCase<StatelessArgs>) => {
    let total = 0;
    let failed = 0;
    for (const file of blockFiles(args.files)) {
      try {
        for await (const r of runFile(file, {
          network: args.network,
          strictGethWitness: args.strictGethWitness,
        })) {
          total++;
          if (!r.ok) failed++;
          process.stdout.write(`${args.json ? jsonLine(r) : tableLine(r)}\n`);
        }
      } catch (e) {
        if (!(e instanceof EproofError)) throw new EproofError("INTERNAL", `${file}: ${errorMessage(e)}`);
        throw e;
      }
    }
    if (!args.json) process.stdout.write(`${total - failed}/${total} blocks reached the expected verdict\n`);
    if (failed > 0) process.exitCode = 1;
  },
};
