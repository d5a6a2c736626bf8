// Chooses a proving backend implementation from a discriminated union of options, as Lodestar's
// initializeExecutionEngine does.
import { join } from "node:path";
import type { BackendConfig } from "../../config/schema.ts";
import type { SpecProfile } from "../../spec/profile.ts";
import type { ProofTypeTable } from "../../spec/proofTypes.ts";
import { EproofError } from "../../util/errors.ts";
import type { ProvingBackend } from "../interface.ts";
import { CpuBackend, type CpuBackendOpts } from "./cpu.ts";
import { defaultEreBackendOpts, EreBackend } from "./ere.ts";
import { Sp1Backend } from "./sp1.ts";
import { defaultSp1PoolOpts } from "./sp1Pool.ts";
import { loadPresetVkSources, resolveSp1VkSource, Sp1ProgramVks, type Sp1VkSpec } from "./sp1Vks.ts";
import { defaultZkboostBackendOpts, ZkboostBackend } from "./zkboost.ts";

export type BackendOpts =
  | {
      kind: "ere";
      url: string;
      proofType: number;
      name?: string;
      chainId: bigint;
      profile?: SpecProfile;
      proveTimeoutMs?: number;
      verifyTimeoutMs?: number;
    }
  | {
      kind: "zkboost";
      url: string;
      proofTypes: readonly number[];
      name?: string;
      table?: ProofTypeTable;
      proveTimeoutMs?: number;
      verifyTimeoutMs?: number;
    }
  | {
      kind: "cpu";
      options?: CpuBackendOpts;
    }
  | {
      kind: "sp1";
      proofTypes: readonly number[];
      /** Where each proof type's program vk comes from. */
      vks: readonly Sp1VkSpec[];
      /** Directory pinning vks fetched from ere-servers (`<dataDir>/vks`). */
      pinDir?: string;
      name?: string;
      chainId: bigint;
      profile?: SpecProfile;
      table?: ProofTypeTable;
      workers?: number;
      maxQueue?: number;
      timeoutMs?: number;
      /** How long startup waits for vks fetched from ere-servers (they are retried later). */
      vkFetchTimeoutMs?: number;
    };

export const defaultBackendOpts = {
  ere: defaultEreBackendOpts,
  zkboost: defaultZkboostBackendOpts,
  sp1: { ...defaultSp1PoolOpts, vkFetchTimeoutMs: 5_000 },
} as const;

export async function createBackend(opts: BackendOpts): Promise<ProvingBackend> {
  switch (opts.kind) {
    case "ere":
      return new EreBackend({
        url: opts.url,
        proofType: opts.proofType,
        id: opts.name,
        chainId: opts.chainId,
        profile: opts.profile,
        proveTimeoutMs: opts.proveTimeoutMs,
        verifyTimeoutMs: opts.verifyTimeoutMs,
      });
    case "zkboost":
      return new ZkboostBackend({
        url: opts.url,
        proofTypes: opts.proofTypes,
        id: opts.name,
        table: opts.table,
        proveTimeoutMs: opts.proveTimeoutMs,
        verifyTimeoutMs: opts.verifyTimeoutMs,
      });
    case "cpu":
      return new CpuBackend(opts.options ?? {});
    case "sp1": {
      const vks = new Sp1ProgramVks(opts.vks, opts.pinDir ? { pinDir: opts.pinDir } : {});
      // Fetch ere-served vks now, briefly: one that is not there yet is fetched again later.
      await vks.refresh({
        force: true,
        signal: AbortSignal.timeout(opts.vkFetchTimeoutMs ?? defaultBackendOpts.sp1.vkFetchTimeoutMs),
      });
      const table = opts.table;
      return new Sp1Backend({
        id: opts.name,
        proofTypes: opts.proofTypes,
        vks,
        chainId: opts.chainId,
        profile: opts.profile,
        workers: opts.workers,
        maxQueue: opts.maxQueue,
        timeoutMs: opts.timeoutMs,
        nameOf: table ? (t) => table.nameOf(t) : undefined,
      });
    }
    default: {
      const unknownKind: never = opts;
      throw new EproofError("BAD_CONFIG", `unknown backend kind ${JSON.stringify(unknownKind)}`);
    }
  }
}

/** What an `sp1` config entry needs from the rest of the node. */
export interface Sp1ConfigContext {
  table: ProofTypeTable;
  /** Network preset name: its config/networks/<network>.vks.yaml names vk sources for types left out. */
  network: string;
  /** Data directory; fetched vks are pinned in `<dataDir>/vks`. */
  dataDir?: string;
  chainId: bigint;
  profile?: SpecProfile;
  /** All configured backends: `{ere: backend}` takes the URL of the ere entry proving that type. */
  backends: readonly BackendConfig[];
}

/** BackendOpts for a `kind: sp1` config entry: proof types resolved, each vk source found. */
export function sp1BackendOpts(
  b: Extract<BackendConfig, { kind: "sp1" }>,
  ctx: Sp1ConfigContext,
): Extract<BackendOpts, { kind: "sp1" }> {
  const proofTypes = b.proofTypes.map((t) => ctx.table.resolve(t).id);
  const configured = new Map<number, BackendConfigVk>();
  for (const [key, source] of Object.entries(b.vks)) {
    const id = ctx.table.resolve(key).id;
    if (!proofTypes.includes(id)) {
      throw new EproofError(
        "BAD_CONFIG",
        `proving.backends sp1: a vk is given for ${key}, which is not in its proofTypes`,
      );
    }
    configured.set(id, source);
  }
  const preset = loadPresetVkSources(ctx.network);
  const ereUrlOf = (proofType: number) => {
    for (const e of ctx.backends) {
      if (e.kind === "ere" && ctx.table.resolve(e.proofType).id === proofType) return e.url;
    }
    return undefined;
  };
  const vks: Sp1VkSpec[] = [];
  for (const id of proofTypes) {
    const name = ctx.table.nameOf(id);
    const source = configured.get(id) ?? preset[name];
    const resolved = source === undefined ? undefined : resolveSp1VkSource(source, ereUrlOf, id);
    if (resolved) vks.push({ proofType: id, name, source: resolved });
  }
  const out: Extract<BackendOpts, { kind: "sp1" }> = {
    kind: "sp1",
    proofTypes,
    vks,
    name: b.name,
    chainId: ctx.chainId,
    profile: ctx.profile,
    table: ctx.table,
    workers: b.workers,
    maxQueue: b.maxQueue,
    timeoutMs: b.timeoutMs,
  };
  if (ctx.dataDir !== undefined) out.pinDir = join(ctx.dataDir, "vks");
  return out;
}

type BackendConfigVk = Extract<BackendConfig, { kind: "sp1" }>["vks"][string];
