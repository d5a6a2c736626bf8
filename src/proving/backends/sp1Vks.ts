// SP1 program vks per proof type: each is given as hex, read from a file, or fetched once from an
// ere-server's ProgramVk and pinned in the data dir (a pinned vk is never fetched again). A proof type
// without a vk cannot be verified: it is never "valid".
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { readConfigFile } from "../../config/loader.ts";
import { type Sp1VkSourceConfig, sp1VkSourceSchema } from "../../config/schema.ts";
import { EproofError, errorMessage } from "../../util/errors.ts";
import { fromHex, toHex } from "../../util/hex.ts";
import { EreBackend } from "./ere.ts";
import { decodeSp1ProgramVk, SP1_PROGRAM_VK_BYTES } from "./sp1Proof.ts";

/** Where one proof type's vk comes from (config and network presets). */
export type Sp1VkSource = { hex: string } | { file: string } | { ere: string };

export interface Sp1VkSpec {
  proofType: number;
  /** Proof-type name: names the pinned file. */
  name: string;
  source: Sp1VkSource;
}

export interface Sp1VksOpts {
  /** Directory for vks fetched from ere-servers (`<dataDir>/vks`); without one nothing is pinned. */
  pinDir?: string;
  /** Least time between two attempts to fetch a missing vk (ms). */
  retryMs?: number;
  now?: () => number;
  /** Fetches ere's 32-byte ProgramVk (default: an ere-server's Twirp ProgramVk). */
  fetchVk?: (url: string, signal?: AbortSignal) => Promise<Uint8Array>;
}

export const defaultSp1VksOpts = { retryMs: 30_000 } as const;

async function fetchEreProgramVk(url: string, signal?: AbortSignal): Promise<Uint8Array> {
  const ere = new EreBackend({ url, proofType: 0, chainId: 0n });
  try {
    return await ere.programVk(signal);
  } finally {
    await ere.close();
  }
}

/** A vk file: ere's 32 raw bytes (as ere's fixtures and ProgramVk hold it) or that as 0x-hex text. */
export function readSp1VkFile(path: string): Uint8Array {
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `cannot read SP1 program vk ${path}: ${errorMessage(e)}`);
  }
  if (raw.length === SP1_PROGRAM_VK_BYTES) return raw;
  const text = new TextDecoder().decode(raw).trim();
  if (/^0x[0-9a-fA-F]{64}$/.test(text)) return fromHex(text);
  throw new EproofError(
    "BAD_CONFIG",
    `SP1 program vk ${path} is neither ${SP1_PROGRAM_VK_BYTES} raw bytes nor 0x-hex of them (${raw.length} bytes)`,
  );
}

function parseVk(vk: Uint8Array, what: string): Uint32Array {
  try {
    return decodeSp1ProgramVk(vk);
  } catch (e) {
    throw new EproofError("BAD_CONFIG", `${what}: ${errorMessage(e)}`);
  }
}

export class Sp1ProgramVks {
  private readonly words = new Map<number, Uint32Array>();
  private readonly pending = new Map<number, Sp1VkSpec & { source: { ere: string } }>();
  private readonly pinDir: string | undefined;
  private readonly retryMs: number;
  private readonly now: () => number;
  private readonly fetchVk: (url: string, signal?: AbortSignal) => Promise<Uint8Array>;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private readonly errors = new Map<number, string>();

  /** Hex and file vks are read here (a bad one is a configuration error); ere vks wait for refresh(). */
  constructor(specs: readonly Sp1VkSpec[], opts: Sp1VksOpts = {}) {
    this.pinDir = opts.pinDir;
    this.retryMs = opts.retryMs ?? defaultSp1VksOpts.retryMs;
    this.now = opts.now ?? Date.now;
    this.fetchVk = opts.fetchVk ?? fetchEreProgramVk;
    for (const spec of specs) {
      const what = `program vk of ${spec.name}`;
      if ("hex" in spec.source) {
        this.words.set(spec.proofType, parseVk(fromHexChecked(spec.source.hex, what), what));
      } else if ("file" in spec.source) {
        this.words.set(
          spec.proofType,
          parseVk(readSp1VkFile(spec.source.file), `${what} (${spec.source.file})`),
        );
      } else {
        const pinned = this.pinPath(spec.name);
        if (pinned && existsSync(pinned)) {
          this.words.set(spec.proofType, parseVk(readSp1VkFile(pinned), `${what} pinned in ${pinned}`));
        } else {
          this.pending.set(spec.proofType, { ...spec, source: spec.source });
        }
      }
    }
  }

  /** The 8 canonical words of a proof type's vk, when known. */
  get(proofType: number): Uint32Array | undefined {
    return this.words.get(proofType);
  }

  has(proofType: number): boolean {
    return this.words.has(proofType);
  }

  /** Proof types whose vk is still to be fetched, with the last error. */
  missing(): { proofType: number; name: string; url: string; error?: string }[] {
    return [...this.pending.values()].map((p) => {
      const error = this.errors.get(p.proofType);
      return error === undefined
        ? { proofType: p.proofType, name: p.name, url: p.source.ere }
        : { proofType: p.proofType, name: p.name, url: p.source.ere, error };
    });
  }

  /** Fetches missing vks from their ere-servers (at most once per retryMs unless forced); pins what it gets. */
  refresh(opts: { force?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    if (this.inflight) return this.inflight;
    if (!opts.force && this.now() - this.lastAttempt < this.retryMs) return Promise.resolve();
    this.lastAttempt = this.now();
    this.inflight = this.fetchPending(opts.signal).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async fetchPending(signal?: AbortSignal): Promise<void> {
    await Promise.all(
      [...this.pending.values()].map(async (spec) => {
        try {
          const vk = await this.fetchVk(spec.source.ere, signal);
          const words = parseVk(vk, `ProgramVk of ${spec.name} from ${spec.source.ere}`);
          this.pin(spec.name, vk);
          this.words.set(spec.proofType, words);
          this.pending.delete(spec.proofType);
          this.errors.delete(spec.proofType);
        } catch (e) {
          this.errors.set(spec.proofType, errorMessage(e));
        }
      }),
    );
  }

  private pinPath(name: string): string | undefined {
    return this.pinDir ? join(this.pinDir, `${name}.vk`) : undefined;
  }

  private pin(name: string, vk: Uint8Array): void {
    const path = this.pinPath(name);
    if (!path) return;
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${toHex(vk)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  }
}

function fromHexChecked(hex: string, what: string): Uint8Array {
  try {
    return fromHex(hex, what);
  } catch (e) {
    throw new EproofError("BAD_CONFIG", errorMessage(e));
  }
}

// ---- network presets ---------------------------------------------------------------------------

const presetVksSchema = z
  .object({ programVks: z.record(z.string(), sp1VkSourceSchema).default({}) })
  .strict();

export function presetVksPath(network: string): string {
  return fileURLToPath(new URL(`../../../config/networks/${network}.vks.yaml`, import.meta.url));
}

/** The vk sources a network preset names (config/networks/<network>.vks.yaml); none for other networks. */
export function loadPresetVkSources(network: string): Record<string, Sp1VkSourceConfig> {
  const path = presetVksPath(network);
  if (!/^[a-z0-9-]+$/.test(network) || !existsSync(path)) return {};
  const parsed = presetVksSchema.safeParse(readConfigFile(path));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EproofError("BAD_CONFIG", `vk preset ${path}: ${issue?.path.join(".")}: ${issue?.message}`);
  }
  return parsed.data.programVks;
}

/**
 * Turns a configured source into a concrete one: "backend" is the URL of the ere backend proving this proof
 * type (undefined when there is none), a bare string is hex when it starts with 0x and a file path otherwise.
 */
export function resolveSp1VkSource(
  source: Sp1VkSourceConfig,
  ereUrlOf: (proofType: number) => string | undefined,
  proofType: number,
): Sp1VkSource | undefined {
  if (typeof source === "string") return source.startsWith("0x") ? { hex: source } : { file: source };
  if ("ere" in source && source.ere === "backend") {
    const url = ereUrlOf(proofType);
    return url === undefined ? undefined : { ere: url };
  }
  return source;
}
