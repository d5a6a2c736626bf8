// Turns the configuration leaves into yargs options (--beacon.url …) and back into a loaded config.
import type { Argv } from "yargs";
import { loadConfig } from "../config/loader.ts";
import { CONFIG_LEAVES } from "../config/options.ts";
import { configSchema, type EproofConfig } from "../config/schema.ts";

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
      // Values are parsed by the config loader, which knows each key's type and reports errors by name.
      type: leaf.kind === "array" ? "array" : "string",
      describe: `${leaf.description}${shown} [${leaf.env}]`,
      group: groupOf(leaf.path),
    }) as unknown as Argv<T & ConfigArgs>;
  }
  // yargs would otherwise expand --beacon.url into nested objects and camel-case variants.
  return out.parserConfiguration({ "dot-notation": false, "camel-case-expansion": false });
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
    if (!Array.isArray(value)) flags[leaf.path] = value;
    // A repeated scalar flag: the last one wins. One list value is parsed by the loader (a,b or JSON).
    else if (leaf.kind !== "array" || value.length === 1) flags[leaf.path] = value.at(-1);
    else flags[leaf.path] = value;
  }
  const file = typeof args.config === "string" ? args.config : env.EPROOF_CONFIG;
  return loadConfig({ file, env, flags });
}
