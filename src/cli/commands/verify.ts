// `eproof verify --proof-type reth-sp1 --vk FILE (--public-values FILE | --root 0x… --chain-id N) PROOF`:
// checks one zkVM proof on this CPU, in process, and exits 0 iff it is valid (1 if refused, with why).
import { readFileSync } from "node:fs";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import { expectedPublicValues, publicValuesMismatch } from "../../proving/backends/ereGuestIo.ts";
import { DEFAULT_SP1_PROOF_TYPES, verifySp1Proof } from "../../proving/backends/sp1.ts";
import { Sp1VerifierPool, sp1VerifierPackage } from "../../proving/backends/sp1Pool.ts";
import { decodeSp1ProgramVk } from "../../proving/backends/sp1Proof.ts";
import { readSp1VkFile } from "../../proving/backends/sp1Vks.ts";
import { DEFAULT_PROFILE_NAME, getProfile } from "../../spec/profile.ts";
import { DEFAULT_PROOF_TYPES, ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import { fromHex, fromHexFixed, toHex } from "../../util/hex.ts";

interface VerifyArgs {
  proof: string;
  "proof-type": string;
  vk: string;
  "public-values"?: string;
  root?: string;
  "chain-id"?: string;
  profile: string;
  "timeout-ms": number;
  json: boolean;
}

function readInput(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new EproofError("BAD_INPUT", `cannot read ${what} ${path}: ${errorMessage(e)}`);
  }
}

function programVk(arg: string): Uint32Array {
  const bytes = arg.startsWith("0x") ? fromHex(arg, "--vk") : readSp1VkFile(arg);
  try {
    return decodeSp1ProgramVk(bytes);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `--vk: ${errorMessage(e)}`);
  }
}

/** The rule the proof's output must meet: exactly the given bytes, or this payload's guest result. */
function outputRule(args: VerifyArgs): {
  rule: (pv: Uint8Array) => string | undefined;
  expected: Uint8Array;
} {
  if (args["public-values"] !== undefined) {
    if (args.root !== undefined)
      throw new EproofError("BAD_USAGE", "give --public-values or --root, not both");
    const expected = readInput(args["public-values"], "public values");
    return {
      expected,
      rule: (pv) =>
        pv.length === expected.length
          ? publicValuesMismatch(pv, expected)
          : `public values are ${pv.length} bytes, the file has ${expected.length}`,
    };
  }
  if (args.root === undefined) {
    throw new EproofError("BAD_USAGE", "give --public-values FILE, or --root 0x… with --chain-id N");
  }
  if (args["chain-id"] === undefined) throw new EproofError("BAD_USAGE", "--root needs --chain-id");
  if (!/^\d+$/.test(args["chain-id"]))
    throw new EproofError("BAD_USAGE", "--chain-id must be a decimal integer");
  const root = fromHexFixed(args.root, 32, "--root");
  const expected = expectedPublicValues(
    getProfile(args.profile).publicValues,
    root,
    BigInt(args["chain-id"]),
  );
  return { expected, rule: (pv) => publicValuesMismatch(pv, expected) };
}

export const verifyCommand: CommandModule<object, VerifyArgs> = {
  command: "verify <proof>",
  describe:
    "Verify one SP1 proof (ethrex-sp1, reth-sp1) on this CPU, in process; exit 0 iff valid, 1 if refused",
  builder: (y: Argv) =>
    y
      .positional("proof", {
        type: "string",
        demandOption: true,
        describe: "Proof file: the proof_data bytes as gossiped (ere's bincode ProofFromNetwork for SP1)",
      })
      .option("proof-type", {
        type: "string",
        demandOption: true,
        describe: "Proof type, name or id (ethrex-sp1 = 2, reth-sp1 = 5)",
      })
      .option("vk", {
        type: "string",
        demandOption: true,
        describe: "The guest's program vk: a file (ere's 32-byte ProgramVk, raw or 0x-hex text) or 0x-hex",
      })
      .option("public-values", {
        type: "string",
        describe: "File with the exact public values the proof must commit to",
      })
      .option("root", {
        type: "string",
        describe:
          "Instead of --public-values: the NewPayloadRequest root the proof must commit to (0x, 32 bytes); with --chain-id and --profile gives the guest's expected result",
      })
      .option("chain-id", { type: "string", describe: "Chain id in the expected result (with --root)" })
      .option("profile", {
        type: "string",
        default: DEFAULT_PROFILE_NAME,
        describe: "Spec profile whose public-values form --root is checked in",
      })
      .option("timeout-ms", {
        type: "number",
        default: 60_000,
        describe: "Give up on the STARK check after this long (ms)",
      })
      .option("json", {
        type: "boolean",
        default: false,
        describe: "Print one JSON object instead of text",
      }) as unknown as Argv<VerifyArgs>,
  handler: async (args: ArgumentsCamelCase<VerifyArgs>) => {
    const table = new ProofTypeTable(DEFAULT_PROOF_TYPES);
    const type = table.resolve(args["proof-type"]);
    if (!(DEFAULT_SP1_PROOF_TYPES as readonly number[]).includes(type.id)) {
      throw new EproofError(
        "BAD_USAGE",
        `${type.name} does not verify in process (only ${DEFAULT_SP1_PROOF_TYPES.map((t) => table.nameOf(t)).join(", ")}); its proofs verify through an ere-server's Verify (CPU)`,
      );
    }
    const vk = programVk(args.vk);
    const { rule } = outputRule(args);
    const proof = readInput(args.proof, "proof");
    const pool = new Sp1VerifierPool({ workers: 1, maxQueue: 1, timeoutMs: args["timeout-ms"] });
    try {
      const verdict = await verifySp1Proof(pool, proof, vk, rule);
      const out = {
        proofType: type.name,
        valid: verdict.valid,
        ...(verdict.reason !== undefined ? { reason: verdict.reason } : {}),
        ...(verdict.proof
          ? { sp1Version: verdict.proof.sp1Version, publicValues: toHex(verdict.proof.publicValues) }
          : {}),
        verifier: `${sp1VerifierPackage().version}`,
        ms: Math.round(verdict.ms * 10) / 10,
      };
      if (args.json) process.stdout.write(`${JSON.stringify(out)}\n`);
      else if (verdict.valid) {
        process.stdout.write(
          `VALID  ${type.name} proof (SP1 ${out.sp1Version ?? "?"}), ${out.ms} ms, public values ${out.publicValues ?? ""}\n`,
        );
      } else process.stdout.write(`INVALID  ${type.name} proof: ${verdict.reason ?? "refused"}\n`);
      if (!verdict.valid) process.exitCode = 1;
    } finally {
      await pool.close();
    }
  },
};
