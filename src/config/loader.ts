// Loads the configuration: defaults < config file (YAML) < EPROOF_* environment < flags, validated against
// the schema. An unknown key or bad value is one BAD_CONFIG error naming it.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { EproofError, errorMessage } from "../util/errors.ts";
import { CONFIG_LEAVES, type ConfigLeaf } from "./options.ts";
import { configSchema, type EproofConfig } from "./schema.ts";

/** EPROOF_* variables that are not configuration keys (the devnet sets the last on what it starts). */
const NON_CONFIG_ENV = new Set(["EPROOF_CONFIG", "EPROOF_DEBUG", "EPROOF_DEVNET_PARENT_PID"]);

export interface ConfigSources {
  /** Path of a YAML config file. */
  file?: string;
  env?: Record<string, string | undefined>;
  /** Parsed flags keyed by dotted path ("beacon.url"), values as given on the command line. */
  flags?: Record<string, unknown>;
}

type Tree = Record<string, unknown>;

export function loadConfig(sources: ConfigSources = {}): EproofConfig {
  const merged: Tree = {};
  // Where each leaf's value came from, so an error names the variable or flag to fix.
  const origin = new Map<string, string>();
  if (sources.file) deepMerge(merged, readConfigFile(sources.file));
  if (sources.env) {
    const env = fromEnv(sources.env);
    deepMerge(merged, env.tree);
    for (const [path, name] of env.origin) origin.set(path, `environment variable ${name}`);
  }
  if (sources.flags) {
    for (const [path, value] of Object.entries(sources.flags)) {
      if (value === undefined) continue;
      const leaf = leafOf(path, `flag --${path}`);
      setPath(merged, path, coerce(leaf, value, `flag --${path}`));
      origin.set(path, `flag --${path}`);
    }
  }
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(top level)";
    const keys = issue && "keys" in issue && Array.isArray(issue.keys) ? ` ${issue.keys.join(", ")}` : "";
    const from = originOf(origin, issue?.path.map(String) ?? []);
    const at = from
      ? `${where} (from ${from})`
      : sources.file && where !== "(top level)"
        ? `${where} (in ${sources.file})`
        : where;
    const what =
      issue?.code === "unrecognized_keys" ? `unknown key${keys} in ${at}` : `${at}: ${issue?.message}`;
    throw new EproofError("BAD_CONFIG", `invalid configuration: ${what}`);
  }
  return parsed.data;
}

/** The source of the leaf at `path` or of the nearest leaf above it (a list element, an object's key). */
function originOf(origin: ReadonlyMap<string, string>, path: readonly string[]): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const found = origin.get(path.slice(0, n).join("."));
    if (found) return found;
  }
  return undefined;
}

export function readConfigFile(file: string): Tree {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `cannot read config file ${file}: ${errorMessage(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new EproofError(
      "BAD_CONFIG",
      `config file ${file} is not valid YAML: ${errorMessage(e).split("\n")[0]}`,
    );
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new EproofError("BAD_CONFIG", `config file ${file} must hold a mapping of keys`);
  }
  return dropNulls(doc as Tree);
}

/** A YAML key left empty (a section whose entries are all commented out) means "not set". */
function dropNulls(tree: Tree): Tree {
  for (const [k, v] of Object.entries(tree)) {
    if (v === null) delete tree[k];
    else if (isTree(v)) dropNulls(v);
  }
  return tree;
}

function fromEnv(env: Record<string, string | undefined>): { tree: Tree; origin: Map<string, string> } {
  const out: Tree = {};
  const origin = new Map<string, string>();
  const byEnv = new Map(CONFIG_LEAVES.map((l) => [l.env, l]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("EPROOF_") || NON_CONFIG_ENV.has(name) || value === undefined) continue;
    const leaf = byEnv.get(name);
    if (!leaf) throw new EproofError("BAD_CONFIG", `unknown environment variable ${name}`);
    setPath(out, leaf.path, coerce(leaf, value, `environment variable ${name}`));
    origin.set(leaf.path, name);
  }
  return { tree: out, origin };
}

function leafOf(path: string, what: string): ConfigLeaf {
  const leaf = CONFIG_LEAVES.find((l) => l.path === path);
  if (!leaf) throw new EproofError("BAD_CONFIG", `unknown ${what}`);
  return leaf;
}

/** Strings from env/flags become the leaf's type; the schema then validates the result. */
function coerce(leaf: ConfigLeaf, value: unknown, what: string): unknown {
  if (typeof value !== "string") {
    if (leaf.kind === "array" && !Array.isArray(value)) return [value];
    return value;
  }
  const text = value.trim();
  switch (leaf.kind) {
    case "number": {
      const n = Number(text);
      if (text === "" || !Number.isFinite(n))
        throw new EproofError("BAD_CONFIG", `${what}: "${value}" is not a number`);
      return n;
    }
    case "boolean":
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      throw new EproofError("BAD_CONFIG", `${what}: "${value}" is not true or false`);
    case "array":
      if (text.startsWith("[")) return parseJson(text, what);
      return text === "" ? [] : text.split(",").map((s) => s.trim());
    case "object":
      return parseJson(text, what);
    default:
      return value;
  }
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `${what}: not valid JSON (${errorMessage(e)})`);
  }
}

function setPath(tree: Tree, path: string, value: unknown): void {
  const parts = path.split(".");
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== "object" || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function deepMerge(target: Tree, source: Tree): void {
  for (const [k, v] of Object.entries(source)) {
    const cur = target[k];
    if (isTree(v) && isTree(cur)) deepMerge(cur, v);
    else target[k] = v;
  }
}

function isTree(v: unknown): v is Tree {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
