// Turns the configuration leaves into yargs options (--beacon.url …) and back into a loaded config.
import type { Argv } from "yargs";
import { loadConfig } from "../config/loader.ts";
import { CONFIG_LEAVES } from "../config/options.ts";
import { configSchema, type EproofConfig } from "../config/schema.ts";
import { EproofError } from "../util/errors.ts";

export interface ConfigArgs {
  config?: string;
}

export function withConfigOptions<T>(y: Argv<T>): Argv<T & ConfigArgs> {
  let out = y.option("config", {
    type: "string",
    describe: "YAML config file (see config/eproof.example.yaml); also EPROOF_CONFIG",
  }) as unknown as Argv<T & ConfigArgs>;
  const defaults = configSchema.parse({}) as Record<string, unknown>;
  for (const leaf of CONFIG_LEAVES) {
    const def = defaultOf(defaults, leaf.path);
    const shown =
      def === undefined ? "" : ` (default ${typeof def === "string" ? def : JSON.stringify(def)})`;
    out = out.option(leaf.path, {
      // Shown as [boolean] / [number] / [array] / [string] in --help; a bare boolean flag is true
      // (--gateway.enabled). The config loader validates the values and reports errors by name.
      type: yargsType(leaf.kind),
      describe: `${leaf.description}${shown} [env ${leaf.env}]`,
      group: groupOf(leaf.path),
    }) as unknown as Argv<T & ConfigArgs>;
  }
  // No nesting of --beacon.url into objects; camel-case expansion makes --data-dir and
  // --beacon.timeout-ms the same flags as --dataDir and --beacon.timeoutMs (the documented style).
  return out.parserConfiguration({ "dot-notation": false, "camel-case-expansion": true });
}

function yargsType(kind: (typeof CONFIG_LEAVES)[number]["kind"]): "array" | "boolean" | "number" | "string" {
  if (kind === "array" || kind === "boolean" || kind === "number") return kind;
  return "string";
}

function defaultOf(tree: Record<string, unknown>, path: string): unknown {
  let node: unknown = tree;
  for (const part of path.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function groupOf(path: string): string {
  const top = path.includes(".") ? path.slice(0, path.indexOf(".")) : "general";
  return `${top[0]?.toUpperCase()}${top.slice(1)} options:`;
}

/** Loads the configuration from the file, EPROOF_* and the flags given on the command line. */
export function configFromArgs(
  args: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): EproofConfig {
  const flags: Record<string, unknown> = {};
  for (const leaf of CONFIG_LEAVES) {
    const value = args[leaf.path];
    if (value === undefined) continue;
    if (typeof value === "number" && Number.isNaN(value))
      throw new EproofError("BAD_CONFIG", `flag --${leaf.path} needs a number`);
    if (!Array.isArray(value)) flags[leaf.path] = value;
    // A repeated scalar flag: the last one wins. One list value is parsed by the loader (a,b or JSON).
    else if (leaf.kind !== "array" || value.length === 1) flags[leaf.path] = value.at(-1);
    else flags[leaf.path] = value;
  }
  const file = typeof args.config === "string" ? args.config : env.EPROOF_CONFIG;
  return loadConfig({ file, env, flags });
}
