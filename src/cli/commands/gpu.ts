// `eproof gpu compose`: writes the Docker compose file an operator runs on a GPU host.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { ArgumentsCamelCase, Argv, CommandModule } from "yargs";
import {
  buildCompose,
  buildVerifyOnlyCompose,
  CONTAINER_PORT,
  type ComposedEndpoint,
  type ComposeLayout,
  defaultComposeOptions,
  renderCompose,
  renderVerifyOnlyCompose,
  type VerifierServer,
} from "../../fleet/compose.ts";
import { gpuRefSchema, ZKVMS, type Zkvm } from "../../fleet/config.ts";
import { queryGpus } from "../../fleet/sampler.ts";
import { ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";

interface ComposeArgs {
  zkvm?: Zkvm;
  elf?: string;
  "verify-only": boolean;
  "verifier-elf": string[];
  gpus?: string;
  layout: ComposeLayout;
  "ere-version": string;
  image?: string;
  "base-port": number;
  bind: string;
  warmup?: number;
  out?: string;
  "nvidia-smi": string;
}

function parseGpuList(list: string): Array<number | string> {
  return list.split(",").map((raw) => {
    const s = raw.trim();
    const value = /^\d+$/.test(s) ? Number(s) : s;
    const parsed = gpuRefSchema.safeParse(value);
    if (!parsed.success) throw new EproofError("BAD_INPUT", `"${s}" is not a GPU index or GPU-… UUID`);
    return parsed.data;
  });
}

const composeCommand: CommandModule<object, ComposeArgs> = {
  command: "compose",
  describe:
    "Write a Docker compose file: one ere-server per GPU, or a ZisK cluster (coordinator + a worker per GPU)",
  builder: (y: Argv) =>
    y
      .option("zkvm", {
        choices: ZKVMS,
        describe: "zkVM of the ere-server image (required unless --verify-only)",
      })
      .option("elf", {
        type: "string",
        describe: "Host path of the guest ELF (one ELF = one proof type; required unless --verify-only)",
      })
      .option("verify-only", {
        type: "boolean",
        default: false,
        describe:
          "Write CPU ere-servers (no GPU) that only verify, one per --verifier-elf, for a validator without a GPU; SP1 types are left out (eproof verifies them in process)",
      })
      .option("verifier-elf", {
        type: "string",
        array: true,
        default: [],
        describe:
          "With --verify-only: <proof-type>=<host path of its guest ELF>, e.g. reth-zisk=/elfs/reth-zisk.elf (repeatable)",
      })
      .option("gpus", {
        type: "string",
        describe: "Comma-separated GPU indices or UUIDs (default: every GPU nvidia-smi lists)",
      })
      .option("layout", {
        choices: ["per-gpu", "zisk-cluster"] as const,
        default: defaultComposeOptions.layout,
        describe: "One server per GPU, or one ZisK cluster over all given GPUs",
      })
      .option("ere-version", {
        type: "string",
        default: defaultComposeOptions.ereVersion,
        describe: "ere release: image ghcr.io/eth-act/ere/ere-server-<zkvm>:<version>-cuda",
      })
      .option("image", { type: "string", describe: "Full image reference, overriding --ere-version" })
      .option("base-port", {
        type: "number",
        default: defaultComposeOptions.basePort,
        describe: "Host port of the first server; the others follow",
      })
      .option("bind", {
        type: "string",
        default: defaultComposeOptions.bindAddress,
        describe: "Host address to publish ports on (0.0.0.0 if eproof runs elsewhere)",
      })
      .option("warmup", {
        type: "number",
        describe: "Health-check start period in seconds (default: ZisK 300, others 120)",
      })
      .option("out", { type: "string", describe: "File to write (default: print to stdout)" })
      .option("nvidia-smi", {
        type: "string",
        default: "nvidia-smi",
        describe: "Path of nvidia-smi, used when --gpus is not given",
      }) as unknown as Argv<ComposeArgs>,
  handler: async (args: ArgumentsCamelCase<ComposeArgs>) => {
    if (args["verify-only"]) return writeVerifyOnly(args);
    if (!args.zkvm || !args.elf) {
      throw new EproofError("BAD_USAGE", "gpu compose needs --zkvm and --elf (or --verify-only)");
    }
    // The ELF is mounted into every server: a wrong path would only show as servers failing to start.
    if (!existsSync(args.elf) || !statSync(args.elf).isFile()) {
      throw new EproofError(
        "BAD_INPUT",
        `--elf ${args.elf}: no such file (the guest ELF the servers prove with)`,
      );
    }
    let gpus: Array<number | string>;
    if (args.gpus) gpus = parseGpuList(args.gpus);
    else {
      try {
        gpus = (await queryGpus(undefined, args["nvidia-smi"])).map((g) => g.index);
      } catch (e) {
        throw new EproofError("BAD_INPUT", `no --gpus given and ${errorMessage(e)}; pass --gpus 0,1,…`);
      }
    }
    const doc = buildCompose({
      zkvm: args.zkvm,
      gpus,
      layout: args.layout,
      ereVersion: args["ere-version"],
      image: args.image,
      elfPath: args.elf,
      basePort: args["base-port"],
      bindAddress: args.bind,
      warmupSeconds: args.warmup,
    });
    const text = renderCompose(doc);
    const snippet = backendsSnippet(doc.endpoints, args.elf);
    if (!args.out) {
      process.stdout.write(text);
      // stdout is the compose file: the snippet goes beside it.
      process.stderr.write(snippet);
      return;
    }
    try {
      writeFileSync(args.out, text);
    } catch (e) {
      throw new EproofError("BAD_INPUT", `cannot write ${args.out}: ${errorMessage(e)}`);
    }
    process.stdout.write(
      `wrote ${args.out}: ${doc.endpoints.map((e) => `${e.service} → ${e.url}`).join(", ")}\n${snippet}`,
    );
  },
};

/**
 * The proving.backends entries for eproof's config, one per ere-server: by service name (eproof in the
 * same compose project, e.g. merged with deploy/compose.yaml). The proof type is read from the ELF's
 * file name when it is one eproof knows (reth-zisk.elf), else left for the user to fill in.
 */
export function backendsSnippet(endpoints: readonly ComposedEndpoint[], elfPath: string): string {
  const stem = basename(elfPath).replace(/\.[^.]*$/, "");
  const known = new ProofTypeTable().entries().find((e) => e.name === stem.toLowerCase());
  const proofType = known?.name ?? "<proof type of the ELF>";
  const lines = [
    "# proving.backends for eproof's config (eproof in the same compose project; else use the host URLs above):",
    "proving:",
    "  backends:",
    ...endpoints.map(
      (e) =>
        `    - { kind: ere, url: "http://${e.service}:${CONTAINER_PORT}", proofType: ${proofType}, gpus: [${e.gpus.map((g) => JSON.stringify(g)).join(", ")}] }`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

function parseVerifierElf(pair: string): VerifierServer {
  const at = pair.indexOf("=");
  if (at <= 0 || at === pair.length - 1) {
    throw new EproofError("BAD_USAGE", `--verifier-elf "${pair}" is not <proof-type>=<path>`);
  }
  return { proofType: pair.slice(0, at), elfPath: pair.slice(at + 1) };
}

function writeOut(out: string | undefined, text: string, summary: string): void {
  if (!out) {
    process.stdout.write(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (e) {
    throw new EproofError("BAD_INPUT", `cannot write ${out}: ${errorMessage(e)}`);
  }
  process.stdout.write(`wrote ${out}: ${summary}\n`);
}

function writeVerifyOnly(args: ArgumentsCamelCase<ComposeArgs>): void {
  if (args.gpus !== undefined || args.elf !== undefined) {
    throw new EproofError(
      "BAD_USAGE",
      "--verify-only takes --verifier-elf <proof-type>=<path>, not --gpus/--elf",
    );
  }
  const image = args.image;
  const doc = buildVerifyOnlyCompose({
    servers: args["verifier-elf"].map(parseVerifierElf),
    ereVersion: args["ere-version"],
    image: image ? () => image : undefined,
    basePort: args["base-port"],
    bindAddress: args.bind,
    warmupSeconds: args.warmup,
  });
  const summary = [
    ...doc.endpoints.map((e, i) => `${e.service} → ${e.url} (${doc.proofTypes[i] ?? "?"})`),
    ...(doc.inProcess.length > 0 ? [`in process: ${doc.inProcess.join(", ")}`] : []),
  ].join(", ");
  writeOut(args.out, renderVerifyOnlyCompose(doc), summary);
}

export const gpuCommand: CommandModule = {
  command: "gpu <command>",
  describe: "GPU host tools (compose file generation)",
  builder: (y: Argv) => y.command(composeCommand).demandCommand(1, "eproof gpu needs a subcommand: compose"),
  handler: () => undefined,
};
